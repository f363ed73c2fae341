// hnv-controller: the central policy store with its REST API.
//
//   hnv-controller --config FILE            run
//   hnv-controller --config FILE --check-config
//   hnv-controller --print-openapi          the OpenAPI document on stdout
//   hnv-controller hash-token [TOKEN|-]     SHA-256 of a token for the config
//
// Exit codes: 0 clean stop, 1 runtime failure (store, listen), 2 bad usage or configuration.
#include <boost/asio/signal_set.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "hnv/base/log.h"
#include "hnv/controller/config.h"
#include "hnv/controller/instance.h"
#include "hnv/controller/metrics.h"
#include "hnv/service/metrics_server.h"
#include "hnv/service/watchdog.h"

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr const char* kVersion = "0.1.0";

const char* kUsage =
    "usage: hnv-controller --config FILE [--check-config]\n"
    "       hnv-controller --print-openapi\n"
    "       hnv-controller hash-token [TOKEN|-]\n"
    "       hnv-controller --version\n";

int usage(const std::string& why) {
  std::cerr << "hnv-controller: " << why << "\n" << kUsage;
  return kExitUsage;
}

int run(const hnv::controller::ControllerConfig& cfg) {
  hnv::LogLevel level;
  if (hnv::Logger::parseLevel(cfg.logLevel, level)) hnv::Logger::setLevel(level);
  auto ctl = hnv::controller::ControllerInstance::open(
      {cfg.database, cfg.tokens, {cfg.historyLimit, 100000},
       {cfg.listenAddress, cfg.listenPort, cfg.maxBodyBytes, std::chrono::seconds(cfg.heartbeatSeconds), cfg.tls},
       kVersion});
  if (!ctl) {
    std::cerr << "hnv-controller: " << ctl.error().message() << "\n";
    return kExitRuntime;
  }
  auto& c = **ctl;
  // Metrics and the watchdog live on the API's io_context: a stuck loop
  // stops both, and systemd restarts the controller.
  std::unique_ptr<hnv::service::MetricsServer> metrics;
  if (cfg.metrics) {
    metrics = std::make_unique<hnv::service::MetricsServer>(
        c.io(), *cfg.metrics, [&c] { return hnv::controller::controllerMetrics(c.engine(), c.api()); });
    if (auto st = metrics->listen(); !st) {
      std::cerr << "hnv-controller: " << st.error().message() << "\n";
      return kExitRuntime;
    }
  }
  hnv::service::Watchdog watchdog(c.io(), {}, hnv::Logger("hnv-controller"));
  watchdog.start();
  boost::asio::signal_set signals(c.io(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    watchdog.stop();
    if (metrics) metrics->close();
    c.stop();
  });
  std::cout << "hnv-controller " << kVersion << " listening on " << cfg.listenAddress << ":" << c.port()
            << (cfg.tls ? " (TLS)" : "") << ", revision " << c.engine().revision() << ", "
            << c.engine().state().objectCount() << " objects, store " << cfg.database << std::endl;
  hnv::service::notifyReady("serving the policy API on port " + std::to_string(c.port()));
  c.run();
  hnv::service::notifyStopping();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage("--config FILE is required");
  if (args[0] == "--version") {
    std::cout << "hnv-controller " << kVersion << "\n";
    return 0;
  }
  if (args[0] == "-h" || args[0] == "--help") {
    std::cout << kUsage;
    return 0;
  }
  if (args[0] == "hash-token") {
    std::string token;
    if (args.size() == 2 && args[1] != "-") {
      token = args[1];
    } else if (args.size() <= 2) {
      std::getline(std::cin, token);
    } else {
      return usage("hash-token takes one token");
    }
    if (token.empty()) return usage("hash-token: the token is empty");
    std::cout << hnv::controller::sha256Hex(token) << "\n";
    return 0;
  }
  if (args[0] == "--print-openapi") {
    // The document depends only on the route table and the kinds: an
    // in-memory store on a loopback port is enough to build it.
    auto ctl = hnv::controller::ControllerInstance::open({":memory:", {}, {}, {}, kVersion});
    if (!ctl) {
      std::cerr << "hnv-controller: " << ctl.error().message() << "\n";
      return kExitRuntime;
    }
    std::cout << boost::json::serialize((*ctl)->api().openApi()) << "\n";
    return 0;
  }
  std::string configPath;
  bool check = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      configPath = args[++i];
    } else if (args[i] == "--check-config") {
      check = true;
    } else {
      return usage("unexpected argument '" + args[i] + "'");
    }
  }
  if (configPath.empty()) return usage("--config FILE is required");
  auto cfg = hnv::controller::loadControllerConfig(configPath);
  if (!cfg) {
    std::cerr << "hnv-controller: " << cfg.error().message() << "\n";
    return kExitUsage;
  }
  if (check) {
    std::cout << configPath << ": ok (" << cfg->tokens.size() << " tokens)\n";
    return 0;
  }
  return run(*cfg);
}
