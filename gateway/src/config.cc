#include "hnv/gateway/config.h"

namespace hnv::gateway {

namespace {

constexpr std::string_view kRootKeys[] = {"controller", "state_file", "encap", "nat", "vpn", "cluster"};

// "nat": {"sessions_per_worker": N}: the size of each worker's session table.
Status parseNatSettings(const ConfigNode& n, std::uint32_t& sessionsPerWorker) {
  if (!n.present()) return okStatus();
  if (auto st = n.expectObject({"sessions_per_worker"}); !st) return st;
  auto v = n["sessions_per_worker"].asUint(1024, 16u << 20, sessionsPerWorker);
  if (!v) return v.error();
  sessionsPerWorker = static_cast<std::uint32_t>(*v);
  return okStatus();
}

// "vpn": {"ike_socket": PATH, "crypto": "auto|aesni_mb|openssl"}.
Status parseVpnSettings(const ConfigNode& n, GatewayConfig& c) {
  if (!n.present()) return okStatus();
  if (auto st = n.expectObject({"ike_socket", "crypto"}); !st) return st;
  auto socket = n["ike_socket"].asString("");
  if (!socket) return socket.error();
  if (!socket->empty() && ((*socket)[0] != '/' || socket->size() > 100)) {
    return n["ike_socket"].error(*socket, "an absolute path of at most 100 characters (a Unix socket)");
  }
  c.ikeSocket = *socket;
  auto crypto = n["crypto"].asString("auto");
  if (!crypto) return crypto.error();
  if (*crypto != "auto" && *crypto != "aesni_mb" && *crypto != "openssl") {
    return n["crypto"].error(*crypto, "must be auto, aesni_mb or openssl");
  }
  c.cryptoDriver = *crypto;
  return okStatus();
}

// "cluster": {"member": NAME}: this appliance is that member of the gateway
// cluster serving its node (the controller's cluster-members).
Status parseClusterSettings(const ConfigNode& n, GatewayConfig& c) {
  if (!n.present()) return okStatus();
  if (auto st = n.expectObject({"member"}); !st) return st;
  auto member = n["member"].asString();
  if (!member) return member.error();
  if (member->empty() || member->size() > 63 ||
      member->find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != std::string::npos) {
    return n["member"].error(*member, "1 to 63 letters, digits, '-', '_' or '.'");
  }
  c.clusterMember = *member;
  if (!c.controller) {
    return n["member"].error(*member, "a cluster member needs a \"controller\" section: the controller is its witness");
  }
  return okStatus();
}

}  // namespace

std::string GatewayConfig::summary() const {
  return std::to_string(dataplane.ports.size()) + " port(s), " + std::to_string(providerAddresses.size()) +
         " provider address(es), " + (controller ? "controller " + controller->endpoint.url() : std::string("no controller")) +
         (clusterMember.empty() ? std::string() : ", cluster member " + clusterMember);
}

Result<GatewayConfig> parseGatewayConfig(const boost::json::value& root) {
  GatewayConfig c;
  ConfigNode r(&root, "");
  if (auto st = daemon::parseDaemonConfig(r, c, {.root = kRootKeys, .port = {}}); !st) return st.error();
  if (auto st = policy::parseAgentConfig(r, c); !st) return st.error();
  if (auto st = overlay::parseOverlaySettings(r["encap"], c.encap); !st) return st.error();
  if (auto st = parseNatSettings(r["nat"], c.natSessionsPerWorker); !st) return st.error();
  if (auto st = parseVpnSettings(r["vpn"], c); !st) return st.error();
  if (auto st = parseClusterSettings(r["cluster"], c); !st) return st.error();
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
