#include "hnv/policy/references.h"

#include "references_detail.h"

namespace hnv::policy {

using detail::inUse;
using detail::isPlaced;
using detail::missing;

namespace {

// The external network of an interface, as a prefix.
Prefix externalSubnet(const ExternalInterface& x) {
  return Prefix(*Prefix4::make(maskAddress(x.address.v4(), x.prefixLength), x.prefixLength));
}

// Its IPv6 network, if it has one.
std::optional<Prefix> externalSubnet6(const ExternalInterface& x) {
  if (!x.address6) return std::nullopt;
  return Prefix(*Prefix6::make(maskAddress(*x.address6, x.prefixLength6), x.prefixLength6));
}

// Whether `hop` may be a gateway route's next hop through `x`: on one of
// its networks (an IPv6 router may also be named by its link-local address)
// and not the gateway's own address there.
enum class HopProblem : std::uint8_t { None, OffNetwork, OwnAddress, NoIpv6 };

HopProblem nextHopProblem(const ExternalInterface& x, const IpAddr& hop) {
  if (hop.isV4()) {
    if (!externalSubnet(x).contains(hop)) return HopProblem::OffNetwork;
    return hop == x.address ? HopProblem::OwnAddress : HopProblem::None;
  }
  const auto subnet = externalSubnet6(x);
  if (!subnet) return HopProblem::NoIpv6;
  if (hop.v6().isLinkLocal()) return HopProblem::None;
  if (!subnet->contains(hop)) return HopProblem::OffNetwork;
  return hop.v6() == *x.address6 ? HopProblem::OwnAddress : HopProblem::None;
}

// The external interface of `node` that uses (port, vlan), other than `self`.
const Stored<ExternalInterface>* attachmentUser(const PolicyState& state, std::string_view node, std::string_view port,
                                                std::uint16_t vlan, std::string_view self) {
  for (const auto& [key, x] : state.table<ExternalInterface>()) {
    if (key != self && x.object.node == node && x.object.port == port && x.object.vlan == vlan) return &x;
  }
  return nullptr;
}

std::string vlanText(std::uint16_t vlan) { return vlan == 0 ? "untagged" : "VLAN " + std::to_string(vlan); }

}  // namespace

// --- checkPut ---

template <>
Status checkPut(const PolicyState&, const RoutingDomain&) {
  return okStatus();
}

template <>
Status checkPut(const PolicyState& state, const VirtualSubnet& s) {
  if (state.find<RoutingDomain>(s.rdid.toString()) == nullptr) return missing("rdid", s.rdid.toString(), "routing domain");
  for (const auto& [key, other] : state.table<VirtualSubnet>()) {
    if (other.object.vsid == s.vsid || !(other.object.rdid == s.rdid)) continue;
    for (const auto& mine : s.prefixes) {
      for (const auto& theirs : other.object.prefixes) {
        if (mine.prefix.overlaps(theirs.prefix)) {
          return fieldError("prefixes", mine.prefix.toString(),
                            "overlaps " + theirs.prefix.toString() + " of virtual subnet " + key +
                                " in the same routing domain");
        }
      }
    }
  }
  for (const auto& [key, x] : state.table<ExternalInterface>()) {
    if (!(x.object.rdid == s.rdid)) continue;
    const auto subnet6 = externalSubnet6(x.object);
    for (const auto& mine : s.prefixes) {
      if (mine.prefix.overlaps(externalSubnet(x.object)) || (subnet6 && mine.prefix.overlaps(*subnet6))) {
        return fieldError("prefixes", mine.prefix.toString(),
                          "overlaps the network of external interface " + key + " in the same routing domain");
      }
    }
  }
  // Narrowing the prefixes must not strand a record's CA.
  Status result = okStatus();
  state.forEachWithPrefix<LookupRecord>(lookupRecordPrefix(s.vsid), [&](const std::string& key, const auto& r) {
    if (!result || r.object.ca.isUnspecified() || s.prefixes.empty()) return;
    bool inside = false;
    for (const auto& p : s.prefixes) inside = inside || p.prefix.contains(r.object.ca);
    if (!inside) result = fieldError("prefixes", "", "would leave lookup record " + key + " outside every prefix");
  });
  return result;
}

template <>
Status checkPut(const PolicyState& state, const LookupRecord& r) {
  const auto* subnet = state.subnet(r.vsid);
  if (subnet == nullptr) return missing("vsid", r.vsid.toString(), "virtual subnet");
  if (!r.ca.isUnspecified()) {
    if (!subnet->prefixes.empty()) {
      bool inside = false;
      for (const auto& p : subnet->prefixes) {
        inside = inside || p.prefix.contains(r.ca);
        if (p.defaultGateway == r.ca) {
          return fieldError("ca", r.ca.toString(), "is the distributed router's address in VSID " + r.vsid.toString());
        }
      }
      if (!inside) {
        return fieldError("ca", r.ca.toString(), "lies in none of the prefixes of virtual subnet " + r.vsid.toString());
      }
    }
    // One VM per CA in a VSID: another MAC with the same CA is a conflict.
    Status result = okStatus();
    state.forEachWithPrefix<LookupRecord>(lookupRecordPrefix(r.vsid, r.ca), [&](const std::string&, const auto& o) {
      if (result && o.object.mac != r.mac) {
        result = fieldError("ca", r.ca.toString(),
                            "is already mapped to MAC " + o.object.mac.toString() + " in VSID " + r.vsid.toString(),
                            Errc::Conflict);
      }
    });
    if (!result) return result;
  } else if (r.type == RecordType::GatewayWildcard) {
    Status result = okStatus();
    state.forEachWithPrefix<LookupRecord>(lookupRecordPrefix(r.vsid, r.ca), [&](const std::string& key, const auto& o) {
      if (result && o.object.type == RecordType::GatewayWildcard && o.object.mac != r.mac) {
        result = fieldError("type", "GatewayWildcard", "VSID " + r.vsid.toString() + " already has one: " + key,
                            Errc::Conflict);
      }
    });
    if (!result) return result;
  }
  return okStatus();
}

template <>
Status checkPut(const PolicyState& state, const CustomerRoute& c) {
  if (state.find<RoutingDomain>(c.rdid.toString()) == nullptr) return missing("rdid", c.rdid.toString(), "routing domain");
  const auto* subnet = state.subnet(c.vsid);
  if (subnet == nullptr) return missing("vsid", c.vsid.toString(), "virtual subnet");
  if (!(subnet->rdid == c.rdid)) {
    return fieldError("vsid", c.vsid.toString(),
                      "belongs to another routing domain than " + c.rdid.toString() +
                          "; routes stay inside one routing domain");
  }
  if (!c.nextHop.isUnspecified() && !subnet->prefixes.empty()) {
    bool inside = false;
    for (const auto& p : subnet->prefixes) inside = inside || p.prefix.contains(c.nextHop);
    if (!inside) {
      return fieldError("nextHop", c.nextHop.toString(), "lies in none of the prefixes of virtual subnet " + c.vsid.toString());
    }
  }
  return okStatus();
}

template <>
Status checkPut(const PolicyState& state, const NodeEntry& n) {
  for (std::size_t i = 0; i < n.tenants.size(); ++i) {
    if (state.find<RoutingDomain>(n.tenants[i].toString()) == nullptr) {
      return missing("tenants[" + std::to_string(i) + "]", n.tenants[i].toString(), "routing domain");
    }
  }
  for (std::size_t i = 0; i < n.vsids.size(); ++i) {
    if (state.subnet(n.vsids[i]) == nullptr) {
      return missing("vsids[" + std::to_string(i) + "]", n.vsids[i].toString(), "virtual subnet");
    }
  }
  // A tenant with external interfaces on this gateway stays placed on it.
  for (const auto& [key, x] : state.table<ExternalInterface>()) {
    if (x.object.node == n.name && !isPlaced(n, x.object.rdid)) {
      return fieldError("tenants", x.object.rdid.toString(),
                        "must stay placed on " + n.name + ": external interface " + key + " is on it", Errc::Conflict);
    }
  }
  // A translated tenant's outside routing domain is placed beside it: the
  // gateway translates into routes and interfaces of that domain.
  for (const auto& t : n.tenants) {
    const auto* nat = state.find<NatInstance>(t.toString());
    if (nat != nullptr && !isPlaced(n, nat->object.externalRdid)) {
      return fieldError("tenants", nat->object.externalRdid.toString(),
                        "must be placed on " + n.name + " too: it is the outside (externalRdid) of nat-instance " +
                            t.toString() + ", whose routing domain is placed there",
                        Errc::Conflict);
    }
  }
  return okStatus();
}

template <>
Status checkPut(const PolicyState& state, const ProviderAddress& pa) {
  if (state.find<NodeEntry>(pa.node) == nullptr) return missing("node", pa.node, "node");
  if (const auto* x = attachmentUser(state, pa.node, pa.interface, pa.vlan, "")) {
    return fieldError("vlan", std::to_string(pa.vlan),
                      "port " + pa.interface + " " + vlanText(pa.vlan) + " of " + pa.node +
                          " carries external interface " + KindTraits<ExternalInterface>::key(x->object) +
                          " of a tenant, not the underlay",
                      Errc::Conflict);
  }
  Status result = okStatus();
  for (const auto& [key, other] : state.table<ProviderAddress>()) {
    if (other.object.address != pa.address || other.object.node == pa.node) continue;
    if (!(other.object.managedByCluster && pa.managedByCluster)) {
      return fieldError("address", pa.address.toString(),
                        "is already a provider address of node " + other.object.node +
                            " (only addresses managed by a cluster may be shared)",
                        Errc::Conflict);
    }
  }
  return result;
}

template <>
Status checkPut(const PolicyState& state, const ProviderRoute& r) {
  if (state.find<NodeEntry>(r.node) == nullptr) return missing("node", r.node, "node");
  return okStatus();
}

template <>
Status checkPut(const PolicyState&, const GlobalSettings&) {
  return okStatus();
}

template <>
Status checkPut(const PolicyState& state, const ExternalInterface& x) {
  const std::string self = KindTraits<ExternalInterface>::key(x);
  if (state.find<RoutingDomain>(x.rdid.toString()) == nullptr) return missing("rdid", x.rdid.toString(), "routing domain");
  if (x.name == kNatRouteInterface) return fieldError("name", x.name, "the name nat is reserved for routes into NAT");
  const auto* node = state.find<NodeEntry>(x.node);
  if (node == nullptr) return missing("node", x.node, "node");
  if (node->object.role != NodeRole::Gateway) {
    return fieldError("node", x.node, "is a host; external interfaces live on gateways");
  }
  if (!isPlaced(node->object, x.rdid)) {
    return fieldError("node", x.node,
                      "does not serve routing domain " + x.rdid.toString() + "; place the tenant on the gateway first");
  }
  // One tenant per VLAN of a port (and per untagged port).
  if (const auto* other = attachmentUser(state, x.node, x.port, x.vlan, self)) {
    return fieldError("vlan", std::to_string(x.vlan),
                      "port " + x.port + " " + vlanText(x.vlan) + " of " + x.node + " already carries external interface " +
                          KindTraits<ExternalInterface>::key(other->object) +
                          (other->object.rdid == x.rdid ? "" : " of another tenant"),
                      Errc::Conflict);
  }
  // An untagged interface makes the port its tenant's: no other tenant's
  // VLAN on it, and no untagged interface where other tenants have VLANs.
  for (const auto& [key, other] : state.table<ExternalInterface>()) {
    if (key == self || other.object.node != x.node || other.object.port != x.port || other.object.rdid == x.rdid) {
      continue;
    }
    if (x.vlan == 0 || other.object.vlan == 0) {
      return fieldError("vlan", std::to_string(x.vlan),
                        "port " + x.port + " of " + x.node + " is " +
                            (x.vlan == 0 ? "shared with external interface " + key + " of another tenant"
                                         : "dedicated to external interface " + key + " of another tenant") +
                            "; an untagged interface needs the port to itself",
                        Errc::Conflict);
    }
  }
  for (const auto& [key, pa] : state.table<ProviderAddress>()) {
    if (pa.object.node == x.node && pa.object.interface == x.port && pa.object.vlan == x.vlan) {
      return fieldError("vlan", std::to_string(x.vlan),
                        "port " + x.port + " " + vlanText(x.vlan) + " of " + x.node + " carries provider address " + key +
                            " (the underlay); use another VLAN",
                        Errc::Conflict);
    }
  }
  // The external networks must not overlap the tenant's virtual subnets.
  const Prefix subnet = externalSubnet(x);
  const auto subnet6 = externalSubnet6(x);
  for (const auto& [key, s] : state.table<VirtualSubnet>()) {
    if (!(s.object.rdid == x.rdid)) continue;
    for (const auto& p : s.object.prefixes) {
      if (p.prefix.overlaps(subnet)) {
        return fieldError("address", x.address.toString() + "/" + std::to_string(x.prefixLength),
                          "overlaps " + p.prefix.toString() + " of virtual subnet " + key + " in the same routing domain");
      }
      if (subnet6 && p.prefix.overlaps(*subnet6)) {
        return fieldError(
            "ipv6Address", x.address6->toString() + "/" + std::to_string(x.prefixLength6),
            "overlaps " + p.prefix.toString() + " of virtual subnet " + key + " in the same routing domain");
      }
    }
  }
  // Routes through this interface must keep their next hop on its network,
  // and IPv6 routes their IPv6 address.
  Status result = okStatus();
  state.forEachWithPrefix<GatewayRoute>(x.rdid.toString() + "/", [&](const std::string& key, const auto& r) {
    if (!result || r.object.interface != x.name) return;
    const bool v6 = !r.object.destination.isV4();
    if (v6 && !x.address6) {
      result = fieldError("ipv6Address", "", "is needed by IPv6 gateway route " + key + " through the interface");
      return;
    }
    if (r.object.nextHop.isUnspecified()) return;
    const std::string own = v6 ? x.address6->toString() : x.address.toString();
    switch (nextHopProblem(x, r.object.nextHop)) {
      case HopProblem::None:
        break;
      case HopProblem::OwnAddress:
        result = fieldError(v6 ? "ipv6Address" : "address", own, "is the next hop of gateway route " + key);
        break;
      default:
        result = fieldError(v6 ? "ipv6Address" : "address", own,
                            "would leave the next hop of gateway route " + key + " off the interface's network");
        break;
    }
  });
  return result;
}

template <>
Status checkPut(const PolicyState& state, const GatewayRoute& r) {
  if (state.find<RoutingDomain>(r.rdid.toString()) == nullptr) return missing("rdid", r.rdid.toString(), "routing domain");
  if (r.interface == kNatRouteInterface) {
    // Into the routing domain's NAT: the translation decides where the packet goes.
    if (state.find<NatInstance>(r.rdid.toString()) == nullptr) {
      return fieldError(
          "interface", r.interface,
          "routes into NAT, but routing domain " + r.rdid.toString() + " has no nat-instance; create it first");
    }
    if (!r.destination.isV4()) {
      return fieldError("destinationPrefix", r.destination.toString(),
                        "is IPv6; NAT44 (interface nat) translates IPv4 only");
    }
    if (!r.nextHop.isUnspecified()) {
      return fieldError("nextHop", r.nextHop.toString(),
                        "must be 0.0.0.0 on a route into NAT (interface nat): the translation picks the outside route");
    }
    return okStatus();
  }
  const auto* x = state.find<ExternalInterface>(r.rdid.toString() + "/" + r.interface);
  if (x == nullptr) {
    return fieldError("interface", r.interface,
                      "names no external interface of routing domain " + r.rdid.toString() + "; create it first");
  }
  if (!r.destination.isV4() && !x->object.address6) {
    return fieldError("destinationPrefix", r.destination.toString(),
                      "is IPv6, and interface " + r.interface + " has no ipv6Address; give it one first");
  }
  if (!r.nextHop.isUnspecified()) {
    switch (nextHopProblem(x->object, r.nextHop)) {
      case HopProblem::None:
        break;
      case HopProblem::OwnAddress:
        return fieldError("nextHop", r.nextHop.toString(), "is the gateway's own address on interface " + r.interface);
      case HopProblem::NoIpv6:  // refused above: an IPv6 next hop goes with an IPv6 destination
      case HopProblem::OffNetwork: {
        const auto subnet =
            r.nextHop.isV4() ? std::optional<Prefix>(externalSubnet(x->object)) : externalSubnet6(x->object);
        return fieldError("nextHop", r.nextHop.toString(),
                          "is not on the network of interface " + r.interface + " (" + subnet->toString() + ")");
      }
    }
  }
  return okStatus();
}

// --- checkRemove ---

template <>
Status checkRemove(const PolicyState& state, const RoutingDomain& d) {
  for (const auto& [key, s] : state.table<VirtualSubnet>()) {
    if (s.object.rdid == d.rdid) return inUse(d.rdid.toString(), "virtual subnet " + key + " still belongs to it");
  }
  for (const auto& [key, n] : state.table<NodeEntry>()) {
    for (const auto& t : n.object.tenants) {
      if (t == d.rdid) return inUse(d.rdid.toString(), "it is still placed on gateway " + key);
    }
  }
  std::string who;
  state.forEachWithPrefix<ExternalInterface>(d.rdid.toString() + "/", [&](const std::string& key, const auto&) {
    if (who.empty()) who = "external interface " + key;
  });
  state.forEachWithPrefix<GatewayRoute>(d.rdid.toString() + "/", [&](const std::string& key, const auto&) {
    if (who.empty()) who = "gateway route " + key;
  });
  // The NAT kinds of the domain: its instance's removal checks the rest.
  if (who.empty() && state.find<NatInstance>(d.rdid.toString()) != nullptr) who = "nat-instance " + d.rdid.toString();
  if (!who.empty()) return inUse(d.rdid.toString(), who + " still belongs to it; remove that first");
  for (const auto& [key, x] : state.table<VpnS2sInterface>()) {
    if (x.object.rdid == d.rdid || x.object.externalRdid == d.rdid) {
      return inUse(d.rdid.toString(), "vpn-s2s-interface " + key + " still uses it; remove that first");
    }
  }
  for (const auto& [key, nat] : state.table<NatInstance>()) {
    if (nat.object.externalRdid == d.rdid) {
      return inUse(d.rdid.toString(),
                   "nat-instance " + key + " still uses it as its outside (externalRdid); remove or change that first");
    }
  }
  return okStatus();
}

template <>
Status checkRemove(const PolicyState& state, const VirtualSubnet& s) {
  std::string who;
  state.forEachWithPrefix<LookupRecord>(lookupRecordPrefix(s.vsid), [&](const std::string& key, const auto&) {
    if (who.empty()) who = "lookup record " + key;
  });
  state.forEachWithPrefix<CustomerRoute>(s.rdid.toString() + "/" + s.vsid.toString() + "/",
                                         [&](const std::string& key, const auto&) {
                                           if (who.empty()) who = "customer route " + key;
                                         });
  for (const auto& [key, n] : state.table<NodeEntry>()) {
    for (auto v : n.object.vsids) {
      if (who.empty() && v == s.vsid) who = "node " + key;
    }
  }
  for (const auto& [key, p] : state.table<VmPort>()) {
    if (who.empty() && p.object.vsid == s.vsid) who = "VM port " + key;
  }
  if (!who.empty()) return inUse(s.vsid.toString(), who + " still refers to it; remove that first");
  return okStatus();
}

template <>
Status checkRemove(const PolicyState& state, const NodeEntry& n) {
  std::string who;
  state.forEachWithPrefix<ProviderAddress>(n.name + "/", [&](const std::string& key, const auto&) {
    if (who.empty()) who = "provider address " + key;
  });
  state.forEachWithPrefix<ProviderRoute>(n.name + "/", [&](const std::string& key, const auto&) {
    if (who.empty()) who = "provider route " + key;
  });
  for (const auto& [key, x] : state.table<ExternalInterface>()) {
    if (who.empty() && x.object.node == n.name) who = "external interface " + key;
  }
  state.forEachWithPrefix<VmPort>(n.name + "/", [&](const std::string& key, const auto&) {
    if (who.empty()) who = "VM port " + key;
  });
  if (who.empty() && state.find<GatewayCluster>(n.name) != nullptr) who = "gateway cluster " + n.name;
  if (!who.empty()) return inUse(n.name, who + " still belongs to it; remove that first");
  return okStatus();
}

template <>
Status checkRemove(const PolicyState& state, const ExternalInterface& x) {
  std::string who;
  state.forEachWithPrefix<GatewayRoute>(x.rdid.toString() + "/", [&](const std::string& key, const auto& r) {
    if (who.empty() && r.object.interface == x.name) who = "gateway route " + key;
  });
  if (!who.empty()) return inUse(KindTraits<ExternalInterface>::key(x), who + " still uses it; remove that first");
  return okStatus();
}

template <class T>
Status checkRemove(const PolicyState&, const T&) {
  return okStatus();
}

template Status checkRemove(const PolicyState&, const LookupRecord&);
template Status checkRemove(const PolicyState&, const CustomerRoute&);
template Status checkRemove(const PolicyState&, const ProviderAddress&);
template Status checkRemove(const PolicyState&, const ProviderRoute&);
template Status checkRemove(const PolicyState&, const GlobalSettings&);
template Status checkRemove(const PolicyState&, const GatewayRoute&);
template Status checkRemove(const PolicyState&, const NatStaticMapping&);

// --- owningDomain ---

template <>
std::optional<Rdid> owningDomain(const PolicyState&, const RoutingDomain& v) {
  return v.rdid;
}
template <>
std::optional<Rdid> owningDomain(const PolicyState&, const VirtualSubnet& v) {
  return v.rdid;
}
template <>
std::optional<Rdid> owningDomain(const PolicyState& state, const LookupRecord& v) {
  const auto* s = state.subnet(v.vsid);
  if (s == nullptr) return std::nullopt;
  return s->rdid;
}
template <>
std::optional<Rdid> owningDomain(const PolicyState&, const CustomerRoute& v) {
  return v.rdid;
}
template <>
std::optional<Rdid> owningDomain(const PolicyState&, const ExternalInterface& v) {
  return v.rdid;
}
template <>
std::optional<Rdid> owningDomain(const PolicyState&, const GatewayRoute& v) {
  return v.rdid;
}
template <class T>
std::optional<Rdid> owningDomain(const PolicyState&, const T&) {
  return std::nullopt;
}
template std::optional<Rdid> owningDomain(const PolicyState&, const NodeEntry&);
template std::optional<Rdid> owningDomain(const PolicyState&, const ProviderAddress&);
template std::optional<Rdid> owningDomain(const PolicyState&, const ProviderRoute&);
template std::optional<Rdid> owningDomain(const PolicyState&, const GlobalSettings&);

}  // namespace hnv::policy
