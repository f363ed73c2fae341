// The gateway's tenant tables compiled from its desired state: each placed
// tenant's external interfaces on this gateway and its VRF (pure; errors
// name the item). The VRF of a tenant holds:
//   - its virtual subnets' prefixes: into the virtual network (Overlay);
//   - its customer routes: Overlay via the next-hop CA, except routes whose
//     next hop lives on this gateway's own PA (the hosts' default route to
//     the gateway would loop);
//   - each external interface of this gateway: its network on-link
//     (External) and its address (Local);
//   - its gateway routes through those interfaces (External via the next hop),
//     and its routes to "nat" (Nat: translated by its NAT44 instance);
//   - in an outside routing domain of NAT44 instances: each external
//     address (NatExternal, /32), answered by ARP (proxy) on the outside
//     domain's interfaces whose network holds it.
// Of the routes for one prefix the lowest metric wins.
//
// Thread: control.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string_view>

#include "hnv/base/mac.h"
#include "hnv/base/result.h"
#include "hnv/fib/tenant_tables.h"
#include "hnv/overlay/overlay_policy.h"

namespace hnv::gateway {

// What the compile needs to know of a port the policy names.
struct PortInfo {
  std::uint16_t id = 0;
  MacAddr mac;
  std::uint16_t mtu = 1500;
  bool carriesUnderlay = false;  // the port has provider addresses (untagged)
};
using PortLookup = std::function<std::optional<PortInfo>(std::string_view name)>;

// A tenant's counters: hnv_tenant_{packets,bytes}_total{tenant="<rdid>",path=
// from-overlay|from-external|to-overlay|to-external} and
// hnv_tenant_drops_total{tenant}. Registering again returns the same ids;
// none when the registry is full (the tenant then goes uncounted).
std::optional<fib::TenantCounterIds> registerTenantCounters(CounterRegistry& registry, const Rdid& rdid);

// `previous` (nullptr for the first) keeps unchanged interfaces' neighbour
// scopes; `counters` gives each tenant's counter ids. `vpnRoutes` (from
// vpn::VpnManager::routes()) add the site-to-site tunnels: VpnLocal
// endpoints first (answered by proxy ARP on their outside interfaces, like
// NAT external addresses), Vpn routes with their metrics.
Result<fib::TenantTables> compileTenantTables(const boost::json::object& desired, const overlay::OverlayPolicy& policy,
                                              std::string_view node, const PortLookup& ports,
                                              const fib::TenantTables* previous = nullptr,
                                              const fib::TenantTables::CounterIdsOf& counters = {},
                                              const std::vector<fib::TenantRoute>& vpnRoutes = {});

}  // namespace hnv::gateway
