#include "hnv/hostd/config.h"

#include <fstream>

namespace hnv::hostd {
namespace {

constexpr std::string_view kRootKeys[] = {"controller", "encap"};
constexpr std::string_view kPortKeys[] = {"vsid", "vm_mac"};

// A VM port's "vsid" and "vm_mac"; an uplink port has neither.
Status parseVmPort(const ConfigNode& p, const dp::PortConfig& pc, std::vector<VmPortConfig>& out) {
  if (pc.role != dp::PortRole::Vm) {
    for (const char* key : {"vsid", "vm_mac"}) {
      if (p[key].present()) return p[key].error("", "only a VM port (\"role\": \"vm\") has one");
    }
    return okStatus();
  }
  auto vsid = p["vsid"].asUint(Vsid::kFirstTenant, Vsid::kLastTenant);
  if (!vsid) return vsid.error();
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
      return p["vm_mac"].error(*text, "the VM port " + other.port + " has this MAC in VSID " + vm.vsid.toString());
    }
  }
  out.push_back(vm);
  return okStatus();
}

Result<std::optional<ControllerConfig>> parseController(const ConfigNode& n) {
  if (!n.present()) return std::optional<ControllerConfig>();
  if (auto st = n.expectObject({"url", "token_file", "ca_file"}); !st) return st.error();
  auto url = n["url"].asString();
  if (!url) return url.error();
  auto endpoint = policy::ControllerEndpoint::parse(*url);
  if (!endpoint) return n["url"].error(*url, endpoint.error().why);
  ControllerConfig c{*endpoint, ""};
  auto token = n["token_file"].asString("");
  if (!token) return token.error();
  c.tokenFile = *token;
  auto ca = n["ca_file"].asString("");
  if (!ca) return ca.error();
  if (!ca->empty() && !c.endpoint.tls) return n["ca_file"].error(*ca, "is for an https:// controller URL only");
  c.endpoint.caFile = *ca;
  return std::optional<ControllerConfig>(std::move(c));
}

Status parseEncap(const ConfigNode& n, overlay::OverlaySettings& s) {
  if (!n.present()) return okStatus();
  if (auto st = n.expectObject({"copy_dscp", "ecn", "outer_ttl"}); !st) return st;
  auto dscp = n["copy_dscp"].asBool(s.copyDscp);
  if (!dscp) return dscp.error();
  s.copyDscp = *dscp;
  auto ecn = n["ecn"].asString("normal");
  if (!ecn) return ecn.error();
  if (*ecn == "normal") {
    s.ecn = overlay::EcnMode::Normal;
  } else if (*ecn == "compatibility") {
    s.ecn = overlay::EcnMode::Compatibility;
  } else {
    return n["ecn"].error(*ecn, "must be \"normal\" or \"compatibility\" (RFC 6040 section 4.1)");
  }
  auto ttl = n["outer_ttl"].asUint(1, 255, s.outerTtl);
  if (!ttl) return ttl.error();
  s.outerTtl = static_cast<std::uint8_t>(*ttl);
  return okStatus();
}

// The token is the file's first line, as hnvctl --token-file reads it.
Status readToken(ControllerConfig& c) {
  if (c.tokenFile.empty()) return okStatus();
  std::ifstream in(c.tokenFile);
  if (!in || !std::getline(in, c.endpoint.token) || c.endpoint.token.empty()) {
    return makeError(Errc::InvalidArgument, "controller.token_file", c.tokenFile, "cannot read a token from the file");
  }
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
  auto controller = parseController(r["controller"]);
  if (!controller) return controller.error();
  c.controller = std::move(*controller);
  if (auto st = parseEncap(r["encap"], c.encap); !st) return st.error();
  return c;
}

Result<HostConfig> loadHostConfig(const std::string& path) {
  return daemon::loadConfigFile(path, [](const boost::json::value& root) -> Result<HostConfig> {
    auto c = parseHostConfig(root);
    if (!c) return c;
    if (c->controller) {
      if (auto st = readToken(*c->controller); !st) return st.error();
    }
    return c;
  });
}

}  // namespace hnv::hostd
