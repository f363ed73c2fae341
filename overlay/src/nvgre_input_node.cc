#include "hnv/overlay/nvgre_input_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/overlay/context.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nvgre.h"
#include "inner_frame.h"

namespace hnv::overlay {
namespace {

using Error = NvgreInputNode::Error;

Error verdictError(InboundVerdict v) {
  switch (v) {
    case InboundVerdict::UnknownVsid: return Error::UnknownVsid;
    case InboundVerdict::WrongPa: return Error::WrongPa;
    default: return Error::NoMatchingRecord;
  }
}

}  // namespace

std::uint16_t NvgreInputNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<OverlayContext>(node);
  const OverlayPolicy& pol = *ctx.policy->get();
  const HookTable* hooks = ctx.hooks != nullptr ? ctx.hooks->get() : nullptr;
  dp::Dispatch<NvgreInputNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto frame = dp::bytes(m);
    auto nv = wire::parseNvgre(frame.subspan(pm.l4Offset));
    if (!nv) {
      out.drop(m, nv.error().code == wire::WireErrc::Truncated ? Error::Truncated : Error::NotNvgre);
      continue;
    }
    pm.vsid = nv->vsid.value();
    if (!nv->vsid.isTenantUsable()) {
      out.drop(m, Error::ReservedVsid);
      continue;
    }
    const VsidInfo* info = pol.vsid(nv->vsid);
    if (info == nullptr) {
      out.drop(m, Error::UnknownVsid);
      continue;
    }
    pm.tenant = info->tenant.index();
    // The outer header was validated by ip4-input / ip6-input.
    const std::uint8_t* outer = frame.data() + pm.l3Offset;
    const bool outerV4 = (outer[0] >> 4) == 4;
    const IpAddr outerSrc = outerV4 ? IpAddr(Ipv4Addr::fromBytes(outer + 12)) : IpAddr(Ipv6Addr::fromBytes(outer + 8));
    const std::uint8_t outerEcn = outerV4 ? (outer[1] & 0x03) : static_cast<std::uint8_t>((outer[1] >> 4) & 0x03);
    const std::size_t innerAt = pm.l4Offset + wire::kNvgreHeaderLen;
    auto innerFrame = frame.subspan(innerAt);
    auto eth = wire::parseEthernet(innerFrame);
    if (!eth) {
      out.drop(m, eth.error().code == wire::WireErrc::Unsupported && innerFrame.size() >= wire::kEthernetHeaderLen
                      ? Error::InnerVlan
                      : Error::InnerMalformed);
      continue;
    }
    if (eth->vlanTci) {
      out.drop(m, Error::InnerVlan);
      continue;
    }
    const InnerView view = viewInner(innerFrame);
    const InboundVerdict verdict = pol.checkInbound(nv->vsid, view.src, eth->src, outerSrc);
    if (verdict != InboundVerdict::Accept) {
      out.drop(m, verdictError(verdict));
      continue;
    }
    if (view.ip && !decapEcn(innerFrame, wire::kEthernetHeaderLen, outerEcn)) {
      out.drop(m, Error::EcnCeNotEct);
      continue;
    }
    if (!passHooks(hooks, HookPoint::Received, pm.rxPort, pm.vsid, frame)) {
      out.drop(m, Error::ExtensionDrop);
      continue;
    }
    rte_pktmbuf_adj(m, static_cast<std::uint16_t>(innerAt));
    pm.l3Offset = wire::kEthernetHeaderLen;
    pm.l4Offset = 0;
    if (eth->dst.isMulticast()) {
      pm.flags |= kMetaFlagFromOverlay;
      out.to(m, Next::Flood);
      continue;
    }
    if (const RecordEntry* gw = pol.gatewayHere(nv->vsid); gw != nullptr && eth->dst == gw->mac) {
      // Addressed to this gateway: routed in the tenant's VRF.
      if (eth->etherType == wire::kEtherTypeIpv4) {
        out.to(m, Next::Route);
      } else if (eth->etherType == wire::kEtherTypeIpv6) {
        out.to(m, Next::Route6);
      } else {
        out.drop(m, Error::GatewayUnsupported);
      }
      continue;
    }
    auto port = pol.localPort(nv->vsid, eth->dst);
    if (!port) {
      out.drop(m, Error::NoLocalPort);
      continue;
    }
    pm.txPort = *port;
    out.to(m, Next::Deliver);
  }
  return out.finish();
}

}  // namespace hnv::overlay
