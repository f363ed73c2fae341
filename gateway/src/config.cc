#include "hnv/gateway/config.h"

namespace hnv::gateway {

std::string GatewayConfig::summary() const {
  return std::to_string(dataplane.ports.size()) + " port(s), " + std::to_string(providerAddresses.size()) +
         " provider address(es)";
}

Result<GatewayConfig> parseGatewayConfig(const boost::json::value& root) {
  GatewayConfig c;
  ConfigNode r(&root, "");
  if (auto st = daemon::parseDaemonConfig(r, c); !st) return st.error();
  // A gateway serves routing domains, not VMs: its ports are all uplinks.
  for (std::size_t i = 0; i < c.dataplane.ports.size(); ++i) {
    if (c.dataplane.ports[i].role == dp::PortRole::Vm) {
      return r["ports"].at(i)["role"].error("vm", "hnvgwd has no VM ports (VM ports belong to hnv-hostd)");
    }
  }
  return c;
}

Result<GatewayConfig> loadGatewayConfig(const std::string& path) {
  return daemon::loadConfigFile(path, parseGatewayConfig);
}

}  // namespace hnv::gateway
