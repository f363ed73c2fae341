// The process shell of a data-plane daemon (hnvgwd, hnv-hostd): the command
// line, and serving the local API until SIGINT/SIGTERM with sd_notify, the
// systemd watchdog and the metrics endpoint, both fed by one health probe
// (every data-plane worker still walking its graph: WorkerProgress).
//
// Exit codes: 0 after a clean stop (or --help, --version, --check-config),
// 1 when start-up fails at run time (EAL, ports, the API socket), 2 for a bad
// command line or configuration file.
//
// Thread: main.
#pragma once

#include <boost/asio/io_context.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hnv/agent/local_api.h"
#include "hnv/base/log.h"
#include "hnv/daemon/worker_progress.h"
#include "hnv/service/metrics_server.h"
#include "hnv/service/watchdog.h"

namespace hnv::dp {
class Dataplane;
}

namespace hnv::daemon {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

struct CommandLine {
  std::string configPath;
  bool checkOnly = false;  // --check-config
};

// Parses --config FILE, --check-config, --help, --version. An int is the
// exit code when the program ends here (help, version or a usage error,
// already printed).
std::variant<CommandLine, int> parseCommandLine(std::string_view program, std::string_view version, int argc,
                                                char** argv);

// Each running worker's graph walks so far, for WorkerProgress.
std::vector<std::uint64_t> workerWalks(const dp::Dataplane& dataplane);

// Listens on the API socket, tells systemd READY, pets systemd's watchdog
// (when it asked for one) while `health` says healthy, runs `io` until
// SIGINT or SIGTERM (then STOPPING, the API closed, `io` stopped). Returns
// the exit code: kExitRuntime when the socket cannot be bound.
int serve(boost::asio::io_context& io, agent::LocalApiServer& api, const Logger& log,
          service::Watchdog::Probe health);

// A daemon's whole life: command line, configuration (exit 2 on an
// error), start (exit 1), the local API and the control loop on one
// io_context until a signal, stop. `Config` derives from DaemonConfig and has
// summary() (what --check-config prints after "configuration OK: "); `App`
// has static start(const Config&, io_context&) -> Result<unique_ptr<App>>,
// registerApi(agent::LocalApiServer&), metricsText(), dataplane() and stop().
template <class App, class Config>
int run(std::string_view program, std::string_view version, Result<Config> (*load)(const std::string& path),
        int argc, char** argv) {
  const std::string name(program);
  auto cmd = parseCommandLine(program, version, argc, argv);
  if (const int* exit = std::get_if<int>(&cmd)) return *exit;
  const auto& cl = std::get<CommandLine>(cmd);
  auto config = load(cl.configPath);
  if (!config) {
    std::cerr << name << ": configuration error: " << config.error().message() << "\n";
    return kExitUsage;
  }
  if (cl.checkOnly) {
    std::cout << "configuration OK: " << config->summary() << "\n";
    return kExitOk;
  }
  const Logger log(name);
  Logger::setLevel(config->logLevel);
  log.notice("starting", {{"node", config->nodeName}, {"version", std::string(version)}});
  // Declared first, destroyed last: the app's control loop and posted work live on it.
  boost::asio::io_context io;
  auto app = App::start(*config, io);
  if (!app) {
    log.error("start-up failed", {{"error", app.error().message()}});
    return kExitRuntime;
  }
  agent::LocalApiServer api(io, config->apiSocket);
  (*app)->registerApi(api);
  App* a = app->get();
  WorkerProgress progress;
  auto health = [a, &progress] { return progress.check(workerWalks(a->dataplane())); };
  std::unique_ptr<service::MetricsServer> metrics;
  if (config->metrics) {
    metrics = std::make_unique<service::MetricsServer>(io, *config->metrics, [a] { return a->metricsText(); }, health);
    if (auto st = metrics->listen(); !st) {
      log.error("start-up failed", {{"error", st.error().message()}});
      (*app)->stop();
      return kExitRuntime;
    }
  }
  int rc = serve(io, api, log, health);
  metrics.reset();
  (*app)->stop();
  app->reset();
  if (rc == kExitOk) log.notice("stopped");
  return rc;
}

}  // namespace hnv::daemon
