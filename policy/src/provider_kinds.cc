// Conversions of the infrastructure kinds: nodes, provider addresses,
// provider routes and the global settings.
#include <boost/json/array.hpp>

#include "hnv/policy/kinds.h"
#include "names.h"
#include "read.h"

namespace hnv::policy {

namespace json = boost::json;
using detail::failed;
using detail::readEnum;

namespace {

constexpr std::size_t kMaxDescription = 256;
constexpr std::size_t kMaxListLength = 4096;

}  // namespace

// --- nodes ---

const std::string_view KindTraits<NodeEntry>::kName = "nodes";
const std::string_view KindTraits<NodeEntry>::kNoun = "node";
const bool KindTraits<NodeEntry>::kSingleton = false;

std::span<const FieldSpec> KindTraits<NodeEntry>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"name", FieldType::String, kRequired | kImmutable, "node name (its agent's identity)"},
      {"role", FieldType::Enum, kRequired | kImmutable, "host (hnv-hostd) or gateway (hnvgwd)", "host|gateway"},
      {"description", FieldType::String, 0, "free text"},
      {"vsids", FieldType::VsidList, 0,
       "host only: VSIDs served besides those of records whose PA the host owns"},
      {"tenants", FieldType::GuidList, 0, "gateway only: routing domains placed on this gateway"},
  };
  return kFields;
}

std::string KindTraits<NodeEntry>::key(const NodeEntry& v) { return v.name; }

Result<NodeEntry> KindTraits<NodeEntry>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  auto name = detail::readName(n["name"]);
  if (failed(name, e)) return e;
  auto role = readEnum(n["role"], detail::kNodeRoles, NodeRole::Host);
  if (failed(role, e)) return e;
  if (!n["role"].present()) return n["role"].error("", "is required (host or gateway)");
  auto description = detail::readText(n["description"], kMaxDescription, "");
  if (failed(description, e)) return e;

  NodeEntry node{*name, *role, *description, {}, {}};
  if (n["vsids"].present()) {
    auto count = n["vsids"].arraySize();
    if (failed(count, e)) return e;
    if (*role != NodeRole::Host && *count > 0) return n["vsids"].error("", "only hosts list VSIDs; place tenants on gateways");
    if (*count > kMaxListLength) return n["vsids"].error(std::to_string(*count), "lists more than 4096 VSIDs");
    for (std::size_t i = 0; i < *count; ++i) {
      auto v = detail::readVsid(n["vsids"].at(i));
      if (failed(v, e)) return e;
      node.vsids.push_back(*v);
    }
  }
  if (n["tenants"].present()) {
    auto count = n["tenants"].arraySize();
    if (failed(count, e)) return e;
    if (*role != NodeRole::Gateway && *count > 0) {
      return n["tenants"].error("", "only gateways have tenants placed on them");
    }
    if (*count > kMaxListLength) return n["tenants"].error(std::to_string(*count), "lists more than 4096 tenants");
    for (std::size_t i = 0; i < *count; ++i) {
      auto r = detail::readTaggedGuid<Rdid>(n["tenants"].at(i));
      if (failed(r, e)) return e;
      node.tenants.push_back(*r);
    }
  }
  return node;
}

json::object KindTraits<NodeEntry>::toJson(const NodeEntry& v) {
  json::object o;
  o["name"] = v.name;
  o["role"] = detail::enumName(detail::kNodeRoles, v.role);
  o["description"] = v.description;
  json::array vsids, tenants;
  for (auto vsid : v.vsids) vsids.emplace_back(vsid.value());
  for (const auto& r : v.tenants) tenants.emplace_back(r.toString());
  o["vsids"] = std::move(vsids);
  o["tenants"] = std::move(tenants);
  return o;
}

// --- provider addresses ---

const std::string_view KindTraits<ProviderAddress>::kName = "provider-addresses";
const std::string_view KindTraits<ProviderAddress>::kNoun = "provider-address";
const bool KindTraits<ProviderAddress>::kSingleton = false;

std::span<const FieldSpec> KindTraits<ProviderAddress>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"node", FieldType::String, kRequired | kImmutable, "the node that owns the address"},
      {"address", FieldType::Ip, kRequired | kImmutable, "the provider address"},
      {"interface", FieldType::String, kRequired, "the node's interface (port) carrying it"},
      {"prefixLength", FieldType::Uint, kRequired, "on-link prefix length"},
      {"vlan", FieldType::Uint, 0, "802.1Q VLAN id, 1..4094; 0 (the default) for untagged"},
      {"mac", FieldType::Mac, kRequired, "the MAC the address answers ARP/ND with"},
      {"state", FieldType::Enum, 0, "address state (default Preferred)", "Preferred|Tentative|Duplicate|Invalid|Deprecated"},
      {"managedByCluster", FieldType::Bool, 0, "moves with the active member of a gateway cluster"},
  };
  return kFields;
}

std::string KindTraits<ProviderAddress>::key(const ProviderAddress& v) { return v.node + "/" + v.address.toString(); }

Result<ProviderAddress> KindTraits<ProviderAddress>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  auto node = detail::readName(n["node"]);
  if (failed(node, e)) return e;
  auto address = detail::readIp(n["address"]);
  if (failed(address, e)) return e;
  if (address->isUnspecified() || address->isMulticast()) {
    return n["address"].error(address->toString(), "must be a unicast address");
  }
  auto interface = detail::readName(n["interface"]);
  if (failed(interface, e)) return e;
  auto length = n["prefixLength"].asUint(1, address->isV4() ? 32 : 128);
  if (failed(length, e)) return e;
  auto vlan = n["vlan"].asUint(0, 4094, 0);
  if (failed(vlan, e)) return e;
  auto mac = detail::readMac(n["mac"]);
  if (failed(mac, e)) return e;
  if (mac->isMulticast() || mac->isZero()) return n["mac"].error(mac->toString(), "must be a unicast, non-zero MAC");
  auto state = readEnum(n["state"], detail::kPaStates, PaState::Preferred);
  if (failed(state, e)) return e;
  auto managed = n["managedByCluster"].asBool(false);
  if (failed(managed, e)) return e;
  return ProviderAddress{*node,
                         *interface,
                         *address,
                         static_cast<std::uint8_t>(*length),
                         static_cast<std::uint16_t>(*vlan),
                         *mac,
                         *state,
                         *managed};
}

json::object KindTraits<ProviderAddress>::toJson(const ProviderAddress& v) {
  json::object o;
  o["node"] = v.node;
  o["address"] = v.address.toString();
  o["interface"] = v.interface;
  o["prefixLength"] = v.prefixLength;
  o["vlan"] = v.vlan;
  o["mac"] = v.mac.toString();
  o["state"] = detail::enumName(detail::kPaStates, v.state);
  o["managedByCluster"] = v.managedByCluster;
  return o;
}

// --- provider routes ---

const std::string_view KindTraits<ProviderRoute>::kName = "provider-routes";
const std::string_view KindTraits<ProviderRoute>::kNoun = "provider-route";
const bool KindTraits<ProviderRoute>::kSingleton = false;

std::span<const FieldSpec> KindTraits<ProviderRoute>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"node", FieldType::String, kRequired | kImmutable, "the node whose underlay table holds the route"},
      {"destinationPrefix", FieldType::Prefix, kRequired | kImmutable, "destination PA prefix"},
      {"nextHop", FieldType::Ip, kRequired | kImmutable, "underlay next hop; 0.0.0.0 or :: for on-link"},
      {"interface", FieldType::String, kRequired, "outgoing interface"},
      {"metric", FieldType::Uint, 0, "lower wins (default 0)"},
  };
  return kFields;
}

std::string KindTraits<ProviderRoute>::key(const ProviderRoute& v) {
  return v.node + "/" + v.destination.toString() + "/" + v.nextHop.toString();
}

Result<ProviderRoute> KindTraits<ProviderRoute>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  auto node = detail::readName(n["node"]);
  if (failed(node, e)) return e;
  auto dest = detail::readPrefix(n["destinationPrefix"]);
  if (failed(dest, e)) return e;
  auto nextHop = detail::readIp(n["nextHop"]);
  if (failed(nextHop, e)) return e;
  if (nextHop->isV4() != dest->isV4()) {
    return n["nextHop"].error(nextHop->toString(), "must be of the destination prefix's address family");
  }
  if (nextHop->isMulticast()) return n["nextHop"].error(nextHop->toString(), "must not be a multicast address");
  auto interface = detail::readName(n["interface"]);
  if (failed(interface, e)) return e;
  auto metric = detail::readMetric(n["metric"]);
  if (failed(metric, e)) return e;
  return ProviderRoute{*node, *interface, *dest, *nextHop, *metric};
}

json::object KindTraits<ProviderRoute>::toJson(const ProviderRoute& v) {
  json::object o;
  o["node"] = v.node;
  o["destinationPrefix"] = v.destination.toString();
  o["nextHop"] = v.nextHop.toString();
  o["interface"] = v.interface;
  o["metric"] = v.metric;
  return o;
}

// --- global settings ---

const std::string_view KindTraits<GlobalSettings>::kName = "global";
const std::string_view KindTraits<GlobalSettings>::kNoun = "global";
const bool KindTraits<GlobalSettings>::kSingleton = true;

std::span<const FieldSpec> KindTraits<GlobalSettings>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"useExternalRouter", FieldType::Bool, 0,
       "send cross-subnet traffic to routers named by customer routes instead of the distributed router"},
      {"dynamicRecordAgingSeconds", FieldType::Uint, 0,
       "0 (the default): Dynamic records stay until removed; 10..604800: one its host has not reported again (from "
       "the VM's ARP, ND or DHCP traffic) for this long is deleted"},
  };
  return kFields;
}

std::string KindTraits<GlobalSettings>::key(const GlobalSettings&) { return std::string(kGlobalKey); }

Result<GlobalSettings> KindTraits<GlobalSettings>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  auto external = n["useExternalRouter"].asBool(false);
  if (failed(external, e)) return e;
  auto aging = n["dynamicRecordAgingSeconds"].asUint(0, 604800, 0);
  if (failed(aging, e)) return e;
  if (*aging != 0 && *aging < 10) {
    return n["dynamicRecordAgingSeconds"].error(std::to_string(*aging),
                                                "must be 0 (never) or 10..604800: hosts refresh a third of the way");
  }
  return GlobalSettings{*external, static_cast<std::uint32_t>(*aging)};
}

json::object KindTraits<GlobalSettings>::toJson(const GlobalSettings& v) {
  json::object o;
  o["useExternalRouter"] = v.useExternalRouter;
  o["dynamicRecordAgingSeconds"] = v.dynamicRecordAgingSeconds;
  return o;
}

}  // namespace hnv::policy
