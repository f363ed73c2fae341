// Conversions of the NAT44 kinds: a routing domain's NAT instance, its
// external addresses and its static mappings (port forwards). Only IPv4 is
// translated; every address field says so when given IPv6.
#include "hnv/policy/kinds.h"
#include "names.h"
#include "read.h"

namespace hnv::policy {

namespace json = boost::json;
using detail::failed;
using detail::readEnum;

namespace {

constexpr std::uint64_t kMaxSessions = 1u << 24;
constexpr std::uint64_t kDay = 86400;
constexpr std::uint64_t kWeek = 7 * kDay;

// An IPv4 unicast address: the only kind a NAT44 endpoint can have.
Result<IpAddr> readNatAddress(const ConfigNode& n) {
  return detail::readUnicast4(n, "IPv6 NAT is not supported; use an IPv4 address");
}

Result<std::uint16_t> readPort(const ConfigNode& n) {
  auto v = n.asUint(1, 65535);
  if (!v) return v.error();
  return static_cast<std::uint16_t>(*v);
}

Result<std::uint16_t> readPort(const ConfigNode& n, std::uint16_t fallback) {
  auto v = n.asUint(1, 65535, fallback);
  if (!v) return v.error();
  return static_cast<std::uint16_t>(*v);
}

// A timeout in seconds, 1..max.
Result<std::uint32_t> readSeconds(const ConfigNode& n, std::uint64_t max, std::uint32_t fallback) {
  auto v = n.asUint(1, max, fallback);
  if (!v) return v.error();
  return static_cast<std::uint32_t>(*v);
}

}  // namespace

// --- NAT instances ---

const std::string_view KindTraits<NatInstance>::kName = "nat-instances";
const std::string_view KindTraits<NatInstance>::kNoun = "nat-instance";
const bool KindTraits<NatInstance>::kSingleton = false;

std::span<const FieldSpec> KindTraits<NatInstance>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"rdid", FieldType::Guid, kRequired | kImmutable, "routing domain (tenant) whose traffic is translated"},
      {"externalRdid", FieldType::Guid, kRequired,
       "routing domain the external addresses live in (e.g. an internet domain); not rdid; placed on the tenant's "
       "gateways too"},
      {"filtering", FieldType::Enum, 0,
       "inbound filtering (RFC 4787): endpoint-independent (the default) or address-dependent",
       "endpoint-independent|address-dependent"},
      {"icmpQueryTimeout", FieldType::Uint, 0, "idle timeout of ICMP query sessions in seconds, 1..86400 (default 30)"},
      {"tcpEstablishedTimeout", FieldType::Uint, 0,
       "idle timeout of established TCP sessions in seconds, 1..604800 (default 1800)"},
      {"tcpTransientTimeout", FieldType::Uint, 0,
       "idle timeout of opening or closing TCP sessions in seconds, 1..86400 (default 120)"},
      {"udpIdleTimeout", FieldType::Uint, 0, "idle timeout of UDP sessions in seconds, 1..86400 (default 120)"},
      {"udpInboundRefresh", FieldType::Bool, 0, "inbound UDP packets refresh a session too (default false)"},
      {"maxSessions", FieldType::Uint, 0, "sessions the tenant may hold, 1..16777216; 0 (the default): no quota"},
  };
  return kFields;
}

std::string KindTraits<NatInstance>::key(const NatInstance& v) { return v.rdid.toString(); }

Result<NatInstance> KindTraits<NatInstance>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  NatInstance out;
  auto rdid = detail::readTaggedGuid<Rdid>(n["rdid"]);
  if (failed(rdid, e)) return e;
  out.rdid = *rdid;
  auto external = detail::readTaggedGuid<Rdid>(n["externalRdid"]);
  if (failed(external, e)) return e;
  if (*external == *rdid) {
    return n["externalRdid"].error(external->toString(), "must be another routing domain than rdid (the outside)");
  }
  out.externalRdid = *external;
  auto filtering = readEnum(n["filtering"], detail::kNatFilterings, out.filtering);
  if (failed(filtering, e)) return e;
  out.filtering = *filtering;
  auto icmp = readSeconds(n["icmpQueryTimeout"], kDay, out.icmpQueryTimeout);
  if (failed(icmp, e)) return e;
  out.icmpQueryTimeout = *icmp;
  auto established = readSeconds(n["tcpEstablishedTimeout"], kWeek, out.tcpEstablishedTimeout);
  if (failed(established, e)) return e;
  out.tcpEstablishedTimeout = *established;
  auto transient = readSeconds(n["tcpTransientTimeout"], kDay, out.tcpTransientTimeout);
  if (failed(transient, e)) return e;
  out.tcpTransientTimeout = *transient;
  auto udp = readSeconds(n["udpIdleTimeout"], kDay, out.udpIdleTimeout);
  if (failed(udp, e)) return e;
  out.udpIdleTimeout = *udp;
  auto refresh = n["udpInboundRefresh"].asBool(out.udpInboundRefresh);
  if (failed(refresh, e)) return e;
  out.udpInboundRefresh = *refresh;
  auto sessions = n["maxSessions"].asUint(0, kMaxSessions, 0);
  if (failed(sessions, e)) return e;
  out.maxSessions = static_cast<std::uint32_t>(*sessions);
  return out;
}

json::object KindTraits<NatInstance>::toJson(const NatInstance& v) {
  json::object o;
  o["rdid"] = v.rdid.toString();
  o["externalRdid"] = v.externalRdid.toString();
  o["filtering"] = natFilteringName(v.filtering);
  o["icmpQueryTimeout"] = v.icmpQueryTimeout;
  o["tcpEstablishedTimeout"] = v.tcpEstablishedTimeout;
  o["tcpTransientTimeout"] = v.tcpTransientTimeout;
  o["udpIdleTimeout"] = v.udpIdleTimeout;
  o["udpInboundRefresh"] = v.udpInboundRefresh;
  o["maxSessions"] = v.maxSessions;
  return o;
}

// --- NAT external addresses ---

const std::string_view KindTraits<NatExternalAddress>::kName = "nat-external-addresses";
const std::string_view KindTraits<NatExternalAddress>::kNoun = "nat-external-address";
const bool KindTraits<NatExternalAddress>::kSingleton = false;

std::span<const FieldSpec> KindTraits<NatExternalAddress>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"rdid", FieldType::Guid, kRequired | kImmutable, "routing domain (tenant) with a nat-instance"},
      {"address", FieldType::Ip, kRequired | kImmutable,
       "IPv4 unicast address in the outside routing domain, unique there"},
      {"firstPort", FieldType::Uint, 0, "first port (and ICMP id) of the dynamic range, 1..65535 (default 1024)"},
      {"lastPort", FieldType::Uint, 0,
       "last port (and ICMP id) of the dynamic range, firstPort..65535 (default 65535)"},
  };
  return kFields;
}

std::string KindTraits<NatExternalAddress>::key(const NatExternalAddress& v) {
  return v.rdid.toString() + "/" + v.address.toString();
}

Result<NatExternalAddress> KindTraits<NatExternalAddress>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  NatExternalAddress out;
  auto rdid = detail::readTaggedGuid<Rdid>(n["rdid"]);
  if (failed(rdid, e)) return e;
  out.rdid = *rdid;
  auto address = readNatAddress(n["address"]);
  if (failed(address, e)) return e;
  out.address = *address;
  auto first = readPort(n["firstPort"], out.firstPort);
  if (failed(first, e)) return e;
  auto last = readPort(n["lastPort"], out.lastPort);
  if (failed(last, e)) return e;
  if (*last < *first) {
    return n["lastPort"].error(std::to_string(*last), "is below firstPort " + std::to_string(*first) +
                                                          "; the dynamic range is firstPort..lastPort");
  }
  out.firstPort = *first;
  out.lastPort = *last;
  return out;
}

json::object KindTraits<NatExternalAddress>::toJson(const NatExternalAddress& v) {
  json::object o;
  o["rdid"] = v.rdid.toString();
  o["address"] = v.address.toString();
  o["firstPort"] = v.firstPort;
  o["lastPort"] = v.lastPort;
  return o;
}

// --- NAT static mappings ---

const std::string_view KindTraits<NatStaticMapping>::kName = "nat-static-mappings";
const std::string_view KindTraits<NatStaticMapping>::kNoun = "nat-static-mapping";
const bool KindTraits<NatStaticMapping>::kSingleton = false;

std::span<const FieldSpec> KindTraits<NatStaticMapping>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"rdid", FieldType::Guid, kRequired | kImmutable, "routing domain (tenant) with a nat-instance"},
      {"protocol", FieldType::Enum, kRequired | kImmutable, "tcp or udp", "tcp|udp"},
      {"externalAddress", FieldType::Ip, kRequired | kImmutable, "one of the routing domain's nat-external-addresses"},
      {"externalPort", FieldType::Uint, kRequired | kImmutable,
       "outside port, 1..65535, outside the address's dynamic range"},
      {"internalAddress", FieldType::Ip, kRequired, "the VM's IPv4 CA"},
      {"internalPort", FieldType::Uint, kRequired, "the VM's port, 1..65535"},
      {"remotePrefix", FieldType::Prefix, 0, "IPv4 prefix: only sources in it may use the mapping (default: any)"},
  };
  return kFields;
}

std::string KindTraits<NatStaticMapping>::key(const NatStaticMapping& v) {
  return v.rdid.toString() + "/" + std::string(natProtocolName(v.protocol)) + "/" + v.externalAddress.toString() + "/" +
         std::to_string(v.externalPort);
}

Result<NatStaticMapping> KindTraits<NatStaticMapping>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  NatStaticMapping out;
  auto rdid = detail::readTaggedGuid<Rdid>(n["rdid"]);
  if (failed(rdid, e)) return e;
  out.rdid = *rdid;
  if (!n["protocol"].present()) return n["protocol"].error("", "is required (tcp or udp)");
  auto protocol = readEnum(n["protocol"], detail::kNatProtocols, NatProtocol::Tcp);
  if (failed(protocol, e)) return e;
  out.protocol = *protocol;
  auto externalAddress = readNatAddress(n["externalAddress"]);
  if (failed(externalAddress, e)) return e;
  out.externalAddress = *externalAddress;
  auto externalPort = readPort(n["externalPort"]);
  if (failed(externalPort, e)) return e;
  out.externalPort = *externalPort;
  auto internalAddress = readNatAddress(n["internalAddress"]);
  if (failed(internalAddress, e)) return e;
  out.internalAddress = *internalAddress;
  auto internalPort = readPort(n["internalPort"]);
  if (failed(internalPort, e)) return e;
  out.internalPort = *internalPort;
  if (n["remotePrefix"].present()) {
    auto remote = detail::readPrefix(n["remotePrefix"]);
    if (failed(remote, e)) return e;
    if (!remote->isV4()) {
      return n["remotePrefix"].error(remote->toString(), "IPv6 NAT is not supported; use an IPv4 prefix");
    }
    out.remotePrefix = *remote;
  }
  return out;
}

json::object KindTraits<NatStaticMapping>::toJson(const NatStaticMapping& v) {
  json::object o;
  o["rdid"] = v.rdid.toString();
  o["protocol"] = natProtocolName(v.protocol);
  o["externalAddress"] = v.externalAddress.toString();
  o["externalPort"] = v.externalPort;
  o["internalAddress"] = v.internalAddress.toString();
  o["internalPort"] = v.internalPort;
  if (v.remotePrefix) o["remotePrefix"] = v.remotePrefix->toString();
  return o;
}

}  // namespace hnv::policy
