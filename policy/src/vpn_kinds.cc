// The site-to-site VPN interface (Add-VpnS2SInterface): where the tunnel
// ends on both sides, how IKE authenticates and what it proposes, and which
// prefixes travel through it. Proposals use strongSwan's syntax and are
// checked against what hnv-iked and the data plane support.
#include <algorithm>
#include <optional>
#include <set>

#include "hnv/policy/kinds.h"
#include "names.h"
#include "read.h"
#include "x509.h"

namespace hnv::policy {

namespace json = boost::json;
using detail::failed;

namespace {

constexpr std::size_t kMaxPrefixes = 32;
constexpr std::size_t kMaxAlternates = 4;
const std::pair<std::string_view, VpnConnectionType> kConnectionTypes[] = {
    {"persistent", VpnConnectionType::Persistent}, {"on-demand", VpnConnectionType::OnDemand}};
const std::pair<std::string_view, VpnAuthentication> kAuthentications[] = {
    {"psk", VpnAuthentication::Psk}, {"certificate", VpnAuthentication::Certificate}};
// Protocols by name (any other is given by number, 0..255).
const std::pair<std::string_view, std::uint8_t> kProtocols[] = {
    {"any", 0}, {"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"sctp", 132}};

bool hasPorts(std::uint8_t protocol) { return protocol == 6 || protocol == 17 || protocol == 132; }

// "tcp" or "6" -> 6; nullopt for anything else.
std::optional<std::uint8_t> protocolNumber(std::string_view text) {
  for (const auto& [name, number] : kProtocols) {
    if (text == name) return number;
  }
  if (text.empty() || text.size() > 3 || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  const unsigned long v = std::stoul(std::string(text));
  if (v > 255) return std::nullopt;
  return static_cast<std::uint8_t>(v);
}

Result<std::uint8_t> readProtocol(const ConfigNode& n) {
  auto text = n.asString("any");
  if (!text) return text.error();
  if (auto p = protocolNumber(*text)) return *p;
  return n.error(*text, "any, tcp, udp, icmp, sctp or an IP protocol number 0..255");
}

std::string protocolName(std::uint8_t p) {
  for (const auto& [name, number] : kProtocols) {
    if (number == p) return std::string(name);
  }
  return std::to_string(p);
}

Result<VpnPortRange> readPorts(const ConfigNode& n, std::uint8_t protocol) {
  VpnPortRange out;
  if (!n.present()) return out;
  auto text = n.asString();
  if (!text) return text.error();
  auto number = [](std::string_view s) -> std::optional<std::uint16_t> {
    if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    const unsigned long v = std::stoul(std::string(s));
    if (v > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(v);
  };
  const auto dash = text->find('-');
  auto from = number(std::string_view(*text).substr(0, dash));
  auto to = dash == std::string::npos ? from : number(std::string_view(*text).substr(dash + 1));
  if (!from || !to || *from > *to) return n.error(*text, "a port (443) or a range FROM-TO (1024-65535), 0..65535");
  if (!hasPorts(protocol)) {
    return n.error(*text, "ports need protocol tcp, udp or sctp (" + protocolName(protocol) + " has none)");
  }
  out.from = *from;
  out.to = *to;
  return out;
}

std::string portsText(const VpnPortRange& r) {
  return r.from == r.to ? std::to_string(r.from) : std::to_string(r.from) + "-" + std::to_string(r.to);
}

const std::pair<std::string_view, VpnRevocation> kRevocations[] = {{"relaxed", VpnRevocation::Relaxed},
                                                                   {"strict", VpnRevocation::Strict}};

// The algorithm words a proposal may use: ciphers the data plane runs
// (AES-CBC, AES-GCM-16), integrity and PRF (SHA-1, SHA-2), and the DH
// groups of the spec (2 modp1024, 14 modp2048, 19 ecp256, 20 ecp384,
// 24 modp2048s256).
const std::set<std::string, std::less<>>& knownWords() {
  static const std::set<std::string, std::less<>> k{
      "aes128",    "aes192",    "aes256",      "aes128gcm16", "aes192gcm16", "aes256gcm16", "sha1",
      "sha256",    "sha384",    "sha512",      "prfsha1",     "prfsha256",   "prfsha384",   "prfsha512",
      "modp1024",  "modp2048",  "modp2048s256", "ecp256",     "ecp384",      "modpnone"};
  return k;
}

// "aes256-sha256-modp2048" or several separated by commas; ESP proposals
// may also ask for extended sequence numbers ("esn", "noesn": 64-bit
// sequence numbers of RFC 4303, for SAs that carry more than 2^32 packets).
Result<std::string> readProposals(const ConfigNode& n, std::string fallback, bool esp) {
  auto text = n.asString(std::move(fallback));
  if (!text) return text.error();
  if (text->empty() || text->size() > 512) return n.error(*text, "1 to 512 characters");
  std::size_t start = 0;
  while (start <= text->size()) {
    const std::size_t end = std::min(text->find_first_of("-,", start), text->size());
    const std::string word = text->substr(start, end - start);
    if (word == "esn" || word == "noesn") {
      if (!esp) return n.error(*text, "'" + word + "' applies to ESP proposals only");
      start = end + 1;
      continue;
    }
    if (knownWords().count(word) == 0) {
      std::string all;
      for (const auto& w : knownWords()) all += (all.empty() ? "" : ", ") + w;
      return n.error(*text, "'" + word + "' is not a supported algorithm (supported: " + all + ")");
    }
    start = end + 1;
  }
  return text;
}

// A tunnel endpoint: IPv4 unicast, or IPv6 global unicast.
Result<IpAddr> readEndpoint(const ConfigNode& n) {
  auto a = detail::readIp(n);
  if (!a) return a.error();
  if (a->isV4()) return detail::readUnicast4(n, "");
  const Ipv6Addr& v6 = a->v6();
  if (v6.isUnspecified() || v6.isMulticast() || v6.isLinkLocal() || v6.isLoopback()) {
    return n.error(a->toString(), "must be a global unicast address");
  }
  return a;
}

Result<std::size_t> prefixCount(const ConfigNode& n) {
  auto count = n.arraySize();
  if (!count) return count.error();
  if (*count == 0 || *count > kMaxPrefixes) return n.error(std::to_string(*count), "1 to 32 prefixes");
  return count;
}

Result<std::vector<Prefix>> readLocalPrefixes(const ConfigNode& n) {
  auto count = prefixCount(n);
  if (!count) return count.error();
  std::vector<Prefix> out;
  for (std::size_t i = 0; i < *count; ++i) {
    auto s = n.at(i).asString();
    const std::size_t slash = s ? s->find('/') : std::string::npos;
    if (slash != std::string::npos && s->find(':', slash) != std::string::npos) {
      return n.at(i).error(*s, "a metric (':N') belongs to remotePrefixes only");
    }
    auto p = detail::readPrefix(n.at(i));
    if (!p) return p.error();
    out.push_back(*p);
  }
  return out;
}

// "172.16.1.0/24" or, as Add-VpnS2SInterface's -IPv4Subnet,
// "172.16.1.0/24:20" (the route's metric; without it routeMetric); IPv6
// alike ("fd00:5::/64:20").
Result<std::vector<VpnRemotePrefix>> readRemotePrefixes(const ConfigNode& n) {
  auto count = prefixCount(n);
  if (!count) return count.error();
  std::vector<VpnRemotePrefix> out;
  for (std::size_t i = 0; i < *count; ++i) {
    const ConfigNode item = n.at(i);
    auto text = item.asString();
    if (!text) return text.error();
    const std::size_t slash = text->find('/');
    const std::size_t colon = slash == std::string::npos ? std::string::npos : text->find(':', slash);
    std::optional<std::uint32_t> metric;
    if (colon != std::string::npos) {
      const std::string digits = text->substr(colon + 1);
      const bool ok = !digits.empty() && digits.size() <= 5 &&
                      digits.find_first_not_of("0123456789") == std::string::npos && std::stoul(digits) <= 65535;
      if (!ok) return item.error(*text, "the metric after ':' is a number 0..65535, like 172.16.1.0/24:20");
      metric = static_cast<std::uint32_t>(std::stoul(digits));
    }
    auto p = Prefix::parse(text->substr(0, colon));
    if (!p) return item.error(*text, p.error().why);
    // The same entry twice is one (earlier versions stored such lists);
    // one prefix with two metrics is a contradiction.
    bool again = false;
    for (const auto& seen : out) {
      if (seen.prefix != *p) continue;
      if (seen.metric != metric) return item.error(*text, "is listed before with another metric");
      again = true;
    }
    if (!again) out.push_back({*p, metric});
  }
  return out;
}

// The site's other addresses: IPv4 unicast, neither the local address,
// the destination nor one given before.
Result<std::vector<IpAddr>> readAlternates(const ConfigNode& n, const VpnS2sInterface& x) {
  std::vector<IpAddr> out;
  if (!n.present()) return out;
  auto count = n.arraySize();
  if (!count) return count.error();
  if (*count > kMaxAlternates) return n.error(std::to_string(*count), "at most 4 alternate destinations");
  for (std::size_t i = 0; i < *count; ++i) {
    auto a = readEndpoint(n.at(i));
    if (!a) return a.error();
    if (*a == x.localAddress) return n.at(i).error(a->toString(), "is the local address");
    if (*a == x.destination) return n.at(i).error(a->toString(), "is the destination");
    if (!a->sameFamily(x.localAddress)) {
      return n.at(i).error(a->toString(), "is not of localAddress's family: the tunnel's ends are of one family");
    }
    if (std::find(out.begin(), out.end(), *a) != out.end()) return n.at(i).error(a->toString(), "is listed twice");
    out.push_back(*a);
  }
  return out;
}

// An address, a name, an e-mail address or a distinguished name
// ("C=CH, O=Example, CN=site-a"); written quoted into swanctl.conf.
Result<std::string> readIdentity(const ConfigNode& n) {
  auto t = detail::readText(n, 256, "");
  if (!t) return t.error();
  if (t->find_first_of("\"{}#\\") != std::string::npos) {
    return n.error(*t, "an IKE identity has no quotes, braces, '#' or backslashes");
  }
  if (!t->empty() && (t->front() == ' ' || t->back() == ' ')) return n.error(*t, "no leading or trailing spaces");
  return t;
}

Status readPsk(const ConfigNode& n, VpnS2sInterface& out) {
  auto secret = n.asString();
  if (!secret) return secret.error();
  if (secret->size() < 16 || secret->size() > 256) {
    // The value is never echoed: it is a secret.
    return n.error(std::to_string(secret->size()) + " characters", "a PSK has 16 to 256 characters");
  }
  for (unsigned char c : *secret) {
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      return n.error("(not shown)", "printable characters only, without '\"' or backslashes");
    }
  }
  out.sharedSecret = *secret;
  return okStatus();
}

// Which fields the authentication method needs, and that the other
// method's are absent (a stray secret would be kept for nothing).
Status readCredentials(const ConfigNode& n, VpnS2sInterface& out) {
  const bool certs = out.authentication == VpnAuthentication::Certificate;
  const std::string_view method = certs ? "certificate" : "psk";
  for (std::string_view f : {"certificate", "privateKey", "caCertificates", "sharedSecret"}) {
    const bool needed = certs == (f != "sharedSecret");
    if (needed && !n[f].present()) {
      return makeError(Errc::InvalidArgument, n[f].path(), "",
                       "is required with authentication " + std::string(method));
    }
    if (!needed && n[f].present()) {
      return makeError(Errc::InvalidArgument, n[f].path(), "(not shown)",
                       "is not used with authentication " + std::string(method) + "; leave it out");
    }
  }
  if (!certs) {
    for (std::string_view f : {"crls", "revocation"}) {
      if (n[f].present()) {
        return makeError(Errc::InvalidArgument, n[f].path(), "", "is not used with authentication psk; leave it out");
      }
    }
    return readPsk(n["sharedSecret"], out);
  }
  auto cert = detail::readCertificatePem(n["certificate"]);
  if (!cert) return cert.error();
  auto key = detail::readPrivateKeyPem(n["privateKey"], *cert);
  if (!key) return key.error();
  auto cas = detail::readCaBundlePem(n["caCertificates"]);
  if (!cas) return cas.error();
  out.certificate = std::move(*cert);
  out.privateKey = std::move(*key);
  out.caCertificates = std::move(*cas);
  if (n["crls"].present()) {
    auto crls = detail::readCrlBundlePem(n["crls"], out.caCertificates);
    if (!crls) return crls.error();
    out.crls = std::move(*crls);
  }
  Error e;
  auto revocation = detail::readEnum(n["revocation"], kRevocations, out.revocation);
  if (failed(revocation, e)) return e;
  if (*revocation == VpnRevocation::Strict && out.crls.empty()) {
    return n["revocation"].error("strict", "refuses every certificate without a current revocation list of its "
                                           "issuer: give crls (one from each CA of caCertificates)");
  }
  out.revocation = *revocation;
  return okStatus();
}

}  // namespace

const std::string_view KindTraits<VpnS2sInterface>::kName = "vpn-s2s-interfaces";
const std::string_view KindTraits<VpnS2sInterface>::kNoun = "vpn-s2s-interface";
const bool KindTraits<VpnS2sInterface>::kSingleton = false;

std::span<const FieldSpec> KindTraits<VpnS2sInterface>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"rdid", FieldType::Guid, kRequired | kImmutable, "routing domain (tenant) the tunnel serves"},
      {"name", FieldType::String, kRequired | kImmutable, "interface name, unique in the routing domain"},
      {"node", FieldType::String, kRequired, "the gateway the tunnel ends on"},
      {"externalRdid", FieldType::Guid, kRequired, "routing domain the local endpoint lives in; not rdid"},
      {"localAddress", FieldType::Ip, kRequired,
       "the gateway's endpoint in externalRdid, IPv4 or IPv6 (then an external interface there has an ipv6Address)"},
      {"destination", FieldType::Ip, kRequired, "the remote site's address, of localAddress's family"},
      {"alternateDestinations", FieldType::IpList, 0,
       "up to 4 more addresses of the site, of localAddress's family, tried in turn when the one tried does not "
       "answer IKE; needs remoteId"},
      {"authentication", FieldType::Enum, 0, "psk (the default) or certificate (X.509, RSA or ECDSA)",
       "psk|certificate"},
      {"sharedSecret", FieldType::String, kSecret, "pre-shared key, 16 to 256 characters; psk only; write-only"},
      {"certificate", FieldType::String, 0, "the gateway's certificate for this interface, PEM; certificate only"},
      {"privateKey", FieldType::String, kSecret,
       "the certificate's private key, unencrypted PEM (RSA or EC); certificate only; write-only"},
      {"caCertificates", FieldType::String, 0,
       "PEM of 1 to 8 CA certificates the site's certificate must chain to; certificate only"},
      {"crls", FieldType::String, 0,
       "PEM of 1 to 16 revocation lists, each from one of caCertificates; a site certificate one of them names is "
       "refused; certificate only"},
      {"revocation", FieldType::Enum, 0,
       "relaxed (the default: refuse certificates a list names) or strict (also refuse one without a current list "
       "of its issuer); certificate only",
       "relaxed|strict"},
      {"localId", FieldType::String, 0,
       "our IKE identity (default: localAddress; with certificates the certificate's subject)"},
      {"remoteId", FieldType::String, 0, "the site's IKE identity (default: destination)"},
      {"ikeProposals", FieldType::String, 0, "IKE proposals, strongSwan syntax (default aes256-sha256-modp2048)"},
      {"espProposals", FieldType::String, 0,
       "ESP proposals, strongSwan syntax; a DH group asks for PFS, esn for 64-bit sequence numbers "
       "(default aes256gcm16-modp2048)"},
      {"localPrefixes", FieldType::PrefixList, kRequired,
       "the tenant's prefixes behind the tunnel, all IPv4 or all IPv6"},
      {"remotePrefixes", FieldType::MetricPrefixList, kRequired,
       "the site's prefixes, routed into the tunnel, of localPrefixes' family; 'PREFIX:METRIC' gives one its own "
       "route metric (0..65535)"},
      {"protocol", FieldType::String, 0,
       "the IP protocol the tunnel carries: any (the default), tcp, udp, icmp, sctp or a number 0..255; other "
       "traffic routed into it is dropped"},
      {"localPorts", FieldType::String, 0,
       "tcp, udp or sctp only: the tenant side's ports, PORT or FROM-TO (default: all)"},
      {"remotePorts", FieldType::String, 0,
       "tcp, udp or sctp only: the site side's ports, PORT or FROM-TO (default: all)"},
      {"routeMetric", FieldType::Uint, 0, "metric of the routes to remotePrefixes without their own (default 10)"},
      {"connectionType", FieldType::Enum, 0,
       "persistent (the default: always connected) or on-demand (dialed by the first packet routed into it)",
       "persistent|on-demand"},
      {"idleTimeoutSeconds", FieldType::Uint, 0,
       "on-demand only: the tunnel closes after this long without traffic, 0 (never, the default) or 10..86400"},
      {"lifetimeSeconds", FieldType::Uint, 0, "CHILD SA lifetime in seconds, 60..172800 (default 7200)"},
      {"lifetimeKilobytes", FieldType::Uint, 0, "CHILD SA lifetime in kilobytes; 0 (the default): none"},
      {"dpdSeconds", FieldType::Uint, 0, "dead-peer detection interval, 0 (off) or 5..3600 (default 30)"},
      {"egressKbps", FieldType::Uint, 0,
       "bandwidth limit of the tenant's traffic into the tunnel, kbit/s; 0 (the default): none"},
      {"ingressKbps", FieldType::Uint, 0, "bandwidth limit of the site's traffic to the tenant, kbit/s; 0: none"},
      {"adminState", FieldType::Enum, 0, "up (the default) or down", "up|down"},
  };
  return kFields;
}

std::string KindTraits<VpnS2sInterface>::key(const VpnS2sInterface& v) { return v.rdid.toString() + "/" + v.name; }

Result<VpnS2sInterface> KindTraits<VpnS2sInterface>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  VpnS2sInterface out;
  auto rdid = detail::readTaggedGuid<Rdid>(n["rdid"]);
  if (failed(rdid, e)) return e;
  out.rdid = *rdid;
  auto name = detail::readName(n["name"]);
  if (failed(name, e)) return e;
  if (name->find('.') != std::string::npos) {
    return n["name"].error(*name, "an S2S interface name has no '.' (it names an IKE connection, where '.' separates)");
  }
  out.name = *name;
  auto node = detail::readName(n["node"]);
  if (failed(node, e)) return e;
  out.node = *node;
  auto external = detail::readTaggedGuid<Rdid>(n["externalRdid"]);
  if (failed(external, e)) return e;
  if (*external == *rdid) return n["externalRdid"].error(external->toString(), "must be another routing domain than rdid");
  out.externalRdid = *external;
  auto local = readEndpoint(n["localAddress"]);
  if (failed(local, e)) return e;
  out.localAddress = *local;
  auto dest = readEndpoint(n["destination"]);
  if (failed(dest, e)) return e;
  if (*dest == *local) return n["destination"].error(dest->toString(), "is the local address");
  if (!dest->sameFamily(*local)) {
    return n["destination"].error(dest->toString(), "is not of localAddress's family (" + local->toString() +
                                                        "): the tunnel's ends are of one family");
  }
  out.destination = *dest;
  auto alternates = readAlternates(n["alternateDestinations"], out);
  if (failed(alternates, e)) return e;
  out.alternateDestinations = *alternates;
  auto auth = detail::readEnum(n["authentication"], kAuthentications, out.authentication);
  if (failed(auth, e)) return e;
  out.authentication = *auth;
  if (auto creds = readCredentials(n, out); !creds) return creds.error();
  auto lid = readIdentity(n["localId"]);
  if (failed(lid, e)) return e;
  out.localId = *lid;
  auto rid = readIdentity(n["remoteId"]);
  if (failed(rid, e)) return e;
  out.remoteId = *rid;
  if (!out.alternateDestinations.empty() && out.remoteId.empty()) {
    return n["remoteId"].error("(absent)",
                               "an interface with alternateDestinations names the site's IKE identity: it cannot "
                               "default to one of its addresses");
  }
  auto ike = readProposals(n["ikeProposals"], out.ikeProposals, false);
  if (failed(ike, e)) return e;
  out.ikeProposals = *ike;
  auto esp = readProposals(n["espProposals"], out.espProposals, true);
  if (failed(esp, e)) return e;
  out.espProposals = *esp;
  auto lp = readLocalPrefixes(n["localPrefixes"]);
  if (failed(lp, e)) return e;
  out.localPrefixes = *lp;
  auto rp = readRemotePrefixes(n["remotePrefixes"]);
  if (failed(rp, e)) return e;
  out.remotePrefixes = *rp;
  // One family inside the tunnel: an ESP SA carries IPv4 or IPv6 (its
  // trailer's next header), so a tenant that needs both has two interfaces.
  const bool inner6 = !out.localPrefixes.front().isV4();
  for (std::size_t i = 0; i < out.localPrefixes.size(); ++i) {
    if (out.localPrefixes[i].isV4() == inner6) {
      return n["localPrefixes"].at(i).error(out.localPrefixes[i].toString(),
                                            "mixes IPv4 and IPv6: an interface's prefixes are of one family (a "
                                            "tenant that needs both gives each family an interface, with its "
                                            "own localAddress)");
    }
  }
  for (std::size_t i = 0; i < out.remotePrefixes.size(); ++i) {
    if (out.remotePrefixes[i].prefix.isV4() == inner6) {
      return n["remotePrefixes"].at(i).error(out.remotePrefixes[i].prefix.toString(),
                                             std::string("is not ") + (inner6 ? "IPv6" : "IPv4") +
                                                 " like localPrefixes: an interface's prefixes are of one family");
    }
  }
  auto protocol = readProtocol(n["protocol"]);
  if (failed(protocol, e)) return e;
  out.protocol = *protocol;
  auto localPorts = readPorts(n["localPorts"], out.protocol);
  if (failed(localPorts, e)) return e;
  out.localPorts = *localPorts;
  auto remotePorts = readPorts(n["remotePorts"], out.protocol);
  if (failed(remotePorts, e)) return e;
  out.remotePorts = *remotePorts;
  if (inner6 && out.protocol != 0) {  // ports need a protocol
    return n["protocol"].error(std::to_string(out.protocol),
                               "narrowing to a protocol or ports is for IPv4 prefixes only (yet)");
  }
  auto metric = n["routeMetric"].asUint(0, 65535, out.routeMetric);
  if (failed(metric, e)) return e;
  out.routeMetric = static_cast<std::uint32_t>(*metric);
  auto type = detail::readEnum(n["connectionType"], kConnectionTypes, out.connectionType);
  if (failed(type, e)) return e;
  out.connectionType = *type;
  auto idle = n["idleTimeoutSeconds"].asUint(0, 86400, 0);
  if (failed(idle, e)) return e;
  if (*idle != 0 && *idle < 10) return n["idleTimeoutSeconds"].error(std::to_string(*idle), "0 (never) or 10..86400");
  if (*idle != 0 && out.connectionType != VpnConnectionType::OnDemand) {
    return n["idleTimeoutSeconds"].error(std::to_string(*idle),
                                         "applies to on-demand interfaces only (a persistent one reconnects at once)");
  }
  out.idleTimeoutSeconds = static_cast<std::uint32_t>(*idle);
  auto life = n["lifetimeSeconds"].asUint(60, 172800, out.lifetimeSeconds);
  if (failed(life, e)) return e;
  out.lifetimeSeconds = static_cast<std::uint32_t>(*life);
  auto kb = n["lifetimeKilobytes"].asUint(0, std::uint64_t{1} << 40, 0);
  if (failed(kb, e)) return e;
  out.lifetimeKilobytes = *kb;
  auto dpd = n["dpdSeconds"].asUint(0, 3600, out.dpdSeconds);
  if (failed(dpd, e)) return e;
  if (*dpd != 0 && *dpd < 5) return n["dpdSeconds"].error(std::to_string(*dpd), "0 (off) or 5..3600");
  out.dpdSeconds = static_cast<std::uint32_t>(*dpd);
  for (auto [field, target] : {std::pair{"egressKbps", &out.egressKbps}, std::pair{"ingressKbps", &out.ingressKbps}}) {
    auto kbps = n[field].asUint(0, 100'000'000, 0);  // up to 100 Gbit/s
    if (failed(kbps, e)) return e;
    if (*kbps != 0 && *kbps < 8) return n[field].error(std::to_string(*kbps), "0 (no limit) or 8..100000000");
    *target = *kbps;
  }
  auto admin = n["adminState"].asString("up");
  if (failed(admin, e)) return e;
  if (*admin != "up" && *admin != "down") return n["adminState"].error(*admin, "must be up or down");
  out.adminUp = *admin == "up";
  return out;
}

void KindTraits<VpnS2sInterface>::beforePatch(json::object& stored, const json::object& patch) {
  const auto* auth = patch.if_contains("authentication");
  if (auth != nullptr && auth->is_string() && stored["authentication"] != *auth) {
    for (const char* f : {"sharedSecret", "certificate", "privateKey", "caCertificates", "crls", "revocation"}) {
      stored.erase(f);
    }
  }
  const auto* type = patch.if_contains("connectionType");
  if (type != nullptr && type->is_string() && *type == "persistent") stored.erase("idleTimeoutSeconds");
  // A protocol without ports drops the stored ports (unless the patch sets them).
  const auto* protocol = patch.if_contains("protocol");
  if (protocol != nullptr && protocol->is_string()) {
    const auto number = protocolNumber(protocol->as_string());
    if (!number || !hasPorts(*number)) {
      for (const char* f : {"localPorts", "remotePorts"}) {
        if (!patch.contains(f)) stored.erase(f);
      }
    }
  }
}

json::object KindTraits<VpnS2sInterface>::toJson(const VpnS2sInterface& v) {
  json::object o;
  o["rdid"] = v.rdid.toString();
  o["name"] = v.name;
  o["node"] = v.node;
  o["externalRdid"] = v.externalRdid.toString();
  o["localAddress"] = v.localAddress.toString();
  o["destination"] = v.destination.toString();
  if (!v.alternateDestinations.empty()) {
    json::array alternates;
    for (const auto& a : v.alternateDestinations) alternates.emplace_back(a.toString());
    o["alternateDestinations"] = std::move(alternates);
  }
  o["authentication"] = detail::enumName(kAuthentications, v.authentication);
  if (v.authentication == VpnAuthentication::Psk) {
    o["sharedSecret"] = v.sharedSecret;
  } else {
    o["certificate"] = v.certificate;
    o["privateKey"] = v.privateKey;
    o["caCertificates"] = v.caCertificates;
    if (!v.crls.empty()) o["crls"] = v.crls;
    o["revocation"] = detail::enumName(kRevocations, v.revocation);
  }
  if (!v.localId.empty()) o["localId"] = v.localId;
  if (!v.remoteId.empty()) o["remoteId"] = v.remoteId;
  o["ikeProposals"] = v.ikeProposals;
  o["espProposals"] = v.espProposals;
  json::array lp, rp;
  for (const auto& p : v.localPrefixes) lp.emplace_back(p.toString());
  for (const auto& r : v.remotePrefixes) {
    rp.emplace_back(r.prefix.toString() + (r.metric ? ":" + std::to_string(*r.metric) : std::string()));
  }
  o["localPrefixes"] = std::move(lp);
  o["remotePrefixes"] = std::move(rp);
  o["protocol"] = protocolName(v.protocol);
  if (!v.localPorts.any()) o["localPorts"] = portsText(v.localPorts);
  if (!v.remotePorts.any()) o["remotePorts"] = portsText(v.remotePorts);
  o["routeMetric"] = v.routeMetric;
  o["connectionType"] = detail::enumName(kConnectionTypes, v.connectionType);
  o["lifetimeSeconds"] = v.lifetimeSeconds;
  o["lifetimeKilobytes"] = v.lifetimeKilobytes;
  o["dpdSeconds"] = v.dpdSeconds;
  if (v.idleTimeoutSeconds != 0) o["idleTimeoutSeconds"] = v.idleTimeoutSeconds;
  if (v.egressKbps != 0) o["egressKbps"] = v.egressKbps;
  if (v.ingressKbps != 0) o["ingressKbps"] = v.ingressKbps;
  o["adminState"] = v.adminUp ? "up" : "down";
  return o;
}

}  // namespace hnv::policy
