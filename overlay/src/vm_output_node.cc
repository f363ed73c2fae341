#include "hnv/overlay/vm_output_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/overlay/context.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/dhcp.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "ca_test_tap.h"
#include "learning.h"

namespace hnv::overlay {
namespace {

}  // namespace

std::uint16_t VmOutputNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<OverlayContext>(node);
  const OverlayPolicy& pol = *ctx.policy->get();
  const HookTable* hooks = ctx.hooks != nullptr ? ctx.hooks->get() : nullptr;
  dp::Dispatch<VmOutputNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    if (unlikely(pol.vmPort(pm.txPort) == nullptr)) {
      out.drop(m, Error::NotAVmPort);
      continue;
    }
    auto frame = dp::bytes(m);
    if (!passHooks(hooks, HookPoint::ToVm, pm.txPort, pm.vsid, frame)) {
      out.drop(m, Error::ExtensionDrop);
      continue;
    }
    if (unlikely(isCaTestReply(ctx, frame))) {
      pm.control = ctx.caTestPunt;
      out.to(m, Next::Punt);
      continue;
    }
    if (unlikely(pol.portLearns(pm.txPort)) && ctx.learnPunt != 0 &&
        isUdpBetween(frame, wire::kDhcpServerPort, wire::kDhcpClientPort)) {
      puntCopyToLearner(out, m, ctx);
    }
    out.to(m, Next::Tx);
  }
  return out.finish();
}

}  // namespace hnv::overlay
