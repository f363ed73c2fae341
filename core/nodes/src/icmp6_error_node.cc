#include "hnv/nodes/icmp6_error_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/context.h"
#include "hnv/nodes/icmp_error.h"

namespace hnv::nodes {

std::uint16_t Icmp6ErrorNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<NodesContext>(node);
  thread_local ErrorBucket bucket(kPerSecond, kBurst);  // per worker: each graph runs on one lcore
  dp::Dispatch<Icmp6ErrorNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    if (auto c = checkIcmp6ErrorAllowed(dp::bytes(m).subspan(pm.l3Offset)); c != ErrorCheck::Ok) {
      out.drop(m, errorCheckAs<Error>(c));
      continue;
    }
    const fib::Vrf* vrf = ctx.tenants != nullptr ? ctx.tenants->get()->vrf(TenantId(pm.tenant)) : nullptr;
    if (vrf == nullptr || !vrf->icmpSource6()) {
      out.drop(m, Error::NoSource);
      continue;
    }
    if (!bucket.take()) {
      out.drop(m, Error::RateLimited);
      continue;
    }
    const Icmp6ErrorRequest req = icmp6ErrorRequest(pm);
    if (!buildIcmp6Error(m, req.type, req.code, req.word, *vrf->icmpSource6())) {
      out.drop(m, Error::Malformed);
      continue;
    }
    // A packet of the gateway's own, routed like one (see icmp4-error).
    pm.flags &= static_cast<std::uint8_t>(~(dp::kMetaFlagExternal | dp::kMetaFlagTranslated | dp::kMetaFlagNatOut2In));
    out.to(m, Next::Route);
  }
  return out.finish();
}

}  // namespace hnv::nodes
