#include "hnv/gateway/vpn_compile.h"

#include "hnv/policy/document.h"

namespace hnv::gateway {

std::string connectionName(std::string_view rdid, std::string_view name) {
  return std::string(rdid) + "_" + std::string(name);  // names have no '.' (vpn_kinds.cc)
}

namespace {

std::string joined(const std::vector<Prefix>& prefixes) {
  std::string out;
  for (const auto& p : prefixes) out += (out.empty() ? "" : ",") + p.toString();
  return out;
}

void appendConnection(std::string& conns, std::string& secrets, const policy::VpnS2sInterface& x,
                      const std::string& name, TenantId tenant, bool initiate) {
  const std::string localId = x.localId.empty() ? x.localAddress.toString() : x.localId;
  const std::string remoteId = x.remoteId.empty() ? x.destination.toString() : x.remoteId;
  const bool persistent = x.connectionType == policy::VpnConnectionType::Persistent;
  conns += "  " + name + " {\n";
  conns += "    version = 2\n";
  conns += "    local_addrs = " + x.localAddress.toString() + "\n";
  conns += "    remote_addrs = " + x.destination.toString() + "\n";
  conns += "    proposals = " + x.ikeProposals + "\n";
  if (x.dpdSeconds != 0) conns += "    dpd_delay = " + std::to_string(x.dpdSeconds) + "s\n";
  conns += "    keyingtries = 0\n";  // keep trying
  // No MOBIKE: the endpoints are fixed, and charon's MOBIKE path checks
  // look for a kernel route to the peer, which the data plane owns (none
  // found: DPD and rekeying of the IKE SA wait for a path that never comes).
  conns += "    mobike = no\n";
  conns += "    local {\n      auth = psk\n      id = " + localId + "\n    }\n";
  conns += "    remote {\n      auth = psk\n      id = " + remoteId + "\n    }\n";
  conns += "    children {\n      " + name + " {\n";
  conns += "        local_ts = " + joined(x.localPrefixes) + "\n";
  conns += "        remote_ts = " + joined(x.remotePrefixes) + "\n";
  conns += "        esp_proposals = " + x.espProposals + "\n";
  conns += "        if_id_in = " + std::to_string(tenant.index()) + "\n";
  conns += "        if_id_out = " + std::to_string(tenant.index()) + "\n";
  // Rekey at 90 % of the lifetimes (charon adds jitter below that).
  conns += "        life_time = " + std::to_string(x.lifetimeSeconds) + "s\n";
  conns += "        rekey_time = " + std::to_string(x.lifetimeSeconds * 9 / 10) + "s\n";
  if (x.lifetimeKilobytes != 0) {
    conns += "        life_bytes = " + std::to_string(x.lifetimeKilobytes * 1024) + "\n";
    conns += "        rekey_bytes = " + std::to_string(x.lifetimeKilobytes * 1024 * 9 / 10) + "\n";
  }
  conns += std::string("        start_action = ") + (persistent && initiate ? "start" : "none") + "\n";
  conns += std::string("        dpd_action = ") + (persistent ? "restart" : "clear") + "\n";
  conns += std::string("        close_action = ") + (persistent && initiate ? "start" : "none") + "\n";
  conns += "      }\n    }\n  }\n";
  secrets += "  ike-" + name + " {\n    id-1 = " + localId + "\n    id-2 = " + remoteId + "\n    secret = \"" +
             x.sharedSecret + "\"\n  }\n";
}

}  // namespace

Result<VpnCompiled> compileVpn(const boost::json::object& desired, const overlay::OverlayPolicy& pol,
                               std::string_view node, bool initiate) {
  auto items = policy::documentItems<policy::VpnS2sInterface>(desired);
  if (!items) return items.error();
  VpnCompiled out;
  std::string conns, secrets;
  for (const auto& x : *items) {
    if (x.node != node || !x.adminUp) continue;
    auto tenant = pol.tenant(x.rdid);
    auto outside = pol.tenant(x.externalRdid);
    if (!tenant || !outside) continue;  // not both placed here (yet)
    vpn::S2sInterface i;
    i.name = connectionName(x.rdid.toString(), x.name);
    i.rdid = x.rdid.toString();
    i.shortName = x.name;
    i.tenant = *tenant;
    i.outside = *outside;
    i.local = x.localAddress.v4();
    i.remote = x.destination.v4();
    i.localPrefixes = x.localPrefixes;
    for (const auto& p : x.remotePrefixes) i.remotePrefixes.push_back({p, x.routeMetric});
    appendConnection(conns, secrets, x, i.name, *tenant, initiate);
    if (x.connectionType == policy::VpnConnectionType::Persistent) out.persistent.push_back(i.name);
    out.interfaces.push_back(std::move(i));
  }
  out.swanctlConf = "# Written by hnvgwd from its S2S interfaces; do not edit.\nconnections {\n" + conns +
                    "}\nsecrets {\n" + secrets + "}\n";
  return out;
}

}  // namespace hnv::gateway
