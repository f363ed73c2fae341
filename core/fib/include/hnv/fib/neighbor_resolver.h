// Resolves next hops to MACs with ARP and, for IPv6 underlay next hops,
// neighbour discovery, on the control thread.
//
// Workers never wait: a node that finds no neighbour for a next hop punts the
// finished frame (destination MAC still zero, next hop in the scratch words,
// meta.txPort the port). The resolver holds up to kHeldPerHop such frames per
// next hop, sends an ARP request (IPv6: a neighbour solicitation to the
// target's solicited-node group, with our link-layer address, RFC 4861
// 7.2.2) from the port's own address, retries every
// second up to kAttempts times, and when the answer arrives fills in the MAC,
// publishes a new NeighborTable and transmits the held frames through the
// inject path. ARP seen by arp-input that teaches something new (a reply to
// us, a request for one of our addresses, or a changed sender MAC) is punted
// here too and merged as RFC 826 says.
//
// Tenant external interfaces (setTenantTables) are resolved the same way, in
// their own scope: the request leaves the interface's port with its VLAN
// tag, from the gateway's address on that network; ARP punted from such an
// interface (meta flag kMetaFlagExternal, rxPort and vlan) teaches its scope.
//
// Neighbour discovery punted by icmp6-local (onNd) teaches the underlay: an
// advertisement with the target's link-layer address fills in a next hop
// being resolved or changes a known one, its MAC only with the override
// flag (an unsolicited one about an unknown address is ignored, RFC 4861
// 7.2.5);
// a solicitation for one of our addresses teaches its sender's address, as
// an ARP request does. On a tenant interface with an IPv6 address the
// same happens in its scope: the solicitation leaves with the interface's
// tag from its IPv6 address, and neighbour discovery punted from it
// (kMetaFlagExternal, rxPort and vlan) teaches its scope.
//
// Thread: control.
#pragma once

#include <rte_mbuf.h>

#include <boost/json/object.hpp>
#include <chrono>
#include <deque>
#include <map>

#include "hnv/dp/control_path.h"
#include "hnv/dp/rcu.h"
#include "hnv/fib/local_addresses.h"
#include "hnv/fib/neighbors.h"
#include "hnv/fib/tenant_tables.h"

namespace hnv::fib {

struct ResolverStats {
  std::uint64_t learned = 0;       // entries added or changed
  std::uint64_t requestsSent = 0;
  std::uint64_t held = 0;          // frames held for a next hop
  std::uint64_t released = 0;      // held frames sent after resolution
  std::uint64_t heldDropped = 0;   // held frames dropped (queue full, unresolved, no source address)
};

// Sends a 60-byte (padded) ARP request out of `port` through the inject
// path: "who has `target`, tell `sender` at `mac`". With target == sender it
// is a gratuitous ARP announcing the address. False: no mbuf or a full ring.
// With a VLAN id the request carries that 802.1Q tag.
bool sendArpRequest(dp::ControlPath& control, rte_mempool* pool, std::uint16_t port, const MacAddr& mac,
                    const Ipv4Addr& sender, const Ipv4Addr& target, std::uint16_t vlan = 0);

// Sends a Neighbor Solicitation (RFC 4861 7.2.2) out of `port`: for
// `target`, from `sender` at `mac` (the source link-layer option), to the
// target's solicited-node group, hop limit 255, with the 802.1Q tag of a
// VLAN id. False: no mbuf or a full ring.
bool sendNeighborSolicitation(dp::ControlPath& control, rte_mempool* pool, std::uint16_t port, const MacAddr& mac,
                              const Ipv6Addr& sender, const Ipv6Addr& target, std::uint16_t vlan = 0);

// Sends an unsolicited Neighbor Advertisement (RFC 4861 section 7.2.6) out
// of `port`: `address` is at `mac`, override set, to all nodes (ff02::1,
// hop limit 255), so that neighbours caching the address update at once;
// with a VLAN id, tagged. False: no mbuf or a full ring.
bool sendUnsolicitedNa(dp::ControlPath& control, rte_mempool* pool, std::uint16_t port, const MacAddr& mac,
                       const Ipv6Addr& address, std::uint16_t vlan = 0);

class NeighborResolver {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kHeldPerHop = 8;
  static constexpr int kAttempts = 3;
  static constexpr std::chrono::milliseconds kRetry{1000};

  NeighborResolver(dp::Published<NeighborTable>& table, const dp::Published<LocalAddresses>& local,
                   dp::ControlPath& control, rte_mempool* pool)
      : table_(table), local_(local), control_(control), pool_(pool) {}
  ~NeighborResolver();
  // Resolves next hops on these tenant interfaces too (the gateway).
  void setTenantTables(const dp::Published<TenantTables>* tenants) { tenants_ = tenants; }
  // Drops the entries and held frames of interfaces the tenant tables no
  // longer have (call after publishing new ones).
  void forgetGoneScopes();
  NeighborResolver(const NeighborResolver&) = delete;
  NeighborResolver& operator=(const NeighborResolver&) = delete;

  // Punt handlers; each takes ownership of the packet.
  void onArp(rte_mbuf* m);
  void onNd(rte_mbuf* m);
  void onMiss(rte_mbuf* m);
  // Retries and gives up on unanswered next hops; call a few times a second.
  void tick(Clock::time_point now = Clock::now());

  // Adds or changes an entry (also used for statically known neighbours).
  void learn(const IpAddr& ip, const MacAddr& mac, std::uint16_t port) { learn(NeighborKey(ip), mac, port); }
  void learn(const NeighborKey& key, const MacAddr& mac, std::uint16_t port);
  const ResolverStats& stats() const { return stats_; }
  boost::json::object toJson() const;

 private:
  struct Pending {
    std::uint16_t port = 0;
    std::deque<rte_mbuf*> held;
    int attempts = 0;
    Clock::time_point lastSent{};
  };
  void sendRequest(const NeighborKey& key, Pending& p, Clock::time_point now);
  void release(const NeighborKey& key, const Neighbor& n);
  // The scope of a packet from (rx) or to (tx) a tenant interface; nullopt
  // when that interface no longer exists.
  std::optional<NeighborScope> scopeOf(const dp::PacketMeta& pm, std::uint16_t port) const;
  void publish();

  dp::Published<NeighborTable>& table_;
  const dp::Published<LocalAddresses>& local_;
  dp::ControlPath& control_;
  rte_mempool* pool_;
  const dp::Published<TenantTables>* tenants_ = nullptr;
  NeighborTable::Map entries_;
  std::map<NeighborKey, Pending> pending_;
  ResolverStats stats_;
};

}  // namespace hnv::fib
