// Rules across objects for the NAT44 kinds. A routing domain's NAT instance
// names its outside routing domain, which must be placed on every gateway
// the tenant is placed on; external addresses are unique per outside domain;
// a static mapping uses one of its domain's external addresses at a port
// outside that address's dynamic range, and gives an inside endpoint one
// mapping. The rules these kinds add to other kinds (routing domain removal,
// gateway placement, routes into NAT, the reserved interface name) are in
// references.cc.
#include "hnv/policy/references.h"
#include "references_detail.h"

namespace hnv::policy {

using detail::inUse;
using detail::isPlaced;
using detail::missing;

namespace {

// The NAT instance of `rdid`, or an error at rdid saying that the object
// (a `noun`) needs one.
Result<const NatInstance*> natInstanceOf(const PolicyState& state, const Rdid& rdid, std::string_view noun) {
  const auto* nat = state.find<NatInstance>(rdid.toString());
  if (nat == nullptr) {
    return fieldError(
        "rdid", rdid.toString(),
        "has no nat-instance; create the routing domain's nat-instance before its " + std::string(noun) + "s");
  }
  return &nat->object;
}

// Another NAT instance's external address equal to `address` in the outside
// domain `outside`, other than one of `self`'s; its key, or empty.
std::string outsideAddressUser(const PolicyState& state, const Rdid& self, const Rdid& outside, const IpAddr& address) {
  for (const auto& [key, a] : state.table<NatExternalAddress>()) {
    if (a.object.address != address || a.object.rdid == self) continue;
    const auto* nat = state.find<NatInstance>(a.object.rdid.toString());
    if (nat != nullptr && nat->object.externalRdid == outside) return key;
  }
  return {};
}

std::string rangeText(const NatExternalAddress& a) {
  return std::to_string(a.firstPort) + ".." + std::to_string(a.lastPort);
}

bool inDynamicRange(const NatExternalAddress& a, std::uint16_t port) {
  return port >= a.firstPort && port <= a.lastPort;
}

// The static mappings of `a`'s routing domain that use its address.
template <class F>
void forEachMappingOf(const PolicyState& state, const NatExternalAddress& a, F&& f) {
  state.forEachWithPrefix<NatStaticMapping>(a.rdid.toString() + "/", [&](const std::string& key, const auto& m) {
    if (m.object.externalAddress == a.address) f(key, m.object);
  });
}

}  // namespace

// --- checkPut ---

template <>
Status checkPut(const PolicyState& state, const NatInstance& nat) {
  if (state.find<RoutingDomain>(nat.rdid.toString()) == nullptr) {
    return missing("rdid", nat.rdid.toString(), "routing domain");
  }
  if (state.find<RoutingDomain>(nat.externalRdid.toString()) == nullptr) {
    return missing("externalRdid", nat.externalRdid.toString(), "routing domain");
  }
  // A gateway holds the outside domain of every tenant it translates.
  for (const auto& [key, node] : state.table<NodeEntry>()) {
    if (isPlaced(node.object, nat.rdid) && !isPlaced(node.object, nat.externalRdid)) {
      return fieldError("externalRdid", nat.externalRdid.toString(),
                        "is not placed on gateway " + key + ", which serves routing domain " + nat.rdid.toString() +
                            "; place the outside domain on every gateway of the tenant first");
    }
  }
  // A new outside domain must not already hold one of this instance's addresses.
  std::string clash;
  state.forEachWithPrefix<NatExternalAddress>(nat.rdid.toString() + "/", [&](const std::string& key, const auto& a) {
    auto other = clash.empty() ? outsideAddressUser(state, nat.rdid, nat.externalRdid, a.object.address) : "";
    if (!other.empty()) clash = "external address " + key + " is already nat-external-address " + other;
  });
  if (!clash.empty()) {
    return fieldError("externalRdid", nat.externalRdid.toString(),
                      clash + " in that routing domain; addresses are unique per outside domain", Errc::Conflict);
  }
  return okStatus();
}

template <>
Status checkPut(const PolicyState& state, const NatExternalAddress& a) {
  auto nat = natInstanceOf(state, a.rdid, KindTraits<NatExternalAddress>::kNoun);
  if (!nat) return nat.error();
  auto other = outsideAddressUser(state, a.rdid, (*nat)->externalRdid, a.address);
  if (!other.empty()) {
    return fieldError("address", a.address.toString(),
                      "is already nat-external-address " + other + " in outside routing domain " +
                          (*nat)->externalRdid.toString() + "; addresses are unique per outside domain",
                      Errc::Conflict);
  }
  // The dynamic range must not swallow a static mapping's port.
  const auto* before = state.find<NatExternalAddress>(KindTraits<NatExternalAddress>::key(a));
  Status result = okStatus();
  forEachMappingOf(state, a, [&](const std::string& key, const NatStaticMapping& m) {
    if (!result || !inDynamicRange(a, m.externalPort)) return;
    bool lowered = before != nullptr && m.externalPort < before->object.firstPort;
    result =
        fieldError(lowered ? "firstPort" : "lastPort", std::to_string(lowered ? a.firstPort : a.lastPort),
                   "would put port " + std::to_string(m.externalPort) + " of static mapping " + key +
                       " inside the dynamic range " + rangeText(a) + "; remove the mapping or choose another range",
                   Errc::Conflict);
  });
  return result;
}

template <>
Status checkPut(const PolicyState& state, const NatStaticMapping& m) {
  auto nat = natInstanceOf(state, m.rdid, KindTraits<NatStaticMapping>::kNoun);
  if (!nat) return nat.error();
  const auto* address = state.find<NatExternalAddress>(m.rdid.toString() + "/" + m.externalAddress.toString());
  if (address == nullptr) {
    return fieldError("externalAddress", m.externalAddress.toString(),
                      "is no nat-external-address of routing domain " + m.rdid.toString() + "; create it first");
  }
  if (inDynamicRange(address->object, m.externalPort)) {
    return fieldError("externalPort", std::to_string(m.externalPort),
                      "lies in the dynamic range " + rangeText(address->object) + " of external address " +
                          m.externalAddress.toString() + "; use a port outside it or narrow the range first");
  }
  // One static mapping per inside endpoint: a reply must have one outside.
  const std::string self = KindTraits<NatStaticMapping>::key(m);
  std::string other;
  state.forEachWithPrefix<NatStaticMapping>(m.rdid.toString() + "/", [&](const std::string& key, const auto& o) {
    if (other.empty() && key != self && o.object.protocol == m.protocol &&
        o.object.internalAddress == m.internalAddress && o.object.internalPort == m.internalPort) {
      other = key;
    }
  });
  if (!other.empty()) {
    return fieldError("internalPort", std::to_string(m.internalPort),
                      std::string(natProtocolName(m.protocol)) + " " + m.internalAddress.toString() + ":" +
                          std::to_string(m.internalPort) + " already has static mapping " + other +
                          "; an inside endpoint has one static mapping per routing domain",
                      Errc::Conflict);
  }
  return okStatus();
}

// --- checkRemove ---

template <>
Status checkRemove(const PolicyState& state, const NatInstance& nat) {
  const std::string prefix = nat.rdid.toString() + "/";
  std::string who;
  state.forEachWithPrefix<NatExternalAddress>(prefix, [&](const std::string& key, const auto&) {
    if (who.empty()) who = "nat-external-address " + key;
  });
  state.forEachWithPrefix<NatStaticMapping>(prefix, [&](const std::string& key, const auto&) {
    if (who.empty()) who = "nat-static-mapping " + key;
  });
  state.forEachWithPrefix<GatewayRoute>(prefix, [&](const std::string& key, const auto& r) {
    if (who.empty() && r.object.interface == kNatRouteInterface) who = "gateway route " + key;
  });
  if (!who.empty()) return inUse(nat.rdid.toString(), who + " still uses it; remove that first");
  return okStatus();
}

template <>
Status checkRemove(const PolicyState& state, const NatExternalAddress& a) {
  std::string who;
  forEachMappingOf(state, a, [&](const std::string& key, const NatStaticMapping&) {
    if (who.empty()) who = "nat-static-mapping " + key;
  });
  if (!who.empty()) return inUse(KindTraits<NatExternalAddress>::key(a), who + " still uses it; remove that first");
  return okStatus();
}

// --- owningDomain ---

template <>
std::optional<Rdid> owningDomain(const PolicyState&, const NatInstance& v) {
  return v.rdid;
}
template <>
std::optional<Rdid> owningDomain(const PolicyState&, const NatExternalAddress& v) {
  return v.rdid;
}
template <>
std::optional<Rdid> owningDomain(const PolicyState&, const NatStaticMapping& v) {
  return v.rdid;
}

}  // namespace hnv::policy
