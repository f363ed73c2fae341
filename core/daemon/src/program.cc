#include "hnv/daemon/program.h"

#include <systemd/sd-daemon.h>

#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>

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

int serve(boost::asio::io_context& io, agent::LocalApiServer& api, const Logger& log) {
  if (auto st = api.listen(); !st) {
    log.error("start-up failed", {{"error", st.error().message()}});
    return kExitRuntime;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log.notice("stopping", {{"signal", std::to_string(sig)}});
    sd_notify(0, "STOPPING=1");
    api.close();
    io.stop();
  });
  log.notice("ready", {{"api", api.path()}});
  sd_notify(0, "READY=1");
  io.run();
  return kExitOk;
}

}  // namespace hnv::daemon
