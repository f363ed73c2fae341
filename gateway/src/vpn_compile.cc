#include "hnv/gateway/vpn_compile.h"

#include "hnv/policy/document.h"

namespace hnv::gateway {

std::string connectionName(std::string_view rdid, std::string_view name) {
  return std::string(rdid) + "_" + std::string(name);  // names have no '.' (vpn_kinds.cc)
}

namespace {

// swanctl's "[protocol/ports]" after each prefix of a traffic selector;
// nothing when the tunnel carries every protocol.
std::string protoPorts(std::uint8_t protocol, const policy::VpnPortRange& ports) {
  if (protocol == 0) return "";
  std::string out = "[" + std::to_string(protocol);
  if (!ports.any()) {
    out += "/" + std::to_string(ports.from);
    if (ports.to != ports.from) out += "-" + std::to_string(ports.to);
  }
  return out + "]";
}

std::string joined(const std::vector<Prefix>& prefixes, const std::string& suffix) {
  std::string out;
  for (const auto& p : prefixes) out += (out.empty() ? "" : ",") + p.toString() + suffix;
  return out;
}

std::string joined(const std::vector<policy::VpnRemotePrefix>& prefixes, const std::string& suffix) {
  std::string out;
  for (const auto& r : prefixes) out += (out.empty() ? "" : ",") + r.prefix.toString() + suffix;
  return out;
}

// The PEM blocks of a bundle of certificates or revocation lists (policy
// re-encodes them: one block after another, each ending in the END line).
std::vector<std::string> pemBlocks(const std::string& bundle, std::string_view endLine = "-----END CERTIFICATE-----\n") {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t end; (end = bundle.find(endLine, start)) != std::string::npos; start = end + endLine.size()) {
    out.push_back(bundle.substr(start, end + endLine.size() - start));
  }
  return out;
}

// The auth rounds: with a PSK found by the pair of identities; with
// certificates our certificate (its key found by charon in private/) and
// the site's chaining to this interface's CAs only.
void appendAuth(std::string& conns, std::string& secrets, std::vector<ikeipc::CredentialFile>& creds,
                const policy::VpnS2sInterface& x, const std::string& name) {
  const std::string remoteId = x.remoteId.empty() ? x.destination.toString() : x.remoteId;
  if (x.authentication == policy::VpnAuthentication::Psk) {
    const std::string localId = x.localId.empty() ? x.localAddress.toString() : x.localId;
    conns += "    local {\n      auth = psk\n      id = \"" + localId + "\"\n    }\n";
    conns += "    remote {\n      auth = psk\n      id = \"" + remoteId + "\"\n    }\n";
    secrets += "  ike-" + name + " {\n    id-1 = \"" + localId + "\"\n    id-2 = \"" + remoteId + "\"\n    secret = \"" +
               x.sharedSecret + "\"\n  }\n";
    return;
  }
  const std::string file = name + ".pem";
  creds.push_back({"x509", file, x.certificate});
  creds.push_back({"private", file, x.privateKey});
  conns += "    local {\n      auth = pubkey\n      certs = " + file + "\n";
  if (!x.localId.empty()) conns += "      id = \"" + x.localId + "\"\n";  // else the certificate's subject
  conns += "    }\n";
  std::string cas;
  const auto blocks = pemBlocks(x.caCertificates);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::string ca = name + "-ca" + std::to_string(i + 1) + ".pem";
    creds.push_back({"x509ca", ca, blocks[i]});
    cas += (cas.empty() ? "" : ",") + ca;
  }
  // Revocation lists: charon's revocation plugin finds them among the
  // loaded credentials by issuer when it checks the site's chain.
  const auto crls = pemBlocks(x.crls, "-----END X509 CRL-----\n");
  for (std::size_t i = 0; i < crls.size(); ++i) {
    creds.push_back({"x509crl", name + "-crl" + std::to_string(i + 1) + ".pem", crls[i]});
  }
  conns += "    remote {\n      auth = pubkey\n      id = \"" + remoteId + "\"\n      cacerts = " + cas + "\n";
  if (x.revocation == policy::VpnRevocation::Strict) conns += "      revocation = strict\n";
  conns += "    }\n";
}

void appendConnection(VpnCompiled& out, std::string& conns, std::string& secrets, const policy::VpnS2sInterface& x,
                      const std::string& name, TenantId tenant, bool initiate) {
  const bool persistent = x.connectionType == policy::VpnConnectionType::Persistent;
  conns += "  " + name + " {\n";
  conns += "    version = 2\n";
  conns += "    local_addrs = " + x.localAddress.toString() + "\n";
  // charon initiates to the first; hnv-iked moves an IKE SA that gets no
  // answer on to the next (shim/charon_shim.c).
  std::string remotes = x.destination.toString();
  for (const auto& a : x.alternateDestinations) remotes += "," + a.toString();
  conns += "    remote_addrs = " + remotes + "\n";
  conns += "    proposals = " + x.ikeProposals + "\n";
  if (x.dpdSeconds != 0) conns += "    dpd_delay = " + std::to_string(x.dpdSeconds) + "s\n";
  // Persistent: keep trying. On demand: one try per destination; the next
  // packet dials again.
  const std::size_t tries = 1 + x.alternateDestinations.size();
  conns += "    keyingtries = " + (persistent ? std::string("0") : std::to_string(tries)) + "\n";
  // No MOBIKE: the endpoints are fixed, and charon's MOBIKE path checks
  // look for a kernel route to the peer, which the data plane owns (none
  // found: DPD and rekeying of the IKE SA wait for a path that never comes).
  conns += "    mobike = no\n";
  appendAuth(conns, secrets, out.credentials, x, name);
  conns += "    children {\n      " + name + " {\n";
  conns += "        local_ts = " + joined(x.localPrefixes, protoPorts(x.protocol, x.localPorts)) + "\n";
  conns += "        remote_ts = " + joined(x.remotePrefixes, protoPorts(x.protocol, x.remotePorts)) + "\n";
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
  if (x.idleTimeoutSeconds != 0) conns += "        inactivity = " + std::to_string(x.idleTimeoutSeconds) + "s\n";
  conns += "      }\n    }\n  }\n";
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
    i.local = x.localAddress;
    i.remote = x.destination;
    for (const auto& a : x.alternateDestinations) i.alternates.push_back(a);
    i.localPrefixes = x.localPrefixes;
    for (const auto& r : x.remotePrefixes) i.remotePrefixes.push_back({r.prefix, r.metric.value_or(x.routeMetric)});
    i.onDemand = x.connectionType == policy::VpnConnectionType::OnDemand;
    i.egressBytesPerSecond = x.egressKbps * 1000 / 8;
    i.ingressBytesPerSecond = x.ingressKbps * 1000 / 8;
    appendConnection(out, conns, secrets, x, i.name, *tenant, initiate);
    if (x.connectionType == policy::VpnConnectionType::Persistent) out.persistent.push_back(i.name);
    out.interfaces.push_back(std::move(i));
  }
  out.swanctlConf = "# Written by hnvgwd from its S2S interfaces; do not edit.\nconnections {\n" + conns +
                    "}\nsecrets {\n" + secrets + "}\n";
  return out;
}

}  // namespace hnv::gateway
