#include "hnv/gateway/tenant_compile.h"

#include <map>
#include <string>

#include "hnv/base/log.h"
#include "hnv/policy/document.h"

namespace hnv::gateway {

namespace {

const Logger kLog("gateway");

std::string at(std::string_view kind, std::size_t i) { return std::string(kind) + "[" + std::to_string(i) + "]"; }

}  // namespace

std::optional<fib::TenantCounterIds> registerTenantCounters(CounterRegistry& reg, const Rdid& rdid) {
  const std::string tenant = rdid.toString();
  static constexpr std::string_view kPaths[] = {"from-overlay", "from-external", "to-overlay", "to-external"};
  fib::TenantCounterIds ids;
  for (std::size_t i = 0; i < 4; ++i) {
    std::vector<CounterLabel> labels{{"tenant", tenant}, {"path", std::string(kPaths[i])}};
    auto p = reg.add({"hnv_tenant_packets_total", labels, "Packets of a tenant routed by the gateway, by path"});
    auto b = reg.add({"hnv_tenant_bytes_total", labels, "IP bytes of a tenant routed by the gateway, by path"});
    if (!p || !b) {
      kLog.warn("counter registry full: tenant not counted", {{"tenant", tenant}});
      return std::nullopt;
    }
    ids.packets[i] = *p;
    ids.bytes[i] = *b;
  }
  auto d = reg.add({"hnv_tenant_drops_total", {{"tenant", tenant}}, "Packets of a tenant the gateway dropped"});
  if (!d) {
    kLog.warn("counter registry full: tenant not counted", {{"tenant", tenant}, {"error", d.error().message()}});
    return std::nullopt;
  }
  ids.drops = *d;
  return ids;
}

Result<fib::TenantTables> compileTenantTables(const boost::json::object& desired, const overlay::OverlayPolicy& pol,
                                              std::string_view node, const PortLookup& ports,
                                              const fib::TenantTables* previous,
                                              const fib::TenantTables::CounterIdsOf& counters,
                                              const std::vector<fib::TenantRoute>& vpnRoutes) {
  using policy::KindTraits;
  auto subnets = policy::documentItems<policy::VirtualSubnet>(desired);
  if (!subnets) return subnets.error();
  auto customerRoutes = policy::documentItems<policy::CustomerRoute>(desired);
  if (!customerRoutes) return customerRoutes.error();
  auto externals = policy::documentItems<policy::ExternalInterface>(desired);
  if (!externals) return externals.error();
  auto gatewayRoutes = policy::documentItems<policy::GatewayRoute>(desired);
  if (!gatewayRoutes) return gatewayRoutes.error();
  auto natInstances = policy::documentItems<policy::NatInstance>(desired);
  if (!natInstances) return natInstances.error();
  auto natAddresses = policy::documentItems<policy::NatExternalAddress>(desired);
  if (!natAddresses) return natAddresses.error();

  std::vector<fib::TenantInterface> interfaces;
  std::vector<fib::TenantRoute> routes;
  std::map<std::string, std::uint16_t, std::less<>> byKey;  // "<rdid>/<name>" -> interface index

  fib::TenantTables::IcmpSources6 icmpSources6;  // the first IPv6 default gateway of each tenant's subnets
  for (const auto& s : *subnets) {
    auto tenant = pol.tenant(s.rdid);
    if (!tenant) continue;  // the overlay compile refuses such a document first
    for (const auto& p : s.prefixes) {
      routes.push_back({*tenant, p.prefix, 0, {fib::RouteKind::Overlay, 0, std::nullopt},
                        "virtual subnet " + s.vsid.toString()});
      if (p.defaultGateway.isV6() && !p.defaultGateway.isUnspecified()) {
        icmpSources6.try_emplace(tenant->index(), p.defaultGateway.v6());
      }
    }
  }
  for (const auto& c : *customerRoutes) {
    auto tenant = pol.tenant(c.rdid);
    if (!tenant) continue;
    fib::RouteTarget target{fib::RouteKind::Overlay, 0, std::nullopt};
    if (!c.nextHop.isUnspecified()) {
      // The hosts' route toward this gateway's own CA is theirs, not ours.
      const overlay::RoutedEntry* hop = pol.route(*tenant, c.nextHop);
      if (hop != nullptr && pol.ownsPa(hop->record.pa)) continue;
      target.nextHop = c.nextHop;
    }
    routes.push_back({*tenant, c.destination, c.metric, target, "customer route " + KindTraits<policy::CustomerRoute>::key(c)});
  }
  for (std::size_t i = 0; i < externals->size(); ++i) {
    const auto& x = (*externals)[i];
    if (x.node != node) continue;  // another gateway's
    const std::string where = at(KindTraits<policy::ExternalInterface>::kName, i);
    auto tenant = pol.tenant(x.rdid);
    if (!tenant) {
      return makeError(Errc::Malformed, where + ".rdid", x.rdid.toString(), "is not among the routing domains of the desired state");
    }
    auto port = ports(x.port);
    if (!port) return makeError(Errc::NotFound, where + ".port", x.port, "names no port of this gateway's configuration");
    if (x.vlan == 0 && port->carriesUnderlay) {
      return makeError(Errc::Conflict, where + ".vlan", "0",
                       "port " + x.port + " carries provider addresses untagged; give the tenant a VLAN or its own port");
    }
    if (x.mtu > port->mtu) {
      return makeError(Errc::InvalidArgument, where + ".mtu", std::to_string(x.mtu),
                       "exceeds the MTU " + std::to_string(port->mtu) + " of port " + x.port);
    }
    fib::TenantInterface t;
    t.name = KindTraits<policy::ExternalInterface>::key(x);
    t.tenant = *tenant;
    t.port = port->id;
    t.vlan = x.vlan;
    t.mac = x.mac ? *x.mac : port->mac;
    t.mtu = x.mtu != 0 ? x.mtu : port->mtu;
    t.address = x.address.v4();
    t.prefixLength = x.prefixLength;
    t.address6 = x.address6;
    t.prefixLength6 = x.prefixLength6;
    const auto index = static_cast<std::uint16_t>(interfaces.size());
    byKey.emplace(t.name, index);
    interfaces.push_back(std::move(t));
    const auto subnet = *Prefix4::make(maskAddress(x.address.v4(), x.prefixLength), x.prefixLength);
    routes.push_back({*tenant, subnet, 0, {fib::RouteKind::External, index, std::nullopt}, "interface " + x.name});
    routes.push_back({*tenant, *Prefix4::make(x.address.v4(), 32), 0, {fib::RouteKind::Local, index, std::nullopt},
                      "address of interface " + x.name});
    if (x.address6) {
      routes.push_back({*tenant,
                        *Prefix6::make(maskAddress(*x.address6, x.prefixLength6), x.prefixLength6),
                        0,
                        {fib::RouteKind::External, index, std::nullopt},
                        "interface " + x.name});
      routes.push_back({*tenant,
                        *Prefix6::make(*x.address6, 128),
                        0,
                        {fib::RouteKind::Local, index, std::nullopt},
                        "IPv6 address of interface " + x.name});
    }
  }
  // NAT44: the outside domain of each placed instance, by the tenant's rdid.
  std::map<std::string, TenantId, std::less<>> natOutside;
  for (const auto& n : *natInstances) {
    auto tenant = pol.tenant(n.rdid);
    auto outside = pol.tenant(n.externalRdid);
    if (tenant && outside) natOutside.emplace(n.rdid.toString(), *outside);
  }
  for (const auto& a : *natAddresses) {
    auto it = natOutside.find(a.rdid.toString());
    if (it == natOutside.end()) continue;
    const Ipv4Addr ext = a.address.v4();
    // First in the list: on a tie with the interface's own address (NAT on
    // the interface address) the translation wins.
    routes.insert(routes.begin(), fib::TenantRoute{it->second, *Prefix4::make(ext, 32), 0,
                                                   {fib::RouteKind::NatExternal, 0, std::nullopt},
                                                   "NAT external address of " + a.rdid.toString()});
    // The outside network's hosts find the address by ARP on its interface.
    for (auto& x : interfaces) {
      if (x.tenant == it->second && x.onLink(ext) && x.address != ext) x.proxyArp.push_back(ext);
    }
  }
  for (const auto& r : *gatewayRoutes) {
    if (r.interface == policy::kNatRouteInterface) {
      auto tenant = pol.tenant(r.rdid);
      if (!tenant || natOutside.find(r.rdid.toString()) == natOutside.end()) continue;
      routes.push_back({*tenant, r.destination, r.metric, {fib::RouteKind::Nat, 0, std::nullopt},
                        "gateway route " + KindTraits<policy::GatewayRoute>::key(r)});
      continue;
    }
    auto it = byKey.find(r.rdid.toString() + "/" + r.interface);
    if (it == byKey.end()) continue;  // through another gateway's interface
    fib::RouteTarget target{fib::RouteKind::External, it->second, std::nullopt};
    if (!r.nextHop.isUnspecified()) target.nextHop = r.nextHop;
    routes.push_back({interfaces[it->second].tenant, r.destination, r.metric, target,
                      "gateway route " + KindTraits<policy::GatewayRoute>::key(r)});
  }
  for (const auto& r : vpnRoutes) {
    if (r.target.kind != fib::RouteKind::VpnLocal) {
      routes.push_back(r);
      continue;
    }
    // An endpoint wins over an interface address on a tie, like NAT's. The
    // outside network's hosts find it by ARP or neighbour discovery.
    routes.insert(routes.begin(), r);
    for (auto& x : interfaces) {
      if (x.tenant != r.tenant) continue;
      if (r.prefix.isV4()) {
        const Ipv4Addr endpoint = r.prefix.v4().network();
        if (x.onLink(endpoint) && x.address != endpoint) x.proxyArp.push_back(endpoint);
      } else {
        const Ipv6Addr endpoint = r.prefix.v6().network();
        if (x.onLink6(endpoint) && x.address6 != endpoint) x.proxyNd.push_back(endpoint);
      }
    }
  }
  return fib::TenantTables::build(std::move(interfaces), std::move(routes), previous, counters, icmpSources6);
}

}  // namespace hnv::gateway
