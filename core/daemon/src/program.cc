#include "hnv/daemon/program.h"

#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>

#include "hnv/dp/dataplane.h"
#include "hnv/service/watchdog.h"

namespace hnv::daemon {

namespace po = boost::program_options;

std::variant<CommandLine, int> parseCommandLine(std::string_view program, std::string_view version, int argc,
                                                char** argv) {
  const std::string name(program);
  po::options_description opts(name + " options");
  opts.add_options()("help,h", "show this help")("version", "print the version")(
      "config,c", po::value<std::string>()->value_name("FILE"), "configuration file (JSON, see docs/configuration.md)")(
      "check-config", "validate the configuration file and exit");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << name << ": " << e.what() << "\n" << opts;
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "Usage: " << name << " --config FILE [--check-config]\n" << opts;
    return kExitOk;
  }
  if (vm.count("version")) {
    std::cout << name << " " << version << "\n";
    return kExitOk;
  }
  if (!vm.count("config")) {
    std::cerr << name << ": --config FILE is required\n" << opts;
    return kExitUsage;
  }
  return CommandLine{vm["config"].as<std::string>(), vm.count("check-config") != 0};
}

std::vector<std::uint64_t> workerWalks(const dp::Dataplane& dataplane) {
  std::vector<std::uint64_t> walks;
  for (const auto& w : dataplane.runningWorkers()) walks.push_back(w->stats().walks);
  return walks;
}

int serve(boost::asio::io_context& io, agent::LocalApiServer& api, const Logger& log, service::Watchdog::Probe health) {
  if (auto st = api.listen(); !st) {
    log.error("start-up failed", {{"error", st.error().message()}});
    return kExitRuntime;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log.notice("stopping", {{"signal", std::to_string(sig)}});
    service::notifyStopping();
    api.close();
    io.stop();
  });
  service::Watchdog watchdog(io, std::move(health), log);
  const auto timeout = watchdog.start();
  log.notice("ready", {{"api", api.path()},
                       {"watchdog", timeout.count() > 0 ? std::to_string(timeout.count() / 1000) + " ms" : "off"}});
  service::notifyReady("serving on " + api.path());
  io.run();
  return kExitOk;
}

}  // namespace hnv::daemon
