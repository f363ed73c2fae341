// Conversions of the gateway kinds: a tenant's external interfaces (the
// forwarding gateway's attachments) and its static routes toward them.
#include "hnv/policy/kinds.h"
#include "read.h"

namespace hnv::policy {

namespace json = boost::json;
using detail::failed;

// --- external interfaces ---

const std::string_view KindTraits<ExternalInterface>::kName = "external-interfaces";
const std::string_view KindTraits<ExternalInterface>::kNoun = "external-interface";
const bool KindTraits<ExternalInterface>::kSingleton = false;

std::span<const FieldSpec> KindTraits<ExternalInterface>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"rdid", FieldType::Guid, kRequired | kImmutable, "routing domain (tenant) the interface belongs to"},
      {"name", FieldType::String, kRequired | kImmutable, "interface name, unique in the routing domain"},
      {"node", FieldType::String, kRequired, "the gateway it is on; the tenant must be placed on it"},
      {"port", FieldType::String, kRequired, "the gateway's port carrying it (a port name of hnvgwd's configuration)"},
      {"vlan", FieldType::Uint, 0,
       "802.1Q VLAN id, 1..4094; 0 (the default): untagged, the port is the tenant's alone"},
      {"address", FieldType::Ip, kRequired, "the gateway's IPv4 address on the external network"},
      {"prefixLength", FieldType::Uint, kRequired, "on-link prefix length of the external network"},
      {"mac", FieldType::Mac, 0, "the MAC the gateway uses on the interface (default: the port's MAC)"},
      {"mtu", FieldType::Uint, 0, "IP MTU of the external network, 576..9000 (default: the port's MTU)"},
      {"ipv6Address", FieldType::Ip, 0,
       "the gateway's IPv6 address on the external network, global unicast (default: none, the interface carries "
       "IPv4 only)"},
      {"ipv6PrefixLength", FieldType::Uint, 0, "on-link prefix length of the IPv6 network, 1..127 (default 64)"},
  };
  return kFields;
}

std::string KindTraits<ExternalInterface>::key(const ExternalInterface& v) { return v.rdid.toString() + "/" + v.name; }

Result<ExternalInterface> KindTraits<ExternalInterface>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  auto rdid = detail::readTaggedGuid<Rdid>(n["rdid"]);
  if (failed(rdid, e)) return e;
  auto name = detail::readName(n["name"]);
  if (failed(name, e)) return e;
  auto node = detail::readName(n["node"]);
  if (failed(node, e)) return e;
  auto port = detail::readName(n["port"]);
  if (failed(port, e)) return e;
  auto vlan = n["vlan"].asUint(0, 4094, 0);
  if (failed(vlan, e)) return e;
  auto address = detail::readIp(n["address"]);
  if (failed(address, e)) return e;
  if (!address->isV4()) return n["address"].error(address->toString(), "must be an IPv4 address (IPv6 external networks are not supported yet)");
  if (address->isUnspecified() || address->isMulticast() || address->v4().isBroadcast()) {
    return n["address"].error(address->toString(), "must be a unicast address");
  }
  auto length = n["prefixLength"].asUint(1, 31);
  if (failed(length, e)) return e;
  std::optional<MacAddr> mac;
  if (n["mac"].present()) {
    auto m = detail::readMac(n["mac"]);
    if (failed(m, e)) return e;
    if (m->isMulticast() || m->isZero()) return n["mac"].error(m->toString(), "must be a unicast, non-zero MAC");
    mac = *m;
  }
  std::uint64_t mtu = 0;
  if (n["mtu"].present()) {
    auto v = n["mtu"].asUint(576, 9000);
    if (failed(v, e)) return e;
    mtu = *v;
  }
  std::optional<Ipv6Addr> address6;
  if (n["ipv6Address"].present()) {
    auto a = detail::readIp(n["ipv6Address"]);
    if (failed(a, e)) return e;
    if (!a->isV6()) return n["ipv6Address"].error(a->toString(), "must be an IPv6 address (the IPv4 one is address)");
    if (a->isUnspecified() || a->isMulticast() || a->v6().isLinkLocal() || a->v6().isLoopback()) {
      return n["ipv6Address"].error(a->toString(), "must be a global unicast address");
    }
    address6 = a->v6();
  } else if (n["ipv6PrefixLength"].present()) {
    return n["ipv6PrefixLength"].error("", "needs ipv6Address");
  }
  auto length6 = n["ipv6PrefixLength"].asUint(1, 127, 64);
  if (failed(length6, e)) return e;
  return ExternalInterface{*rdid,
                           *name,
                           *node,
                           *port,
                           static_cast<std::uint16_t>(*vlan),
                           *address,
                           static_cast<std::uint8_t>(*length),
                           mac,
                           static_cast<std::uint16_t>(mtu),
                           address6,
                           static_cast<std::uint8_t>(*length6)};
}

json::object KindTraits<ExternalInterface>::toJson(const ExternalInterface& v) {
  json::object o;
  o["rdid"] = v.rdid.toString();
  o["name"] = v.name;
  o["node"] = v.node;
  o["port"] = v.port;
  o["vlan"] = v.vlan;
  o["address"] = v.address.toString();
  o["prefixLength"] = v.prefixLength;
  if (v.mac) o["mac"] = v.mac->toString();
  if (v.mtu != 0) o["mtu"] = v.mtu;
  if (v.address6) {
    o["ipv6Address"] = v.address6->toString();
    o["ipv6PrefixLength"] = v.prefixLength6;
  }
  return o;
}

// --- gateway routes ---

const std::string_view KindTraits<GatewayRoute>::kName = "gateway-routes";
const std::string_view KindTraits<GatewayRoute>::kNoun = "gateway-route";
const bool KindTraits<GatewayRoute>::kSingleton = false;

std::span<const FieldSpec> KindTraits<GatewayRoute>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"rdid", FieldType::Guid, kRequired | kImmutable, "routing domain (tenant) of the route"},
      {"destinationPrefix", FieldType::Prefix, kRequired | kImmutable,
       "destination prefix on the external side, IPv4 or IPv6 (IPv6 needs the interface's ipv6Address)"},
      {"interface", FieldType::String, kRequired | kImmutable, "external interface of the routing domain"},
      {"nextHop", FieldType::Ip, 0,
       "router on the interface's network (IPv6: on its IPv6 network, or link-local); 0.0.0.0 or :: (the "
       "default) for on-link"},
      {"metric", FieldType::Uint, 0, "lower wins among routes of the same length (default 0)"},
  };
  return kFields;
}

std::string KindTraits<GatewayRoute>::key(const GatewayRoute& v) {
  return v.rdid.toString() + "/" + v.destination.toString() + "/" + v.interface;
}

Result<GatewayRoute> KindTraits<GatewayRoute>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  auto rdid = detail::readTaggedGuid<Rdid>(n["rdid"]);
  if (failed(rdid, e)) return e;
  auto dest = detail::readPrefix(n["destinationPrefix"]);
  if (failed(dest, e)) return e;
  auto interface = detail::readName(n["interface"]);
  if (failed(interface, e)) return e;
  auto nextHop = detail::readIp(n["nextHop"], dest->isV4() ? IpAddr(Ipv4Addr()) : IpAddr(Ipv6Addr()));
  if (failed(nextHop, e)) return e;
  if (nextHop->isV4() != dest->isV4()) {
    return n["nextHop"].error(nextHop->toString(), "must be of the destination prefix's address family");
  }
  if (nextHop->isMulticast() || (nextHop->isV4() ? nextHop->v4().isBroadcast() : nextHop->v6().isLoopback())) {
    return n["nextHop"].error(nextHop->toString(), "must be a unicast address");
  }
  auto metric = detail::readMetric(n["metric"]);
  if (failed(metric, e)) return e;
  return GatewayRoute{*rdid, *dest, *interface, *nextHop, *metric};
}

json::object KindTraits<GatewayRoute>::toJson(const GatewayRoute& v) {
  json::object o;
  o["rdid"] = v.rdid.toString();
  o["destinationPrefix"] = v.destination.toString();
  o["interface"] = v.interface;
  o["nextHop"] = v.nextHop.toString();
  o["metric"] = v.metric;
  return o;
}

}  // namespace hnv::policy
