// Conversions of the tenant-facing kinds: routing domains, virtual subnets,
// lookup records and customer routes.
#include <boost/json/array.hpp>

#include "hnv/policy/kinds.h"
#include "names.h"
#include "read.h"

namespace hnv::policy {

namespace json = boost::json;
using detail::failed;
using detail::readEnum;

namespace {

constexpr std::size_t kMaxTextLength = 256;
constexpr std::size_t kMaxPrefixesPerSubnet = 16;

// The distributed router's default MAC in a VSID: locally administered,
// 02:48:4e ("HN") followed by the 24-bit VSID, so that it is stable and unique.
MacAddr defaultRouterMac(Vsid vsid) {
  auto v = vsid.value();
  return MacAddr(MacAddr::Bytes{0x02, 0x48, 0x4E, static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
                                static_cast<std::uint8_t>(v)});
}

// The first host address of a prefix (10.0.1.0/24 -> 10.0.1.1).
IpAddr firstHost(const Prefix& p) {
  if (p.isV4()) return Ipv4Addr::fromHost(p.v4().network().host() + 1);
  auto b = p.v6().network().bytes();
  b[15] = static_cast<std::uint8_t>(b[15] + 1);
  return Ipv6Addr(b);
}

bool isUsableHost(const Prefix& p, const IpAddr& a) {
  if (!p.contains(a) || a == p.networkAddress()) return false;
  if (p.isV4()) {
    std::uint32_t hostMask = p.length() == 0 ? 0xFFFFFFFFu : (0xFFFFFFFFu >> p.length());
    return (a.v4().host() & hostMask) != hostMask;  // not the subnet broadcast
  }
  return true;
}

}  // namespace

// --- routing domains ---

const std::string_view KindTraits<RoutingDomain>::kName = "routing-domains";
const std::string_view KindTraits<RoutingDomain>::kNoun = "routing-domain";
const bool KindTraits<RoutingDomain>::kSingleton = false;

std::span<const FieldSpec> KindTraits<RoutingDomain>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"rdid", FieldType::Guid, kRequired | kImmutable, "routing domain id (GUID): the tenant's VM network"},
      {"name", FieldType::String, 0, "display name"},
      {"customerId", FieldType::Guid, 0, "GUID of the tenant that owns the routing domain"},
  };
  return kFields;
}

std::string KindTraits<RoutingDomain>::key(const RoutingDomain& v) { return v.rdid.toString(); }

Result<RoutingDomain> KindTraits<RoutingDomain>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  auto rdid = detail::readTaggedGuid<Rdid>(n["rdid"]);
  if (failed(rdid, e)) return e;
  auto name = detail::readText(n["name"], kMaxTextLength, "");
  if (failed(name, e)) return e;
  auto customer = detail::readOptionalGuid<CustomerId>(n["customerId"]);
  if (failed(customer, e)) return e;
  return RoutingDomain{*rdid, *name, *customer};
}

json::object KindTraits<RoutingDomain>::toJson(const RoutingDomain& v) {
  json::object o;
  o["rdid"] = v.rdid.toString();
  o["name"] = v.name;
  if (v.customerId) o["customerId"] = v.customerId->toString();
  return o;
}

// --- virtual subnets ---

const std::string_view KindTraits<VirtualSubnet>::kName = "virtual-subnets";
const std::string_view KindTraits<VirtualSubnet>::kNoun = "virtual-subnet";
const bool KindTraits<VirtualSubnet>::kSingleton = false;

std::span<const FieldSpec> KindTraits<VirtualSubnet>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"vsid", FieldType::Vsid, kRequired | kImmutable, "virtual subnet id, 4096..16777214"},
      {"rdid", FieldType::Guid, kRequired | kImmutable, "the routing domain the subnet belongs to"},
      {"name", FieldType::String, 0, "display name"},
      {"prefixes", FieldType::PrefixList, 0, "the subnet's CA prefixes, IPv4 and/or IPv6"},
      {"defaultGateways", FieldType::IpList, 0,
       "the distributed router's CA in each prefix (default: the prefix's first host address)"},
      {"defaultGatewayMac", FieldType::Mac, 0, "the distributed router's MAC (default: 02:48:4e + the VSID)"},
      {"multicastGroup", FieldType::Ip, 0, "PA multicast group for broadcast; absent: one unicast copy per host"},
  };
  return kFields;
}

std::string KindTraits<VirtualSubnet>::key(const VirtualSubnet& v) { return v.vsid.toString(); }

Result<VirtualSubnet> KindTraits<VirtualSubnet>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  auto vsid = detail::readVsid(n["vsid"]);
  if (failed(vsid, e)) return e;
  auto rdid = detail::readTaggedGuid<Rdid>(n["rdid"]);
  if (failed(rdid, e)) return e;
  auto name = detail::readText(n["name"], kMaxTextLength, "");
  if (failed(name, e)) return e;

  std::vector<SubnetPrefix> prefixes;
  if (n["prefixes"].present()) {
    auto count = n["prefixes"].arraySize();
    if (failed(count, e)) return e;
    if (*count > kMaxPrefixesPerSubnet) {
      return n["prefixes"].error(std::to_string(*count), "a subnet has at most 16 prefixes");
    }
    for (std::size_t i = 0; i < *count; ++i) {
      auto p = detail::readPrefix(n["prefixes"].at(i));
      if (failed(p, e)) return e;
      unsigned maxLen = p->isV4() ? 30 : 126;
      if (p->length() > maxLen) {
        return n["prefixes"].at(i).error(p->toString(), "leaves no room for a default gateway and a VM (at most /" +
                                                            std::to_string(maxLen) + ")");
      }
      for (const auto& other : prefixes) {
        if (other.prefix.overlaps(*p)) {
          return n["prefixes"].at(i).error(p->toString(), "overlaps " + other.prefix.toString());
        }
      }
      prefixes.push_back({*p, firstHost(*p)});
    }
  }
  if (n["defaultGateways"].present()) {
    auto count = n["defaultGateways"].arraySize();
    if (failed(count, e)) return e;
    std::vector<bool> given(prefixes.size(), false);
    for (std::size_t i = 0; i < *count; ++i) {
      auto at = n["defaultGateways"].at(i);
      auto gw = detail::readIp(at);
      if (failed(gw, e)) return e;
      bool placed = false;
      for (std::size_t k = 0; k < prefixes.size() && !placed; ++k) {
        if (!prefixes[k].prefix.contains(*gw)) continue;
        if (given[k]) return at.error(gw->toString(), "is a second gateway for " + prefixes[k].prefix.toString());
        if (!isUsableHost(prefixes[k].prefix, *gw)) {
          return at.error(gw->toString(), "is the network or broadcast address of " + prefixes[k].prefix.toString());
        }
        prefixes[k].defaultGateway = *gw;
        given[k] = true;
        placed = true;
      }
      if (!placed) return at.error(gw->toString(), "lies in none of the subnet's prefixes");
    }
  }
  MacAddr mac = defaultRouterMac(*vsid);
  if (n["defaultGatewayMac"].present()) {
    auto m = detail::readMac(n["defaultGatewayMac"]);
    if (failed(m, e)) return e;
    if (m->isMulticast() || m->isZero()) {
      return n["defaultGatewayMac"].error(m->toString(), "must be a unicast, non-zero MAC");
    }
    mac = *m;
  }
  std::optional<IpAddr> group;
  if (n["multicastGroup"].present()) {
    auto g = detail::readIp(n["multicastGroup"]);
    if (failed(g, e)) return e;
    if (!g->isMulticast()) return n["multicastGroup"].error(g->toString(), "must be a multicast address");
    group = *g;
  }
  return VirtualSubnet{*vsid, *rdid, *name, std::move(prefixes), mac, group};
}

json::object KindTraits<VirtualSubnet>::toJson(const VirtualSubnet& v) {
  json::object o;
  o["vsid"] = v.vsid.value();
  o["rdid"] = v.rdid.toString();
  o["name"] = v.name;
  json::array prefixes, gateways;
  for (const auto& p : v.prefixes) {
    prefixes.emplace_back(p.prefix.toString());
    gateways.emplace_back(p.defaultGateway.toString());
  }
  o["prefixes"] = std::move(prefixes);
  o["defaultGateways"] = std::move(gateways);
  o["defaultGatewayMac"] = v.defaultGatewayMac.toString();
  if (v.multicastGroup) o["multicastGroup"] = v.multicastGroup->toString();
  return o;
}

// --- lookup records ---

const std::string_view KindTraits<LookupRecord>::kName = "lookup-records";
const std::string_view KindTraits<LookupRecord>::kNoun = "lookup-record";
const bool KindTraits<LookupRecord>::kSingleton = false;

std::span<const FieldSpec> KindTraits<LookupRecord>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"vsid", FieldType::Vsid, kRequired | kImmutable, "virtual subnet id of the VM"},
      {"ca", FieldType::Ip, kImmutable, "customer address; 0.0.0.0 or :: (the default) for L2Only and GatewayWildcard"},
      {"mac", FieldType::Mac, kRequired | kImmutable, "the VM's (or gateway's) MAC"},
      {"pa", FieldType::Ip, kRequired, "provider address of the host or gateway behind the CA"},
      {"type", FieldType::Enum, kImmutable, "record type (default Static)", "Static|Dynamic|L2Only|GatewayWildcard"},
      {"rule", FieldType::Enum, 0, "translation method (default TranslationMethodEncap)",
       "TranslationMethodEncap|TranslationMethodNat|TranslationMethodNone"},
      {"customerId", FieldType::Guid, kImmutable, "GUID of the owning tenant (informational)"},
      {"context", FieldType::String, 0, "free text (informational)"},
      {"vmName", FieldType::String, 0, "name of the VM (informational)"},
      {"useVmMacAddress", FieldType::Bool, kImmutable, "informational, as in HNV"},
      {"unusable", FieldType::Bool, kReadOnly, "derived: no node owns the PA, so the record cannot carry data"},
      {"unsynchronized", FieldType::Bool, kReadOnly,
       "derived: a node that needs the record has not yet applied its revision"},
  };
  return kFields;
}

std::string KindTraits<LookupRecord>::key(const LookupRecord& v) {
  return lookupRecordKey(v.vsid, v.ca, v.mac);
}

Result<LookupRecord> KindTraits<LookupRecord>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  auto vsid = detail::readVsid(n["vsid"]);
  if (failed(vsid, e)) return e;
  auto type = readEnum(n["type"], detail::kRecordTypes, RecordType::Static);
  if (failed(type, e)) return e;
  bool wildcard = *type == RecordType::L2Only || *type == RecordType::GatewayWildcard;
  Result<IpAddr> ca = wildcard ? detail::readIp(n["ca"], IpAddr()) : detail::readIp(n["ca"]);
  if (failed(ca, e)) return e;
  if (wildcard && !ca->isUnspecified()) {
    return n["ca"].error(ca->toString(), std::string(detail::enumName(detail::kRecordTypes, *type)) +
                                             " records carry the unspecified CA (0.0.0.0 or ::)");
  }
  if (!wildcard && (ca->isUnspecified() || ca->isMulticast() || (ca->isV4() && ca->v4().isBroadcast()))) {
    return n["ca"].error(ca->toString(), "must be a unicast address (0.0.0.0 and :: are for L2Only and GatewayWildcard)");
  }
  auto mac = detail::readMac(n["mac"]);
  if (failed(mac, e)) return e;
  if (mac->isMulticast() || mac->isZero()) return n["mac"].error(mac->toString(), "must be a unicast, non-zero MAC");
  auto pa = detail::readIp(n["pa"]);
  if (failed(pa, e)) return e;
  if (pa->isUnspecified() || pa->isMulticast()) {
    return n["pa"].error(pa->toString(), "must be a unicast provider address");
  }
  auto rule = readEnum(n["rule"], detail::kRules, TranslationRule::Encap);
  if (failed(rule, e)) return e;
  if (*rule == TranslationRule::Nat) {
    return n["rule"].error("TranslationMethodNat",
                           "IP rewrite was removed in Windows Server 2012 R2; use TranslationMethodEncap (NVGRE)");
  }
  auto customer = detail::readOptionalGuid<CustomerId>(n["customerId"]);
  if (failed(customer, e)) return e;
  auto context = detail::readText(n["context"], kMaxTextLength, "");
  if (failed(context, e)) return e;
  auto vmName = detail::readText(n["vmName"], kMaxTextLength, "");
  if (failed(vmName, e)) return e;
  auto useVmMac = n["useVmMacAddress"].asBool(false);
  if (failed(useVmMac, e)) return e;
  return LookupRecord{*vsid, *ca, *mac, *pa, *type, *rule, *customer, *context, *vmName, *useVmMac};
}

json::object KindTraits<LookupRecord>::toJson(const LookupRecord& v) {
  json::object o;
  o["vsid"] = v.vsid.value();
  o["ca"] = v.ca.toString();
  o["mac"] = v.mac.toString();
  o["pa"] = v.pa.toString();
  o["type"] = detail::enumName(detail::kRecordTypes, v.type);
  o["rule"] = detail::enumName(detail::kRules, v.rule);
  if (v.customerId) o["customerId"] = v.customerId->toString();
  o["context"] = v.context;
  o["vmName"] = v.vmName;
  o["useVmMacAddress"] = v.useVmMacAddress;
  return o;
}

// --- customer routes ---

const std::string_view KindTraits<CustomerRoute>::kName = "customer-routes";
const std::string_view KindTraits<CustomerRoute>::kNoun = "customer-route";
const bool KindTraits<CustomerRoute>::kSingleton = false;

std::span<const FieldSpec> KindTraits<CustomerRoute>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"rdid", FieldType::Guid, kRequired | kImmutable, "routing domain of the route"},
      {"vsid", FieldType::Vsid, kRequired | kImmutable,
       "virtual subnet where the prefix is on-link or where the next hop lives"},
      {"destinationPrefix", FieldType::Prefix, kRequired | kImmutable, "destination CA prefix"},
      {"nextHop", FieldType::Ip, 0, "next hop CA; 0.0.0.0 or :: (the default) for on-link"},
      {"metric", FieldType::Uint, 0, "lower wins among routes of the same length (default 0)"},
  };
  return kFields;
}

std::string KindTraits<CustomerRoute>::key(const CustomerRoute& v) {
  return v.rdid.toString() + "/" + v.vsid.toString() + "/" + v.destination.toString();
}

Result<CustomerRoute> KindTraits<CustomerRoute>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  auto rdid = detail::readTaggedGuid<Rdid>(n["rdid"]);
  if (failed(rdid, e)) return e;
  auto vsid = detail::readVsid(n["vsid"]);
  if (failed(vsid, e)) return e;
  auto dest = detail::readPrefix(n["destinationPrefix"]);
  if (failed(dest, e)) return e;
  IpAddr unspecified = dest->isV4() ? IpAddr(Ipv4Addr()) : IpAddr(Ipv6Addr());
  auto nextHop = detail::readIp(n["nextHop"], unspecified);
  if (failed(nextHop, e)) return e;
  if (!nextHop->sameFamily(unspecified)) {
    return n["nextHop"].error(nextHop->toString(), "must be of the destination prefix's address family");
  }
  if (nextHop->isMulticast()) return n["nextHop"].error(nextHop->toString(), "must not be a multicast address");
  auto metric = detail::readMetric(n["metric"]);
  if (failed(metric, e)) return e;
  return CustomerRoute{*rdid, *vsid, *dest, *nextHop, *metric};
}

json::object KindTraits<CustomerRoute>::toJson(const CustomerRoute& v) {
  json::object o;
  o["rdid"] = v.rdid.toString();
  o["vsid"] = v.vsid.value();
  o["destinationPrefix"] = v.destination.toString();
  o["nextHop"] = v.nextHop.toString();
  o["metric"] = v.metric;
  return o;
}

}  // namespace hnv::policy
