#include "hnv/nodes/icmp4_error_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/context.h"
#include "hnv/nodes/icmp_error.h"

namespace hnv::nodes {

std::uint16_t Icmp4ErrorNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<NodesContext>(node);
  thread_local ErrorBucket bucket(kPerSecond, kBurst);  // per worker: each graph runs on one lcore
  dp::Dispatch<Icmp4ErrorNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    if (auto c = checkIcmp4ErrorAllowed(dp::bytes(m).subspan(pm.l3Offset)); c != ErrorCheck::Ok) {
      out.drop(m, errorCheckAs<Error>(c));
      continue;
    }
    const Icmp4ErrorRequest req = icmp4ErrorRequest(pm);
    // Source 0: the tenant's gateway address (its VRF's).
    Ipv4Addr source = Ipv4Addr::fromHost(req.source);
    if (req.source == 0) {
      const fib::Vrf* vrf = ctx.tenants != nullptr ? ctx.tenants->get()->vrf(TenantId(pm.tenant)) : nullptr;
      if (vrf == nullptr || !vrf->icmpSource()) {
        out.drop(m, Error::NoSource);
        continue;
      }
      source = *vrf->icmpSource();
    }
    if (!bucket.take()) {
      out.drop(m, Error::RateLimited);
      continue;
    }
    if (!buildIcmp4Error(m, req.type, req.code, req.mtu, source)) {
      out.drop(m, Error::Malformed);
      continue;
    }
    // A new packet of the gateway's own: routed like one (never "came in on
    // an external interface", so ip4-lookup does not deliver it locally), and
    // untranslated (NAT may translate it on its way back to the sender).
    pm.flags &= static_cast<std::uint8_t>(~(dp::kMetaFlagExternal | dp::kMetaFlagTranslated | dp::kMetaFlagNatOut2In));
    out.to(m, Next::Route);
  }
  return out.finish();
}

}  // namespace hnv::nodes
