#include "hnv/nodes/arp_input_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/context.h"
#include "hnv/wire/arp.h"
#include "hnv/wire/ethernet.h"

namespace hnv::nodes {

std::uint16_t ArpInputNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const fib::LocalAddresses* local = dp::nodeState<NodesContext>(node).local->get();
  dp::Dispatch<ArpInputNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto frame = dp::bytes(m);
    auto arp = wire::parseArp(frame.subspan(pm.l3Offset));
    if (!arp) {
      out.drop(m, Error::Malformed);
      continue;
    }
    if (arp->op != wire::ArpOp::Request) {
      // Neighbour learning arrives with the forwarding gateway.
      out.drop(m, Error::ReplyIgnored);
      continue;
    }
    if (!local->owns(pm.rxPort, arp->tpa)) {
      out.drop(m, Error::NotOurAddress);
      continue;
    }
    const MacAddr& ourMac = local->onPort(pm.rxPort)->mac;
    wire::ArpPacket reply{wire::ArpOp::Reply, ourMac, arp->tpa, arp->sha, arp->spa};
    // The reply has exactly the size of the request: rewrite in place. The
    // Ethernet header keeps its length (a tagged request was dropped earlier).
    (void)wire::writeEthernet(frame, arp->sha, ourMac, wire::kEtherTypeArp);
    (void)wire::writeArp(frame.subspan(pm.l3Offset), reply);
    pm.txPort = pm.rxPort;
    out.to(m, Next::Tx);
  }
  return out.finish();
}

}  // namespace hnv::nodes
