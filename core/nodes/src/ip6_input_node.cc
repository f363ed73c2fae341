#include "hnv/nodes/ip6_input_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/context.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"

namespace hnv::nodes {
std::uint16_t Ip6InputNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const NodesContext& ctx = dp::nodeState<NodesContext>(node);
  const fib::LocalAddresses* local = ctx.local->get();
  const fib::MulticastGroups* groups = ctx.groups != nullptr ? ctx.groups->get() : nullptr;
  dp::Dispatch<Ip6InputNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto l3 = dp::bytes(m).subspan(pm.l3Offset);
    auto ip = wire::parseIpv6(l3);
    if (!ip) {
      out.drop(m, Error::Malformed);
      continue;
    }
    bool forUs = ip->dst.isMulticast()
                     ? (ip->dst == Ipv6Addr::allNodes() || local->ownsSolicitedNode(pm.rxPort, ip->dst))
                     : local->owns(pm.rxPort, ip->dst);
    // NVGRE to a VSID's PA multicast group this node has joined, as
    // ip4-input takes it: from the underlay, on one port only, never our
    // own copy coming back; only GRE is taken (checked below).
    const bool group = !forUs && ip->dst.isMulticast() && groups != nullptr && groups->has(ip->dst) &&
                       (pm.flags & dp::kMetaFlagExternal) == 0 && local->groupPort6() == pm.rxPort &&
                       !local->ownsAnywhere(ip->src);
    if (!forUs && !group) {
      out.drop(m, Error::NotLocal);
      continue;
    }
    auto upper = wire::walkExtensionHeaders(ip->nextHeader, ip->payload);
    if (!upper) {
      out.drop(m, Error::Malformed);
      continue;
    }
    if (upper->fragmented) {
      out.drop(m, Error::Fragment);
      continue;
    }
    pm.l4Offset = static_cast<std::uint16_t>(pm.l3Offset + wire::kIpv6HeaderLen + upper->offset);
    // Drop Ethernet padding (only shrinks: the parser checked the payload fits).
    dp::setLength(m, pm.l3Offset + wire::kIpv6HeaderLen + std::size_t{ip->payloadLength});
    if (group && upper->protocol != wire::kIpProtoGre) {
      out.drop(m, Error::NotLocal);
      continue;
    }
    switch (upper->protocol) {
      case wire::kIpProtoIcmpv6: out.to(m, Next::Icmp); break;
      case wire::kIpProtoGre: out.to(m, Next::Gre); break;
      default: out.drop(m, Error::UnknownProtocol); break;
    }
  }
  return out.finish();
}

}  // namespace hnv::nodes
