// Underlay neighbours: the MAC behind each on-link provider-network address
// this node sends to (peer PAs, provider gateways), and the port it is on.
// An immutable snapshot read by workers, rebuilt by the NeighborResolver on
// the control thread and published with dp::Published.
#pragma once

#include <cstdint>
#include <cstring>
#include <unordered_map>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/dp/packet.h"

namespace hnv::fib {

struct Neighbor {
  MacAddr mac;
  std::uint16_t port = 0;
};

class NeighborTable {
 public:
  using Map = std::unordered_map<IpAddr, Neighbor, IpAddrHash>;
  NeighborTable() = default;
  explicit NeighborTable(Map entries) : entries_(std::move(entries)) {}

  const Neighbor* find(const IpAddr& a) const {
    auto it = entries_.find(a);
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
