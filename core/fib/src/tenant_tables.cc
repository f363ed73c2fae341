#include "hnv/fib/tenant_tables.h"

#include <algorithm>
#include <map>

namespace hnv::fib {

namespace {

template <std::size_t N, class Addr>
typename LpmTrie<N>::Prefix lpmPrefix(const Addr& network, unsigned length, std::uint32_t value) {
  typename LpmTrie<N>::Prefix p;
  network.toBytes(p.network.data());
  p.length = static_cast<std::uint8_t>(length);
  p.value = value;
  return p;
}

}  // namespace

namespace {

bool sameNetwork(const TenantInterface& a, const TenantInterface& b) {
  return a.name == b.name && a.port == b.port && a.vlan == b.vlan && a.address == b.address &&
         a.prefixLength == b.prefixLength && a.address6 == b.address6 &&
         a.prefixLength6 == b.prefixLength6;  // proxy ARP addresses may change: the neighbours stay
}

}  // namespace

Result<TenantTables> TenantTables::build(std::vector<TenantInterface> interfaces, std::vector<TenantRoute> routes,
                                         const TenantTables* previous, const CounterIdsOf& counters,
                                         const IcmpSources6& icmpSources6) {
  TenantTables t;
  t.lastScope_ = previous != nullptr ? previous->lastScope_ : kUnderlay;
  for (auto& x : interfaces) {
    std::sort(x.proxyArp.begin(), x.proxyArp.end());
    std::sort(x.proxyNd.begin(), x.proxyNd.end());
    x.scope = kUnderlay;
    if (previous != nullptr) {
      for (const auto& old : previous->interfaces_) {
        if (sameNetwork(old, x)) x.scope = old.scope;
      }
    }
    if (x.scope == kUnderlay) x.scope = ++t.lastScope_;
  }
  if (interfaces.size() >= UINT16_MAX) {
    return makeError(Errc::OutOfRange, "interfaces", std::to_string(interfaces.size()), "more than 65535 external interfaces");
  }
  for (std::size_t i = 0; i < interfaces.size(); ++i) {
    const auto& x = interfaces[i];
    if (x.vlan > 4095) return makeError(Errc::InvalidArgument, "interfaces", x.name, "VLAN ids go up to 4095");
    if (t.byPortVlan_.size() <= x.port) t.byPortVlan_.resize(x.port + 1u);
    auto& slots = t.byPortVlan_[x.port];
    if (slots.empty()) slots.assign(4096, 0);
    if (slots[x.vlan] != 0) {
      return makeError(Errc::Conflict, "interfaces", x.name,
                       "uses the port and VLAN " + std::to_string(x.vlan) + " of " + interfaces[slots[x.vlan] - 1].name);
    }
    slots[x.vlan] = static_cast<std::uint16_t>(i + 1);
    t.byScope_.emplace(x.scope, static_cast<std::uint16_t>(i));
  }
  // Per tenant and prefix, the route with the lowest metric (the first on a tie).
  std::map<std::uint32_t, std::map<Prefix, TenantRoute>> best;
  for (auto& r : routes) {
    if (r.target.kind == RouteKind::External) {
      if (r.target.iface >= interfaces.size()) {
        return makeError(Errc::InvalidArgument, "routes", r.prefix.toString(), "names an interface that does not exist");
      }
      if (interfaces[r.target.iface].tenant != r.tenant) {
        return makeError(Errc::InvalidArgument, "routes", r.prefix.toString(),
                         "leaves through interface " + interfaces[r.target.iface].name + " of another tenant");
      }
    }
    auto& slot = best[r.tenant.index()];
    auto it = slot.find(r.prefix);
    if (it == slot.end()) {
      slot.emplace(r.prefix, std::move(r));
    } else if (r.metric < it->second.metric) {
      it->second = std::move(r);
    }
  }
  for (const auto& [tenant, byPrefix] : best) {
    if (t.vrfs_.size() <= tenant) t.vrfs_.resize(tenant + 1u);
    Vrf vrf;
    std::vector<Lpm4::Prefix> v4;
    std::vector<Lpm6::Prefix> v6;
    for (const auto& [prefix, route] : byPrefix) {
      const auto value = static_cast<std::uint32_t>(vrf.targets_.size());
      vrf.targets_.push_back(route.target);
      vrf.routes_.push_back(route);
      if (prefix.isV4()) {
        v4.push_back(lpmPrefix<4>(prefix.v4().network(), prefix.length(), value));
      } else {
        v6.push_back(lpmPrefix<16>(prefix.v6().network(), prefix.length(), value));
      }
    }
    for (const auto& x : interfaces) {
      if (x.tenant.index() == tenant) {
        vrf.icmpSource_ = x.address;
        break;
      }
    }
    if (auto it = icmpSources6.find(tenant); it != icmpSources6.end()) {
      vrf.icmpSource6_ = it->second;
    } else {
      // A tenant without an IPv6 virtual subnet answers from its first
      // external interface's IPv6 address.
      for (const auto& x : interfaces) {
        if (x.tenant.index() == tenant && x.address6) {
          vrf.icmpSource6_ = x.address6;
          break;
        }
      }
    }
    if (counters) vrf.counters_ = counters(TenantId(tenant));
    vrf.v4_ = Lpm4::build(std::move(v4));
    vrf.v6_ = Lpm6::build(std::move(v6));
    t.vrfs_[tenant] = std::move(vrf);
  }
  t.interfaces_ = std::move(interfaces);
  return t;
}

std::size_t TenantTables::vrfCount() const {
  return static_cast<std::size_t>(std::count_if(vrfs_.begin(), vrfs_.end(), [](const auto& v) { return v.has_value(); }));
}

}  // namespace hnv::fib
