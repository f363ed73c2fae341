// Dynamic IP learning, the data-path half (spec section 3): a VM whose MAC
// has an L2Only record announces or probes a CA that policy does not yet
// give it; a copy of the frame goes to the control thread's Learner. Private
// to the overlay.
#pragma once

#include "hnv/dp/dispatch.h"
#include "hnv/overlay/context.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"

namespace hnv::overlay {

// A CA policy does not give this L2Only MAC yet, or, while Dynamic records
// age out, one it has a Dynamic record of (the Learner refreshes it).
inline bool shouldLearn(const OverlayPolicy& pol, Vsid vsid, const MacAddr& mac, const IpAddr& ca) {
  if (ca.isUnspecified() || ca.isMulticast() || (ca.isV6() && ca.v6().isLinkLocal())) return false;
  if (!pol.learnsCas(vsid, mac)) return false;
  const RecordEntry* known = pol.byCa(vsid, ca);
  return known == nullptr || known->mac != mac ||
         (known->type == policy::RecordType::Dynamic && pol.dynamicAging() != 0);
}

// A UDP datagram from port `from` to port `to` (DHCP: server 67, client
// 68), unfragmented; a few loads, for the ports whose VMs learn.
inline bool isUdpBetween(std::span<const std::uint8_t> frame, std::uint16_t from, std::uint16_t to) {
  constexpr std::size_t l3 = wire::kEthernetHeaderLen;
  if (frame.size() < l3 + wire::kIpv4HeaderLen + 8 || wire::load16(frame.data() + 12) != wire::kEtherTypeIpv4) {
    return false;
  }
  const std::uint8_t* ip = frame.data() + l3;
  const std::size_t ihl = std::size_t{ip[0] & 0x0Fu} * 4;
  if (ip[9] != wire::kIpProtoUdp || (wire::load16(ip + 6) & 0x3FFF) != 0 || frame.size() < l3 + ihl + 8) return false;
  return wire::load16(ip + ihl) == from && wire::load16(ip + ihl + 2) == to;
}

// Sends a copy of `m` to the punt edge with the learn kind.
template <class Node>
void puntCopyToLearner(dp::Dispatch<Node>& out, rte_mbuf* m, const OverlayContext& ctx) {
  rte_mbuf* copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
  if (copy == nullptr) return;
  dp::meta(copy) = dp::meta(m);
  dp::meta(copy).control = ctx.learnPunt;
  out.emit(copy, Node::Next::Punt);
}

}  // namespace hnv::overlay
