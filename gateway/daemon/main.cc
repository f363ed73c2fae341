// hnvgwd: the multi-tenant NVGRE gateway appliance.
//
// Exit codes: 0 after a clean stop, 1 when start-up fails at run time (EAL,
// ports), 2 for a bad command line or configuration file.
#include <systemd/sd-daemon.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>

#include "hnv/agent/local_api.h"
#include "hnv/base/log.h"
#include "hnv/gateway/config.h"
#include "hnv/gateway/gateway.h"

namespace {

namespace po = boost::program_options;
const hnv::Logger kLog("hnvgwd");

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts("hnvgwd options");
  opts.add_options()("help,h", "show this help")("version", "print the version")(
      "config,c", po::value<std::string>()->value_name("FILE"), "configuration file (JSON, see docs/configuration.md)")(
      "check-config", "validate the configuration file and exit");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "hnvgwd: " << e.what() << "\n" << opts;
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "Usage: hnvgwd --config FILE [--check-config]\n" << opts;
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "hnvgwd " << HNV_VERSION << "\n";
    return 0;
  }
  if (!vm.count("config")) {
    std::cerr << "hnvgwd: --config FILE is required\n" << opts;
    return kExitUsage;
  }
  auto config = hnv::gateway::loadGatewayConfig(vm["config"].as<std::string>());
  if (!config) {
    std::cerr << "hnvgwd: configuration error: " << config.error().message() << "\n";
    return kExitUsage;
  }
  if (vm.count("check-config")) {
    std::cout << "configuration OK: " << config->dataplane.ports.size() << " port(s), "
              << config->providerAddresses.size() << " provider address(es)\n";
    return 0;
  }
  hnv::Logger::setLevel(config->logLevel);
  kLog.notice("starting", {{"node", config->nodeName}, {"version", HNV_VERSION}});

  auto gw = hnv::gateway::Gateway::start(*config);
  if (!gw) {
    kLog.error("start-up failed", {{"error", gw.error().message()}});
    return kExitRuntime;
  }
  boost::asio::io_context io;
  hnv::agent::LocalApiServer api(io, config->apiSocket);
  (*gw)->registerApi(api);
  if (auto st = api.listen(); !st) {
    kLog.error("start-up failed", {{"error", st.error().message()}});
    return kExitRuntime;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    kLog.notice("stopping", {{"signal", std::to_string(sig)}});
    sd_notify(0, "STOPPING=1");
    api.close();
    io.stop();
  });
  kLog.notice("ready", {{"api", config->apiSocket}});
  sd_notify(0, "READY=1");
  io.run();
  (*gw)->stop();
  gw->reset();
  kLog.notice("stopped");
  return 0;
}
