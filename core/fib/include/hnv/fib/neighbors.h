// Neighbours: the MAC behind each on-link address this node sends to, and
// the port it is on. Scope 0 is the underlay (peer PAs, provider gateways);
// every tenant external interface has a scope of its own
// (TenantInterface::scope), so that tenants' overlapping addresses never meet. An immutable snapshot read by
// workers, rebuilt by the NeighborResolver on the control thread and
// published with dp::Published.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <unordered_map>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/dp/packet.h"

namespace hnv::fib {

struct Neighbor {
  MacAddr mac;
  std::uint16_t port = 0;
};

// 0: the underlay; else a tenant external interface's (TenantInterface::scope).
using NeighborScope = std::uint32_t;
inline constexpr NeighborScope kUnderlay = 0;

struct NeighborKey {
  // Implicit from an address: the underlay's entry for it.
  template <class A>
    requires std::is_constructible_v<IpAddr, A>
  NeighborKey(const A& a, NeighborScope s = kUnderlay) : scope(s), ip(a) {}  // NOLINT(google-explicit-constructor)
  NeighborScope scope;
  IpAddr ip;
  bool operator==(const NeighborKey&) const = default;
  auto operator<=>(const NeighborKey& o) const {
    if (auto c = scope <=> o.scope; c != 0) return c;
    return ip <=> o.ip;
  }
};

struct NeighborKeyHash {
  std::size_t operator()(const NeighborKey& k) const { return IpAddrHash{}(k.ip) * 31u + k.scope; }
};

class NeighborTable {
 public:
  using Map = std::unordered_map<NeighborKey, Neighbor, NeighborKeyHash>;
  NeighborTable() = default;
  explicit NeighborTable(Map entries) : entries_(std::move(entries)) {}

  const Neighbor* find(const IpAddr& a, NeighborScope scope = kUnderlay) const {
    auto it = entries_.find(NeighborKey(a, scope));
    return it == entries_.end() ? nullptr : &it->second;
  }
  const Map& entries() const { return entries_; }

 private:
  Map entries_;
};

// A packet held for resolution carries its next hop in the scratch words
// (written by the node that punts it, read by the resolver).
inline void setNextHop(dp::PacketMeta& pm, const IpAddr& hop) {
  std::uint8_t b[16] = {};
  if (hop.isV4()) {
    hop.v4().toBytes(b);
    pm.flags |= dp::kMetaFlagNextHopV4;
  } else {
    hop.v6().toBytes(b);
    pm.flags &= static_cast<std::uint8_t>(~dp::kMetaFlagNextHopV4);
  }
  std::memcpy(pm.scratch, b, sizeof b);
}

inline IpAddr nextHop(const dp::PacketMeta& pm) {
  const auto* b = reinterpret_cast<const std::uint8_t*>(pm.scratch);
  if ((pm.flags & dp::kMetaFlagNextHopV4) != 0) return Ipv4Addr::fromBytes(b);
  return Ipv6Addr::fromBytes(b);
}

}  // namespace hnv::fib
