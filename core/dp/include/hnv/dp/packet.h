// Per-packet metadata, stored in the mbuf's private area (the pool is created
// with priv_size = sizeof(PacketMeta)). The layout is explicit: persistent
// fields survive the whole graph walk; scratch fields belong to the node that
// wrote them and the node right after it.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <cstring>
#include <span>

namespace hnv::dp {

struct PacketMeta {
  // Persistent.
  std::uint16_t rxPort;    // DPDK port id the packet arrived on
  std::uint16_t txPort;    // DPDK port id to send on (set before port-tx)
  std::uint32_t tenant;    // TenantId index; 0 = the node itself
  std::uint32_t vsid;      // VSID once known (0 otherwise)
  std::uint32_t traceId;   // non-zero: the packet is traced under this id
  std::uint16_t l3Offset;  // offset of the IP/ARP header from the frame start
  std::uint16_t l4Offset;  // offset of the transport header, once known
  std::uint16_t vlan;      // VLAN id of the outer tag (0: untagged)
  std::uint8_t flags;
  std::uint8_t control;    // punt kind (to "punt") or inject edge (from the control thread)
  // Scratch.
  std::uint64_t scratch[2];
};

// PacketMeta::flags bits.
inline constexpr std::uint8_t kMetaFlagNextHopV4 = 0x01;  // the scratch next hop is IPv4 (fib::setNextHop)
// 0x02 is the overlay's (kMetaFlagFromOverlay).
// The packet arrived on, or leaves by, a tenant's external interface: the
// port (rxPort or txPort) and meta.vlan name it (fib::TenantTables).
inline constexpr std::uint8_t kMetaFlagExternal = 0x04;
// NAT44 translated the packet and sent it back to ip4-lookup in another
// routing domain: it is not counted as arriving there again, and it is not
// translated a second time into the same direction.
inline constexpr std::uint8_t kMetaFlagTranslated = 0x08;
// nat44-out2in translated it: a second trip there is a loop.
inline constexpr std::uint8_t kMetaFlagNatOut2In = 0x10;

inline PacketMeta& meta(rte_mbuf* m) { return *static_cast<PacketMeta*>(rte_mbuf_to_priv(m)); }

// The packet continues in routing domain `tenant` (an index) as a packet of
// its own, made by a node (NAT44, ESP): it no longer "came in on an external
// interface" (ip4-lookup must not answer it locally out of the port it
// arrived on), and `flags` (kMetaFlagTranslated at least) say what was done.
inline void handOver(PacketMeta& pm, std::uint32_t tenant, std::uint8_t flags) {
  pm.tenant = tenant;
  pm.flags = static_cast<std::uint8_t>((pm.flags & ~kMetaFlagExternal) | flags);
}

// The packet's first segment as bytes (the data path only handles
// single-segment packets; multi-segment mbufs are linearised at port-rx).
inline std::span<std::uint8_t> bytes(rte_mbuf* m) {
  return {rte_pktmbuf_mtod(m, std::uint8_t*), rte_pktmbuf_data_len(m)};
}

// Makes the single-segment packet exactly `length` bytes long: trims
// Ethernet padding or trailing bytes, or grows into the tailroom. False if it
// cannot grow that far.
inline bool setLength(rte_mbuf* m, std::size_t length) {
  std::size_t have = rte_pktmbuf_data_len(m);
  if (length < have) return rte_pktmbuf_trim(m, static_cast<std::uint16_t>(have - length)) == 0;
  if (length > have) return rte_pktmbuf_append(m, static_cast<std::uint16_t>(length - have)) != nullptr;
  return true;
}

// Makes room for an L2 header of exactly `length` bytes in front of the L3
// header (meta l3Offset), moving the start of the packet; the offsets follow.
// False when the headroom is too small.
inline bool resizeL2(rte_mbuf* m, std::uint16_t length) {
  PacketMeta& pm = meta(m);
  if (pm.l3Offset > length) {
    if (rte_pktmbuf_adj(m, static_cast<std::uint16_t>(pm.l3Offset - length)) == nullptr) return false;
  } else if (pm.l3Offset < length) {
    if (rte_pktmbuf_prepend(m, static_cast<std::uint16_t>(length - pm.l3Offset)) == nullptr) return false;
  }
  if (pm.l4Offset != 0) pm.l4Offset = static_cast<std::uint16_t>(pm.l4Offset - pm.l3Offset + length);
  pm.l3Offset = length;
  return true;
}

// Resets metadata for a packet entering the graph.
inline void resetMeta(rte_mbuf* m, std::uint16_t rxPort) {
  PacketMeta& p = meta(m);
  p = PacketMeta{};
  p.rxPort = rxPort;
  p.txPort = rxPort;
}

// A control-path frame (built on the control thread) copied into a new mbuf
// from `pool`, metadata reset for `port` (rx and tx). nullptr when the pool
// is empty or the frame does not fit one segment.
inline rte_mbuf* mbufFromFrame(rte_mempool* pool, std::span<const std::uint8_t> frame, std::uint16_t port) {
  if (frame.size() > UINT16_MAX) return nullptr;
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return nullptr;
  char* p = rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size()));
  if (p == nullptr) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memcpy(p, frame.data(), frame.size());
  resetMeta(m, port);
  return m;
}

}  // namespace hnv::dp
