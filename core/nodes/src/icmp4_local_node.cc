#include "hnv/nodes/icmp4_local_node.h"

#include <algorithm>

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/context.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/ipv4.h"

namespace hnv::nodes {
std::uint16_t Icmp4LocalNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<NodesContext>(node);
  dp::Dispatch<Icmp4LocalNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto frame = dp::bytes(m);
    auto icmpBytes = frame.subspan(pm.l4Offset);
    auto icmp = wire::parseIcmp(icmpBytes);
    if (!icmp) {
      out.drop(m, Error::Malformed);
      continue;
    }
    if (!wire::icmpChecksumOk(icmpBytes)) {
      out.drop(m, Error::BadChecksum);
      continue;
    }
    // Echo replies to the node's own pings (PA ping) go to the control thread.
    if (icmp->type == wire::kIcmpEchoReply && ctx.echoReplyPunt != 0) {
      pm.control = ctx.echoReplyPunt;
      out.to(m, Next::Punt);
      continue;
    }
    if (icmp->type != wire::kIcmpEchoRequest) {
      out.drop(m, Error::UnsupportedType);
      continue;
    }
    // Echo reply in place: swap MACs and addresses, type 8 -> 0, fresh TTL;
    // both checksums are adjusted incrementally (RFC 1624).
    std::uint8_t* eth = frame.data();
    std::swap_ranges(eth, eth + 6, eth + 6);
    std::uint8_t* ip = frame.data() + pm.l3Offset;
    std::swap_ranges(ip + 12, ip + 16, ip + 16);
    std::uint16_t oldTtlProto = wire::load16(ip + 8);
    ip[8] = kReplyTtl;
    std::uint16_t newTtlProto = wire::load16(ip + 8);
    wire::store16(ip + 10, wire::checksumAdjust16(wire::load16(ip + 10), oldTtlProto, newTtlProto));
    std::uint8_t* ic = icmpBytes.data();
    std::uint16_t oldTypeCode = wire::load16(ic);
    ic[0] = wire::kIcmpEchoReply;
    wire::store16(ic + 2, wire::checksumAdjust16(wire::load16(ic + 2), oldTypeCode, wire::load16(ic)));
    pm.txPort = pm.rxPort;
    out.to(m, Next::Tx);
  }
  return out.finish();
}

}  // namespace hnv::nodes
