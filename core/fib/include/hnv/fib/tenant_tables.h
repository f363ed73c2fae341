// The gateway's tenant side: each tenant's external interfaces (a port, or a
// VLAN on a port, with the gateway's address there) and each tenant's VRF
// (IPv4 and IPv6 longest-prefix match to a route target). One immutable
// snapshot, compiled from policy on the control thread and published to
// workers with dp::Published; workers only read it.
//
// Route targets say where a tenant packet goes next:
//   - Overlay: into the tenant's virtual network; the customer address (the
//     packet's destination, or the route's next hop) is looked up in the
//     overlay's records, which give the VSID, MAC and PA;
//   - External: out of an external interface, to the route's next hop or,
//     on-link, to the destination itself;
//   - Local: an address of the gateway itself in that tenant;
//   - Nat: translated by the tenant's NAT44 instance, then routed in its
//     outside routing domain (the route "nat" of a tenant with NAT);
//   - NatExternal: in an outside routing domain, an external address of
//     some tenant's NAT instance: translated back and routed in that tenant;
//   - Vpn: into site-to-site tunnel `iface` (an index into the VPN tables):
//     encrypted, then routed in the tunnel's outside routing domain;
//   - VpnLocal: in an outside routing domain, a VPN endpoint of the gateway:
//     ESP is decrypted and routed in its SA's tenant, IKE goes to hnv-iked.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hnv/base/counters.h"
#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/base/prefix.h"
#include "hnv/base/result.h"
#include "hnv/base/tenant.h"
#include "hnv/fib/lpm.h"
#include "hnv/fib/neighbors.h"

namespace hnv::fib {

// A tenant's attachment to a physical network.
struct TenantInterface {
  std::string name;  // "<rdid>/<name>" as the policy keys it
  TenantId tenant = TenantId::node();
  std::uint16_t port = 0;  // DPDK port id
  std::uint16_t vlan = 0;  // 0: untagged
  MacAddr mac;
  std::uint16_t mtu = 1500;  // IP MTU
  Ipv4Addr address;           // the gateway's address on the network
  std::uint8_t prefixLength = 24;
  std::optional<Ipv6Addr> address6;  // the gateway's IPv6 address on the network, if it has one
  std::uint8_t prefixLength6 = 64;
  // The interface's neighbours' scope in the NeighborTable: set by build(),
  // kept across builds while the interface stays the same (name, port,
  // VLAN, network), so a policy change elsewhere keeps its learned MACs.
  NeighborScope scope = kUnderlay;
  // Other addresses the gateway answers ARP for on the interface: the NAT
  // external addresses on its network (sorted).
  std::vector<Ipv4Addr> proxyArp;
  std::vector<Ipv6Addr> proxyNd;  // likewise, IPv6 addresses answered by neighbour discovery (sorted)
  bool onLink(const Ipv4Addr& a) const { return maskAddress(a, prefixLength) == maskAddress(address, prefixLength); }
  bool onLink6(const Ipv6Addr& a) const {
    return address6 && maskAddress(a, prefixLength6) == maskAddress(*address6, prefixLength6);
  }
  // Neighbour solicitations the gateway answers on the interface: for its
  // IPv6 address, and for the tunnel endpoints on its network (proxyNd).
  bool answersNd(const Ipv6Addr& a) const {
    return (address6 && a == *address6) || std::binary_search(proxyNd.begin(), proxyNd.end(), a);
  }
  bool answersArp(const Ipv4Addr& a) const {
    return a == address || std::binary_search(proxyArp.begin(), proxyArp.end(), a);
  }
};

enum class RouteKind : std::uint8_t { Overlay, External, Local, Nat, NatExternal, Vpn, VpnLocal };

// Does the route leave through (or name) an external interface?
constexpr bool namesInterface(RouteKind k) { return k == RouteKind::External || k == RouteKind::Local; }

struct RouteTarget {
  RouteKind kind = RouteKind::Overlay;
  std::uint16_t iface = 0;  // External, Local: index into interfaces(); Vpn: the tunnel
  std::optional<IpAddr> nextHop;  // absent: the destination itself (on-link)
};

// Where a tenant's packet went, for its counters.
enum class TenantPath : std::uint8_t { FromOverlay, FromExternal, ToOverlay, ToExternal };

// A tenant's counters in the node's CounterRegistry (registered by the
// program): packets and bytes per path, and the tenant's packets dropped.
struct TenantCounterIds {
  CounterId packets[4]{CounterId(0), CounterId(0), CounterId(0), CounterId(0)};
  CounterId bytes[4]{CounterId(0), CounterId(0), CounterId(0), CounterId(0)};
  CounterId drops{0};
};

// One route as compiled from policy.
struct TenantRoute {
  TenantId tenant = TenantId::node();
  Prefix prefix;
  std::uint32_t metric = 0;
  RouteTarget target;
  std::string origin;  // what made it ("virtual subnet 5001", "gateway route ..."), for listings
};

class Vrf {
 public:
  const RouteTarget* lookup(const Ipv4Addr& a) const {
    std::uint8_t b[4];
    a.toBytes(b);
    auto v = v4_.lookup(b);
    return v ? &targets_[*v] : nullptr;
  }
  const RouteTarget* lookup(const Ipv6Addr& a) const {
    std::uint8_t b[16];
    a.toBytes(b);
    auto v = v6_.lookup(b);
    return v ? &targets_[*v] : nullptr;
  }
  const RouteTarget* lookup(const IpAddr& a) const { return a.isV4() ? lookup(a.v4()) : lookup(a.v6()); }
  // The routes in force (one per prefix: the lowest metric), for listings.
  const std::vector<TenantRoute>& routes() const { return routes_; }
  std::size_t memoryBytes() const { return v4_.memoryBytes() + v6_.memoryBytes(); }
  // The gateway's address in the tenant's space that its ICMP errors come
  // from (its first external interface's); none: no errors are sent.
  const std::optional<Ipv4Addr>& icmpSource() const { return icmpSource_; }
  // Its ICMPv6 errors' source: the tenant's IPv6 gateway address (the
  // first IPv6 default gateway of its virtual subnets), else its first
  // external interface's IPv6 address; none: none sent.
  const std::optional<Ipv6Addr>& icmpSource6() const { return icmpSource6_; }
  // Counting on the worker's own block (Thread: a worker, through its NodeEnv).
  void count(CounterBlock& block, TenantPath path, std::uint32_t bytes) const {
    if (!counters_) return;
    block.add(counters_->packets[static_cast<int>(path)]);
    block.add(counters_->bytes[static_cast<int>(path)], bytes);
  }
  void countDrop(CounterBlock& block) const {
    if (counters_) block.add(counters_->drops);
  }
  const std::optional<TenantCounterIds>& counters() const { return counters_; }

 private:
  friend class TenantTables;
  std::optional<Ipv4Addr> icmpSource_;
  std::optional<Ipv6Addr> icmpSource6_;
  std::optional<TenantCounterIds> counters_;
  Lpm4 v4_;
  Lpm6 v6_;
  std::vector<RouteTarget> targets_;
  std::vector<TenantRoute> routes_;
};

class TenantTables {
 public:
  // Refuses two interfaces on one (port, VLAN) and a route to an interface
  // that does not exist or belongs to another tenant. Of the routes for one
  // prefix of a tenant, the lowest metric wins (the first on a tie).
  // Neighbour scopes come from `previous` for unchanged interfaces, new
  // ones are never reused.
  // `counters` gives each tenant's counter ids (none: not counted).
  using CounterIdsOf = std::function<std::optional<TenantCounterIds>(TenantId)>;
  // `icmpSources6`: each tenant's IPv6 gateway address, by tenant index.
  using IcmpSources6 = std::unordered_map<std::uint32_t, Ipv6Addr>;
  static Result<TenantTables> build(std::vector<TenantInterface> interfaces, std::vector<TenantRoute> routes,
                                    const TenantTables* previous = nullptr, const CounterIdsOf& counters = {},
                                    const IcmpSources6& icmpSources6 = {});

  // The interface on (port, VLAN), or its index; nullptr / nullopt if none.
  const TenantInterface* interface(std::uint16_t port, std::uint16_t vlan) const {
    auto i = interfaceIndex(port, vlan);
    return i ? &interfaces_[*i] : nullptr;
  }
  std::optional<std::uint16_t> interfaceIndex(std::uint16_t port, std::uint16_t vlan) const {
    if (port >= byPortVlan_.size() || byPortVlan_[port].empty()) return std::nullopt;
    const std::uint16_t slot = byPortVlan_[port][vlan & 0x0FFF];
    if (slot == 0) return std::nullopt;
    return static_cast<std::uint16_t>(slot - 1);
  }
  // True when some interface uses the port (tagged or not).
  bool portCarriesTenants(std::uint16_t port) const {
    return port < byPortVlan_.size() && !byPortVlan_[port].empty();
  }
  const std::vector<TenantInterface>& interfaces() const { return interfaces_; }
  // The interface whose neighbours have this scope; nullptr if none.
  const TenantInterface* byScope(NeighborScope scope) const {
    auto it = byScope_.find(scope);
    return it == byScope_.end() ? nullptr : &interfaces_[it->second];
  }
  const Vrf* vrf(TenantId tenant) const {
    const auto i = tenant.index();
    return i < vrfs_.size() && vrfs_[i].has_value() ? &*vrfs_[i] : nullptr;
  }
  std::size_t vrfCount() const;

 private:
  std::vector<TenantInterface> interfaces_;
  // Per port that carries tenants, 4,096 slots by VLAN id: interface index
  // + 1, 0 for none (one array access per frame instead of a hash lookup).
  std::vector<std::vector<std::uint16_t>> byPortVlan_;
  std::unordered_map<NeighborScope, std::uint16_t> byScope_;
  NeighborScope lastScope_ = kUnderlay;
  std::vector<std::optional<Vrf>> vrfs_;  // by tenant index
};

}  // namespace hnv::fib
