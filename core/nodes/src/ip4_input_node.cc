#include "hnv/nodes/ip4_input_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/context.h"
#include "hnv/wire/ipv4.h"
#include "ipv4_check.h"

namespace hnv::nodes {

std::uint16_t Ip4InputNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const NodesContext& ctx = dp::nodeState<NodesContext>(node);
  const fib::LocalAddresses* local = ctx.local->get();
  const fib::MulticastGroups* groups = ctx.groups != nullptr ? ctx.groups->get() : nullptr;
  dp::Dispatch<Ip4InputNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto l3 = dp::bytes(m).subspan(pm.l3Offset);
    std::optional<wire::Ipv4Header> ip;
    if (const Ipv4Check c = checkIpv4(l3, ip); c != Ipv4Check::Ok) {
      out.drop(m, c == Ipv4Check::Malformed ? Error::Malformed : Error::BadChecksum);
      continue;
    }
    if (!local->owns(pm.rxPort, ip->dst)) {
      // NVGRE to a VSID's PA multicast group this node has joined, from the
      // underlay, taken on one port only (a team's members each get the
      // flooded copy) and never our own copy coming back.
      const bool group = ip->dst.isMulticast() && ip->protocol == wire::kIpProtoGre && groups != nullptr &&
                         groups->has(ip->dst) && (pm.flags & dp::kMetaFlagExternal) == 0 &&
                         local->groupPort() == pm.rxPort && !local->ownsAnywhere(ip->src);
      if (!group) {
        out.drop(m, Error::NotLocal);
        continue;
      }
    }
    // The node never reassembles: the overlay is sent with DF and a fragmented
    // echo request is not worth an answer.
    if (ip->isFragment()) {
      out.drop(m, Error::Fragment);
      continue;
    }
    pm.l4Offset = static_cast<std::uint16_t>(pm.l3Offset + ip->headerLength);
    // Drop Ethernet padding so the packet length is the IP length (the parser
    // checked that the buffer holds totalLength bytes, so this only shrinks).
    dp::setLength(m, pm.l3Offset + std::size_t{ip->totalLength});
    switch (ip->protocol) {
      case wire::kIpProtoIcmp: out.to(m, Next::Icmp); break;
      case wire::kIpProtoGre: out.to(m, Next::Gre); break;
      default: out.drop(m, Error::UnknownProtocol); break;
    }
  }
  return out.finish();
}

}  // namespace hnv::nodes
