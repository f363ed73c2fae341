#include "hnv/overlay/arp_proxy_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/overlay/context.h"
#include "hnv/wire/arp.h"
#include "hnv/wire/ethernet.h"
#include "learning.h"

namespace hnv::overlay {

std::uint16_t ArpProxyNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<OverlayContext>(node);
  const OverlayPolicy& pol = *ctx.policy->get();
  dp::Dispatch<ArpProxyNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto frame = dp::bytes(m);
    auto arp = wire::parseArp(frame.subspan(pm.l3Offset));
    if (!arp) {
      out.drop(m, Error::Malformed);
      continue;
    }
    const Vsid vsid = metaVsid(pm);
    if (ctx.learnPunt != 0 && shouldLearn(pol, vsid, arp->sha, arp->spa)) puntCopyToLearner(out, m, ctx);
    if (arp->op == wire::ArpOp::Reply) {
      out.drop(m, Error::ReplyAbsorbed);
      continue;
    }
    // A gratuitous request announces the sender's own address: nobody answers it.
    if (arp->spa == arp->tpa) {
      out.drop(m, Error::Announcement);
      continue;
    }
    const NeighborAnswer a = pol.answerNeighbor(vsid, arp->tpa, arp->sha);
    if (a.kind == NeighborAnswer::Kind::Unknown || a.kind == NeighborAnswer::Kind::OwnAddress) {
      // Own CA: the VM probing its own address, for which silence means "free".
      out.drop(m, a.kind == NeighborAnswer::Kind::Unknown ? Error::UnknownTarget : Error::OwnAddress);
      continue;
    }
    const MacAddr answer = a.mac;
    // Same size as the request (padding included): rewrite in place.
    (void)wire::writeEthernet(frame, arp->sha, answer, wire::kEtherTypeArp);
    (void)wire::writeArp(frame.subspan(pm.l3Offset), wire::ArpPacket{wire::ArpOp::Reply, answer, arp->tpa, arp->sha, arp->spa});
    pm.txPort = pm.rxPort;
    out.to(m, Next::Tx);
  }
  return out.finish();
}

}  // namespace hnv::overlay
