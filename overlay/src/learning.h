// Dynamic IP learning, the data-path half (spec section 3): a VM whose MAC
// has an L2Only record announces or probes a CA that policy does not yet
// give it; a copy of the frame goes to the control thread's Learner. Private
// to the overlay.
#pragma once

#include "hnv/dp/dispatch.h"
#include "hnv/overlay/context.h"

namespace hnv::overlay {

// A CA policy does not give this L2Only MAC yet, or, while Dynamic records
// age out, one it has a Dynamic record of (the Learner refreshes it).
inline bool shouldLearn(const OverlayPolicy& pol, Vsid vsid, const MacAddr& mac, const IpAddr& ca) {
  if (ca.isUnspecified() || ca.isMulticast()) return false;
  if (!pol.learnsCas(vsid, mac)) return false;
  const RecordEntry* known = pol.byCa(vsid, ca);
  return known == nullptr || known->mac != mac ||
         (known->type == policy::RecordType::Dynamic && pol.dynamicAging() != 0);
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
