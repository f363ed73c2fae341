#include "hnv/hostd/config.h"

namespace hnv::hostd {
namespace {

constexpr std::string_view kRootKeys[] = {"controller", "state_file", "encap"};
constexpr std::string_view kPortKeys[] = {"vsid", "vm_mac"};

// A VM port's "vsid" and "vm_mac" (both or neither: without them the
// controller binds the port); an uplink port has neither.
Status parseVmPort(const ConfigNode& p, const dp::PortConfig& pc, std::vector<VmPortConfig>& out) {
  if (pc.role != dp::PortRole::Vm) {
    for (const char* key : {"vsid", "vm_mac"}) {
      if (p[key].present()) return p[key].error("", "only a VM port (\"role\": \"vm\") has one");
    }
    return okStatus();
  }
  if (!p["vsid"].present() && !p["vm_mac"].present()) {
    out.push_back(VmPortConfig{pc.name, std::nullopt, {}});
    return okStatus();
  }
  auto vsid = p["vsid"].asUint(Vsid::kFirstTenant, Vsid::kLastTenant);
  if (!vsid) return vsid.error();
  if (!p["vm_mac"].present()) {
    return p["vm_mac"].error("", "is required with \"vsid\" (or give neither and bind the port from the controller)");
  }
  auto text = p["vm_mac"].asString();
  if (!text) return text.error();
  auto mac = MacAddr::parse(*text);
  if (!mac) return p["vm_mac"].error(*text, mac.error().why);
  if (mac->isMulticast() || mac->isZero()) return p["vm_mac"].error(*text, "must be a unicast, non-zero MAC");
  auto tenantVsid = Vsid::forTenant(*vsid);  // in range: checked above
  if (!tenantVsid) return p["vsid"].error(std::to_string(*vsid), tenantVsid.error().why);
  VmPortConfig vm{pc.name, *tenantVsid, *mac};
  for (const auto& other : out) {
    if (other.vsid == vm.vsid && other.mac == vm.mac) {
      return p["vm_mac"].error(*text, "the VM port " + other.port + " has this MAC in VSID " + vm.vsid->toString());
    }
  }
  out.push_back(vm);
  return okStatus();
}

}  // namespace

std::string HostConfig::summary() const {
  return std::to_string(dataplane.ports.size()) + " port(s) (" + std::to_string(vmPorts.size()) + " VM), " +
         std::to_string(providerAddresses.size()) + " provider address(es), " +
         (controller ? "controller " + controller->endpoint.url() : std::string("no controller"));
}

Result<HostConfig> parseHostConfig(const boost::json::value& root) {
  HostConfig c;
  ConfigNode r(&root, "");
  if (auto st = daemon::parseDaemonConfig(r, c, {.root = kRootKeys, .port = kPortKeys}); !st) return st.error();
  for (std::size_t i = 0; i < c.dataplane.ports.size(); ++i) {
    if (auto st = parseVmPort(r["ports"].at(i), c.dataplane.ports[i], c.vmPorts); !st) return st.error();
  }
  if (auto st = policy::parseAgentConfig(r, c); !st) return st.error();
  if (auto st = overlay::parseOverlaySettings(r["encap"], c.encap); !st) return st.error();
  return c;
}

Result<HostConfig> loadHostConfig(const std::string& path) {
  return daemon::loadConfigFile(path, [](const boost::json::value& root) -> Result<HostConfig> {
    auto c = parseHostConfig(root);
    if (!c) return c;
    if (auto st = policy::readAgentToken(*c); !st) return st.error();
    return c;
  });
}

}  // namespace hnv::hostd
