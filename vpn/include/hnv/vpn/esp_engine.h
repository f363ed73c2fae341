// Runs a burst of one SA's packets through librte_ipsec and the cryptodev,
// synchronously: prepare the crypto operations, enqueue them on the worker's
// queue pair, wait for them, finish (strip or fill headers, update the
// replay window).
//
// Before the call each mbuf must be one segment with:
//   - outbound: l2_len = the bytes in front of the inner IP header (they are
//     replaced by the SA's Ethernet placeholder + IPv4 [+ UDP] header);
//   - inbound: l2_len + l3_len = the bytes in front of the ESP header
//     (Ethernet, outer IPv4 and, for NAT-T, the UDP header).
// After it the packets that made it are in mbufs[0, ok) in their order:
// outbound ones start with the 14-byte placeholder and a complete,
// checksummed outer IPv4 header; inbound ones start with the inner IP
// header. The ones that failed are in mbufs[ok, ok + failed), each counted
// on the SA by why, for the caller to drop; ok + failed == count. The call
// waits for every operation it enqueued (the software PMDs complete them on
// dequeue).
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "hnv/vpn/esp_sa.h"

namespace hnv::vpn {

// The largest burst process() takes at once (a graph node's burst).
inline constexpr std::uint16_t kMaxEspBurst = 256;

struct EspBurst {
  std::uint16_t ok = 0;
  std::uint16_t failed = 0;
};

EspBurst espProcess(EspSa& sa, std::uint16_t queuePair, rte_mbuf** mbufs, std::uint16_t count);

}  // namespace hnv::vpn
