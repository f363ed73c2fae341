#include "hnv/overlay/vm_icmp_error_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/icmp_error.h"
#include "hnv/overlay/context.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/icmpv6.h"

namespace hnv::overlay {
namespace {

using Error = VmIcmpErrorNode::Error;

// The VSID's router address of one family.
const IpAddr* routerAddress(const VsidInfo& info, bool v4) {
  for (const auto& a : info.routerAddresses) {
    if (a.isV4() == v4) return &a;
  }
  return nullptr;
}

}  // namespace

std::uint16_t VmIcmpErrorNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<OverlayContext>(node);
  const OverlayPolicy& pol = *ctx.policy->get();
  thread_local nodes::ErrorBucket bucket(kPerSecond, kBurst);  // per worker: each graph runs on one lcore
  dp::Dispatch<VmIcmpErrorNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    const std::uint16_t mtu = reportedMtu(pm);
    auto frame = dp::bytes(m);
    const VmPortBinding* b = pol.vmPort(pm.rxPort);
    const VsidInfo* info = b != nullptr ? pol.vsid(b->vsid) : nullptr;
    if (info == nullptr || frame.size() < wire::kEthernetHeaderLen) {
      out.drop(m, Error::Malformed);
      continue;
    }
    const std::uint16_t etherType = wire::load16(frame.data() + 12);
    const bool v4 = etherType == wire::kEtherTypeIpv4;
    if (!v4 && etherType != wire::kEtherTypeIpv6) {
      out.drop(m, Error::NotIp);
      continue;
    }
    pm.l3Offset = wire::kEthernetHeaderLen;
    auto l3 = frame.subspan(wire::kEthernetHeaderLen);
    if (v4 && l3.size() > 6 && (l3[6] & 0x40) == 0) {
      out.drop(m, Error::NotDf);
      continue;
    }
    const IpAddr* source = routerAddress(*info, v4);
    if (source == nullptr) {
      out.drop(m, Error::NoRouterAddress);
      continue;
    }
    const auto check = v4 ? nodes::checkIcmp4ErrorAllowed(l3) : nodes::checkIcmp6ErrorAllowed(l3);
    if (check != nodes::ErrorCheck::Ok) {
      out.drop(m, nodes::errorCheckAs<Error>(check));
      continue;
    }
    if (!bucket.take()) {
      out.drop(m, Error::RateLimited);
      continue;
    }
    const MacAddr vmMac = MacAddr::fromBytes(frame.data() + 6);
    const bool built = v4 ? nodes::buildIcmp4Error(m, wire::kIcmpDestUnreachable, wire::kIcmpCodeFragNeeded, mtu, source->v4())
                          : nodes::buildIcmp6Error(m, wire::kIcmpv6PacketTooBig, 0, mtu, source->v6());
    if (!built) {
      out.drop(m, Error::Malformed);
      continue;
    }
    (void)wire::writeEthernet(dp::bytes(m), vmMac, info->routerMac, etherType);
    pm.txPort = pm.rxPort;
    out.to(m, Next::Tx);
  }
  return out.finish();
}

}  // namespace hnv::overlay
