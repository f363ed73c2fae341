// The overlay's view of a node's policy: an immutable snapshot compiled from
// the desired state the controller sends (GET /v1/nodes/{name}/desired-state),
// with the lookups the HNV filter needs. Built on the control thread, then
// published to workers (RCU), which only read it: no lookup allocates or locks.
//
//   - tenants: routing domain -> TenantId, stable across snapshots so that
//     per-tenant state (sessions, counters) survives a policy update;
//   - per VSID: tenant, distributed-router MAC and addresses, PA multicast
//     group, and the remote PAs hosting it (broadcast replication);
//   - lookup records by (VSID, CA) for encapsulation and by (VSID, MAC) for
//     L2 forwarding; each VSID's GatewayWildcard per address family;
//   - receive validation (spec 3): an inbound packet is accepted only if
//     (VSID, inner source CA, inner source MAC, outer source PA) matches a
//     record, an L2Only record of that MAC and PA, or the VSID's GatewayWildcard;
//     a frame routed by the sender's distributed router (source MAC: this
//     VSID's router MAC) is placed by its source CA in the routing domain;
//   - the VSIDs this node is the gateway of (a GatewayWildcard on its PA).
//
//   - the node's VM ports: port -> (VSID, MAC), (VSID, MAC) -> port, and the
//     ports of each VSID (flooding), bound locally by the program;
//   - per tenant, CA -> (VSID, record) for the distributed router, which
//     routes only inside one routing domain.
//
// Compilation is pure (intent -> tables, STYLE rule 1); errors name the item.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hnv/base/flat_map.h"
#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/base/prefix.h"
#include "hnv/base/result.h"
#include "hnv/base/tenant.h"
#include "hnv/base/vsid.h"
#include "hnv/policy/objects.h"

namespace hnv::overlay {

struct VsidInfo {
  TenantId tenant;
  Rdid rdid;
  MacAddr routerMac;
  std::vector<IpAddr> routerAddresses;  // the default gateway CA of each prefix
  std::optional<IpAddr> multicastGroup;
  // Provider addresses of other nodes with members of this VSID, each once.
  std::vector<IpAddr> remotePas;
};

struct RecordEntry {
  IpAddr pa;
  MacAddr mac;
  policy::RecordType type;
};

// A VM port of this node: the DPDK port, its VSID, the VM's MAC and the
// CAs the VM may send from (empty: any; vm-input also lets through the
// unspecified address and, for IPv6, link-local sources).
struct VmPortBinding {
  std::uint16_t port = 0;
  Vsid vsid = Vsid::fromKey(0);
  MacAddr mac;
  std::vector<Prefix> allowedCas;

  bool operator==(const VmPortBinding&) const = default;
  // True when the VM may send from `a`.
  bool allows(const IpAddr& a) const {
    if (allowedCas.empty() || a.isUnspecified()) return true;
    if (a.isV6() && a.v6().isLinkLocal()) return true;
    for (const auto& p : allowedCas) {
      if (p.contains(a)) return true;
    }
    return false;
  }
};

// Where the distributed router sends a CA of a routing domain.
struct RoutedEntry {
  Vsid vsid = Vsid::fromKey(0);
  RecordEntry record;
};

// What the ARP/ND proxy says for a target CA asked by a VM (spec section 3).
struct NeighborAnswer {
  enum class Kind : std::uint8_t { Router, Record, OwnAddress, Unknown } kind = Kind::Unknown;
  MacAddr mac;  // for Router and Record
};

enum class InboundVerdict : std::uint8_t { Accept, UnknownVsid, NoMatchingRecord, WrongPa };

class OverlayPolicy {
 public:
  // `previous` keeps tenant indexes stable; nullptr for the first snapshot.
  // `ports` are the node's VM ports; a port whose VSID the desired state does
  // not (yet) contain stays bound and its frames count as unknown-vsid.
  static Result<OverlayPolicy> compile(const boost::json::object& desired, const OverlayPolicy* previous = nullptr,
                                       std::span<const VmPortBinding> ports = {});

  std::uint64_t revision() const { return revision_; }
  const VsidInfo* vsid(Vsid v) const;
  std::optional<TenantId> tenant(const Rdid& rdid) const;
  // The routing domain of a tenant index of this snapshot.
  std::optional<Rdid> rdidOf(TenantId tenant) const;
  // True for one of the VSID's default gateway CAs (the distributed router).
  bool isRouterAddress(Vsid v, const IpAddr& a) const;
  // The ARP/ND proxy's answer for `target` asked by the VM with MAC `asker`:
  // the router's MAC, a record's MAC, silence for the asker's own CA (so
  // that its duplicate address detection sees the address free) or for an
  // unknown CA.
  NeighborAnswer answerNeighbor(Vsid v, const IpAddr& target, const MacAddr& asker) const;
  // The record of a CA in a VSID (Static or Dynamic), if any.
  const RecordEntry* byCa(Vsid v, const IpAddr& ca) const;
  // The record of a MAC in a VSID (any type; a CA record first), if any.
  const RecordEntry* byMac(Vsid v, const MacAddr& mac) const;
  // True when the MAC has an L2Only record in the VSID: its CAs are learned.
  bool learnsCas(Vsid v, const MacAddr& mac) const { return l2Only_.count(MacKey{v.value(), mac}) != 0; }
  // The VSID's GatewayWildcard for the CA's address family, if any.
  const RecordEntry* wildcard(Vsid v, bool ipv6) const;
  bool ownsPa(const IpAddr& pa) const { return ownPas_.count(pa) != 0; }
  // When this node is the VSID's gateway (its GatewayWildcard names one of
  // our PAs): that record, whose MAC the VMs send outside traffic to and
  // whose PA and MAC our return traffic comes from. nullptr otherwise.
  const RecordEntry* gatewayHere(Vsid v) const;
  // Receive validation; `innerCa` is absent for frames without an IP source (ARP carries one).
  InboundVerdict checkInbound(Vsid v, const std::optional<IpAddr>& innerCa, const MacAddr& innerMac,
                              const IpAddr& outerPa) const;

  // The binding of a VM port, nullptr when the port is not a bound VM port.
  const VmPortBinding* vmPort(std::uint16_t port) const {
    return port < vmPorts_.size() && vmPorts_[port].has_value() ? &*vmPorts_[port] : nullptr;
  }
  // True when the VM on this port learns its addresses (its MAC has an
  // L2Only record in its VSID): vm-output copies DHCP replies to the Learner.
  bool portLearns(std::uint16_t port) const { return port < learnsByPort_.size() && learnsByPort_[port] != 0; }
  // The VM port with this MAC in this VSID.
  std::optional<std::uint16_t> localPort(Vsid v, const MacAddr& mac) const;
  // Every VM port of a VSID (empty when none).
  std::span<const std::uint16_t> localPorts(Vsid v) const;
  // The distributed router's view: a CA of the tenant's routing domain.
  const RoutedEntry* route(TenantId tenant, const IpAddr& ca) const;

  std::size_t recordCount() const { return byCa_.size(); }

  // The underlay next hop toward a PA on none of this node's PA subnets:
  // the gateway of the most specific of the node's provider routes of the
  // PA's family (with a next hop) that covers it, the lowest metric among
  // equals; nullopt when none does.
  std::optional<Ipv4Addr> providerNextHop(const Ipv4Addr& pa) const { return nextHopIn(providerRoutes4_, pa); }
  std::optional<Ipv6Addr> providerNextHop(const Ipv6Addr& pa) const { return nextHopIn(providerRoutes6_, pa); }
  std::size_t providerRouteCount() const { return providerRoutes4_.size() + providerRoutes6_.size(); }
  // The global dynamicRecordAgingSeconds (0: Dynamic records never age).
  std::uint32_t dynamicAging() const { return dynamicAging_; }

 private:
  struct CaKey {
    std::uint32_t vsid = 0;
    IpAddr ca;
    bool operator==(const CaKey&) const = default;
  };
  struct MacKey {
    std::uint32_t vsid = 0;
    MacAddr mac;
    bool operator==(const MacKey&) const = default;
  };
  // Cheap and inline: a few instructions per lookup (the tables mix the
  // result: FlatMap multiplies it, std::unordered_map takes it modulo a prime).
  struct KeyHash {
    std::size_t operator()(const CaKey& k) const {
      std::uint64_t h;
      if (k.ca.isV4()) {
        h = k.ca.v4().host();
      } else {
        std::uint64_t hi, lo;
        std::memcpy(&hi, k.ca.v6().bytes().data(), 8);
        std::memcpy(&lo, k.ca.v6().bytes().data() + 8, 8);
        h = hi ^ (lo * 0xC2B2AE3D27D4EB4Full) ^ 0x6a09e667f3bcc909ull;
      }
      return static_cast<std::size_t>(h ^ (std::uint64_t{k.vsid} * 0x9E3779B97F4A7C15ull));
    }
    std::size_t operator()(const MacKey& k) const {
      std::uint64_t m = 0;
      std::memcpy(&m, k.mac.bytes().data(), 6);
      return static_cast<std::size_t>(m ^ (std::uint64_t{k.vsid} * 0x9E3779B97F4A7C15ull));
    }
  };
  void bindPorts(std::span<const VmPortBinding> ports);

  template <class Addr>
  struct ProviderRouteEntry {
    PrefixT<Addr> destination;
    Addr nextHop;
    std::uint32_t metric = 0;
  };
  template <class Addr>
  static std::optional<Addr> nextHopIn(const std::vector<ProviderRouteEntry<Addr>>& routes, const Addr& pa) {
    for (const auto& r : routes) {
      if (r.destination.contains(pa)) return r.nextHop;
    }
    return std::nullopt;
  }

  std::uint64_t revision_ = 0;
  std::uint32_t dynamicAging_ = 0;
  std::map<Rdid, TenantId> tenants_;
  std::unordered_map<std::uint32_t, Rdid> rdids_;  // the reverse of tenants_
  std::unordered_map<std::uint32_t, VsidInfo> vsids_;
  // The per-packet lookups at scale (a million records): flat, one slot
  // per lookup (hnv/base/flat_map.h).
  FlatMap<CaKey, RecordEntry, KeyHash> byCa_;
  FlatMap<MacKey, RecordEntry, KeyHash> byMac_;
  std::unordered_map<std::uint32_t, RecordEntry> wildcard4_, wildcard6_;
  std::unordered_map<std::uint32_t, RecordEntry> gatewayHere_;
  std::unordered_set<MacKey, KeyHash> l2Only_;
  std::set<IpAddr> ownPas_;
  // Most specific first, then by metric.
  std::vector<ProviderRouteEntry<Ipv4Addr>> providerRoutes4_;
  std::vector<ProviderRouteEntry<Ipv6Addr>> providerRoutes6_;
  std::vector<std::optional<VmPortBinding>> vmPorts_;  // by DPDK port id
  std::vector<std::uint8_t> learnsByPort_;             // by DPDK port id
  FlatMap<MacKey, std::uint16_t, KeyHash> portByMac_;
  std::unordered_map<std::uint32_t, std::vector<std::uint16_t>> portsByVsid_;
  // CaKey.vsid holds the tenant index here.
  std::unordered_map<CaKey, RoutedEntry, KeyHash> routes_;
};

}  // namespace hnv::overlay
