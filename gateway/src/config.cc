#include "hnv/gateway/config.h"

namespace hnv::gateway {

namespace {

constexpr std::string_view kRootKeys[] = {"controller", "state_file", "encap", "nat"};

// "nat": {"sessions_per_worker": N}: the size of each worker's session table.
Status parseNatSettings(const ConfigNode& n, std::uint32_t& sessionsPerWorker) {
  if (!n.present()) return okStatus();
  if (auto st = n.expectObject({"sessions_per_worker"}); !st) return st;
  auto v = n["sessions_per_worker"].asUint(1024, 16u << 20, sessionsPerWorker);
  if (!v) return v.error();
  sessionsPerWorker = static_cast<std::uint32_t>(*v);
  return okStatus();
}

}  // namespace

std::string GatewayConfig::summary() const {
  return std::to_string(dataplane.ports.size()) + " port(s), " + std::to_string(providerAddresses.size()) +
         " provider address(es), " + (controller ? "controller " + controller->endpoint.url() : std::string("no controller"));
}

Result<GatewayConfig> parseGatewayConfig(const boost::json::value& root) {
  GatewayConfig c;
  ConfigNode r(&root, "");
  if (auto st = daemon::parseDaemonConfig(r, c, {.root = kRootKeys, .port = {}}); !st) return st.error();
  if (auto st = policy::parseAgentConfig(r, c); !st) return st.error();
  if (auto st = overlay::parseOverlaySettings(r["encap"], c.encap); !st) return st.error();
  if (auto st = parseNatSettings(r["nat"], c.natSessionsPerWorker); !st) return st.error();
  // A gateway serves routing domains, not VMs: its ports are all uplinks.
  for (std::size_t i = 0; i < c.dataplane.ports.size(); ++i) {
    if (c.dataplane.ports[i].role == dp::PortRole::Vm) {
      return r["ports"].at(i)["role"].error("vm", "hnvgwd has no VM ports (VM ports belong to hnv-hostd)");
    }
  }
  return c;
}

Result<GatewayConfig> loadGatewayConfig(const std::string& path) {
  return daemon::loadConfigFile(path, [](const boost::json::value& root) -> Result<GatewayConfig> {
    auto c = parseGatewayConfig(root);
    if (!c) return c;
    if (auto st = policy::readAgentToken(*c); !st) return st.error();
    return c;
  });
}

}  // namespace hnv::gateway
