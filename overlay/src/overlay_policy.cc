#include "hnv/overlay/overlay_policy.h"

#include <algorithm>
#include <functional>

#include "hnv/base/config_node.h"
#include "hnv/policy/document.h"
#include "hnv/policy/kinds.h"

namespace hnv::overlay {

namespace json = boost::json;
using policy::KindTraits;
using policy::RecordType;

Result<OverlayPolicy> OverlayPolicy::compile(const json::object& desired, const OverlayPolicy* previous,
                                             std::span<const VmPortBinding> ports) {
  OverlayPolicy p;
  const auto* rev = desired.if_contains("revision");
  if (rev == nullptr || !rev->is_number()) return makeError(Errc::Malformed, "revision", "", "is required (a number)");
  p.revision_ = rev->to_number<std::uint64_t>();
  if (const auto* g = desired.if_contains(KindTraits<policy::GlobalSettings>::kName); g != nullptr) {
    auto global = KindTraits<policy::GlobalSettings>::fromJson(ConfigNode(g, std::string(KindTraits<policy::GlobalSettings>::kName)));
    if (!global) return global.error();
    p.dynamicAging_ = global->dynamicRecordAgingSeconds;
  }

  auto domains = policy::documentItems<policy::RoutingDomain>(desired);
  if (!domains) return domains.error();
  auto subnets = policy::documentItems<policy::VirtualSubnet>(desired);
  if (!subnets) return subnets.error();
  auto records = policy::documentItems<policy::LookupRecord>(desired);
  if (!records) return records.error();
  auto pas = policy::documentItems<policy::ProviderAddress>(desired);
  if (!pas) return pas.error();
  auto underlayRoutes = policy::documentItems<policy::ProviderRoute>(desired);
  if (!underlayRoutes) return underlayRoutes.error();

  // Tenant indexes: a routing domain keeps the index it had; new ones take
  // the next index never used by the previous snapshot.
  std::uint32_t next = 1;
  if (previous != nullptr) {
    for (const auto& [rdid, t] : previous->tenants_) next = std::max(next, t.index() + 1);
  }
  for (const auto& d : *domains) {
    std::optional<TenantId> kept = previous != nullptr ? previous->tenant(d.rdid) : std::nullopt;
    const TenantId t = kept ? *kept : TenantId(next++);
    p.tenants_.emplace(d.rdid, t);
    p.rdids_.emplace(t.index(), d.rdid);
  }
  for (const auto& pa : *pas) p.ownPas_.insert(pa.address);
  // Routes through a gateway; an on-link route (next hop 0.0.0.0 or ::) adds
  // nothing: a PA subnet is on-link already. A next hop of the other family
  // than the destination cannot carry it (the engine refuses it too).
  for (const auto& r : *underlayRoutes) {
    if (r.nextHop.isUnspecified() || r.destination.isV4() != r.nextHop.isV4()) continue;
    if (r.destination.isV4()) {
      p.providerRoutes4_.push_back({r.destination.v4(), r.nextHop.v4(), r.metric});
    } else {
      p.providerRoutes6_.push_back({r.destination.v6(), r.nextHop.v6(), r.metric});
    }
  }
  auto specificFirst = [](const auto& a, const auto& b) {
    return a.destination.length() != b.destination.length() ? a.destination.length() > b.destination.length()
                                                            : a.metric < b.metric;
  };
  std::stable_sort(p.providerRoutes4_.begin(), p.providerRoutes4_.end(), specificFirst);
  std::stable_sort(p.providerRoutes6_.begin(), p.providerRoutes6_.end(), specificFirst);

  for (std::size_t i = 0; i < subnets->size(); ++i) {
    const auto& s = (*subnets)[i];
    auto t = p.tenant(s.rdid);
    if (!t) {
      return makeError(Errc::Malformed, "virtual-subnets[" + std::to_string(i) + "].rdid", s.rdid.toString(),
                       "is not among the routing domains of the desired state");
    }
    VsidInfo info{*t, s.rdid, s.defaultGatewayMac, {}, s.multicastGroup, {}};
    for (const auto& pre : s.prefixes) info.routerAddresses.push_back(pre.defaultGateway);
    p.vsids_.emplace(s.vsid.value(), std::move(info));
  }

  for (std::size_t i = 0; i < records->size(); ++i) {
    const auto& r = (*records)[i];
    auto it = p.vsids_.find(r.vsid.value());
    if (it == p.vsids_.end()) {
      return makeError(Errc::Malformed, "lookup-records[" + std::to_string(i) + "].vsid", r.vsid.toString(),
                       "is not among the virtual subnets of the desired state");
    }
    RecordEntry e{r.pa, r.mac, r.type};
    switch (r.type) {
      case RecordType::Static:
      case RecordType::Dynamic:
        p.byCa_.insertOrAssign(CaKey{r.vsid.value(), r.ca}, e);
        // A CA record names the MAC's location better than an L2Only one.
        p.byMac_.insertOrAssign(MacKey{r.vsid.value(), r.mac}, e);
        break;
      case RecordType::L2Only:
        p.byMac_.tryEmplace(MacKey{r.vsid.value(), r.mac}, e);
        p.l2Only_.insert(MacKey{r.vsid.value(), r.mac});
        break;
      case RecordType::GatewayWildcard:
        (r.ca.isV4() ? p.wildcard4_ : p.wildcard6_).insert_or_assign(r.vsid.value(), e);
        p.byMac_.tryEmplace(MacKey{r.vsid.value(), r.mac}, e);
        break;
    }
    if (r.type == RecordType::Static || r.type == RecordType::Dynamic) {
      p.routes_.insert_or_assign(CaKey{it->second.tenant.index(), r.ca}, RoutedEntry{r.vsid, e});
    }
    auto& remote = it->second.remotePas;
    if (!p.ownsPa(r.pa) && std::find(remote.begin(), remote.end(), r.pa) == remote.end()) remote.push_back(r.pa);
  }
  for (auto& [v, info] : p.vsids_) std::sort(info.remotePas.begin(), info.remotePas.end());
  // This node is the gateway of the VSIDs whose GatewayWildcard names one of its PAs.
  for (const auto* table : {&p.wildcard4_, &p.wildcard6_}) {
    for (const auto& [v, e] : *table) {
      if (p.ownsPa(e.pa)) p.gatewayHere_.try_emplace(v, e);
    }
  }
  p.bindPorts(ports);
  return p;
}

void OverlayPolicy::bindPorts(std::span<const VmPortBinding> ports) {
  for (const auto& b : ports) {
    if (b.port >= vmPorts_.size()) {
      vmPorts_.resize(b.port + 1u);
      learnsByPort_.resize(b.port + 1u, 0);
    }
    vmPorts_[b.port] = b;
    learnsByPort_[b.port] = learnsCas(b.vsid, b.mac) ? 1 : 0;
    portByMac_.insertOrAssign(MacKey{b.vsid.value(), b.mac}, b.port);
    portsByVsid_[b.vsid.value()].push_back(b.port);
  }
}

std::optional<std::uint16_t> OverlayPolicy::localPort(Vsid v, const MacAddr& mac) const {
  const std::uint16_t* port = portByMac_.find(MacKey{v.value(), mac});
  if (port == nullptr) return std::nullopt;
  return *port;
}

std::span<const std::uint16_t> OverlayPolicy::localPorts(Vsid v) const {
  auto it = portsByVsid_.find(v.value());
  if (it == portsByVsid_.end()) return {};
  return it->second;
}

const RoutedEntry* OverlayPolicy::route(TenantId tenant, const IpAddr& ca) const {
  auto it = routes_.find(CaKey{tenant.index(), ca});
  return it == routes_.end() ? nullptr : &it->second;
}

const VsidInfo* OverlayPolicy::vsid(Vsid v) const {
  auto it = vsids_.find(v.value());
  return it == vsids_.end() ? nullptr : &it->second;
}

std::optional<TenantId> OverlayPolicy::tenant(const Rdid& rdid) const {
  auto it = tenants_.find(rdid);
  if (it == tenants_.end()) return std::nullopt;
  return it->second;
}

bool OverlayPolicy::isRouterAddress(Vsid v, const IpAddr& a) const {
  const VsidInfo* info = vsid(v);
  return info != nullptr && std::find(info->routerAddresses.begin(), info->routerAddresses.end(), a) !=
                                info->routerAddresses.end();
}

NeighborAnswer OverlayPolicy::answerNeighbor(Vsid v, const IpAddr& target, const MacAddr& asker) const {
  if (isRouterAddress(v, target)) return {NeighborAnswer::Kind::Router, vsid(v)->routerMac};
  const RecordEntry* r = byCa(v, target);
  if (r == nullptr) return {NeighborAnswer::Kind::Unknown, {}};
  if (r->mac == asker) return {NeighborAnswer::Kind::OwnAddress, {}};
  return {NeighborAnswer::Kind::Record, r->mac};
}

const RecordEntry* OverlayPolicy::byCa(Vsid v, const IpAddr& ca) const {
  return byCa_.find(CaKey{v.value(), ca});
}

const RecordEntry* OverlayPolicy::byMac(Vsid v, const MacAddr& mac) const {
  return byMac_.find(MacKey{v.value(), mac});
}

std::optional<Rdid> OverlayPolicy::rdidOf(TenantId tenant) const {
  auto it = rdids_.find(tenant.index());
  if (it == rdids_.end()) return std::nullopt;
  return it->second;
}

const RecordEntry* OverlayPolicy::gatewayHere(Vsid v) const {
  auto it = gatewayHere_.find(v.value());
  return it == gatewayHere_.end() ? nullptr : &it->second;
}

const RecordEntry* OverlayPolicy::wildcard(Vsid v, bool ipv6) const {
  const auto& table = ipv6 ? wildcard6_ : wildcard4_;
  auto it = table.find(v.value());
  return it == table.end() ? nullptr : &it->second;
}

InboundVerdict OverlayPolicy::checkInbound(Vsid v, const std::optional<IpAddr>& innerCa, const MacAddr& innerMac,
                                           const IpAddr& outerPa) const {
  const VsidInfo* info = vsid(v);
  if (info == nullptr) return InboundVerdict::UnknownVsid;
  bool wrongPa = false;
  // Routed by the sender's distributed router: the inner source MAC is this
  // VSID's router MAC and the source CA a VM of the same routing domain.
  if (innerMac == info->routerMac && innerCa && !innerCa->isUnspecified()) {
    if (const RoutedEntry* e = route(info->tenant, *innerCa)) {
      if (e->record.pa == outerPa) return InboundVerdict::Accept;
      wrongPa = true;
    }
  }
  if (innerCa && !innerCa->isUnspecified()) {
    if (const auto* r = byCa(v, *innerCa)) {
      if (r->mac == innerMac && r->pa == outerPa) return InboundVerdict::Accept;
      wrongPa = r->mac == innerMac;
    }
  }
  // A MAC whose CAs are still being learned (L2Only), or a frame with no IP
  // source, is placed by its MAC and PA.
  if (const auto* r = byMac(v, innerMac)) {
    bool byMacOnly = r->type == RecordType::L2Only || !innerCa || innerCa->isUnspecified();
    if (byMacOnly && r->pa == outerPa) return InboundVerdict::Accept;
    wrongPa = wrongPa || (byMacOnly && r->pa != outerPa);
  }
  // Everything outside the virtual network comes from the VSID's gateway.
  if (const auto* w = wildcard(v, innerCa && innerCa->isV6())) {
    if (w->mac == innerMac && w->pa == outerPa) return InboundVerdict::Accept;
  }
  return wrongPa ? InboundVerdict::WrongPa : InboundVerdict::NoMatchingRecord;
}

}  // namespace hnv::overlay
