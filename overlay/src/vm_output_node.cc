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

// A UDP datagram from the DHCP server port to the client port, unfragmented
// (the Learner reads the rest). A few loads; runs only for learning ports.
bool isDhcpToClient(std::span<const std::uint8_t> frame) {
  constexpr std::size_t l3 = wire::kEthernetHeaderLen;
  if (frame.size() < l3 + wire::kIpv4HeaderLen + 8 || wire::load16(frame.data() + 12) != wire::kEtherTypeIpv4) {
    return false;
  }
  const std::uint8_t* ip = frame.data() + l3;
  const std::size_t ihl = std::size_t{ip[0] & 0x0Fu} * 4;
  if (ip[9] != wire::kIpProtoUdp || (wire::load16(ip + 6) & 0x3FFF) != 0 || frame.size() < l3 + ihl + 8) return false;
  return wire::load16(ip + ihl) == wire::kDhcpServerPort && wire::load16(ip + ihl + 2) == wire::kDhcpClientPort;
}

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
    if (unlikely(pol.portLearns(pm.txPort)) && isDhcpToClient(frame)) puntCopyToLearner(out, m, ctx);
    out.to(m, Next::Tx);
  }
  return out.finish();
}

}  // namespace hnv::overlay
