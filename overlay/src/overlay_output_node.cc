#include "hnv/overlay/overlay_output_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/overlay/context.h"
#include "hnv/wire/ethernet.h"

namespace hnv::overlay {

std::uint16_t OverlayOutputNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<OverlayContext>(node);
  const OverlayPolicy& pol = *ctx.policy->get();
  static const fib::TenantTables kNone;
  const fib::TenantTables& tenants = ctx.tenants != nullptr ? *ctx.tenants->get() : kNone;
  CounterBlock& block = *dp::nodeEnv(node).counters;
  dp::Dispatch<OverlayOutputNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    const IpAddr ca = fib::nextHop(pm);
    const fib::Vrf* vrf = tenants.vrf(TenantId(pm.tenant));
    auto drop = [&](Error why) {
      if (vrf != nullptr) vrf->countDrop(block);
      out.drop(m, why);
    };
    const RoutedEntry* e = pol.route(TenantId(pm.tenant), ca);
    if (e == nullptr) {
      drop(Error::NoRecord);
      continue;
    }
    const RecordEntry* gw = pol.gatewayHere(e->vsid);
    if (gw == nullptr) {
      drop(Error::NotGatewayOfVsid);
      continue;
    }
    if (pol.ownsPa(e->record.pa)) {
      drop(Error::LocalPa);
      continue;
    }
    if (!dp::resizeL2(m, wire::kEthernetHeaderLen)) {
      drop(Error::NoHeadroom);
      continue;
    }
    if (vrf != nullptr) {
      vrf->count(block, fib::TenantPath::ToOverlay,
                 static_cast<std::uint32_t>(rte_pktmbuf_data_len(m) - wire::kEthernetHeaderLen));
    }
    auto frame = dp::bytes(m);
    const bool v4 = (frame[wire::kEthernetHeaderLen] >> 4) == 4;
    (void)wire::writeEthernet(frame, e->record.mac, gw->mac, v4 ? wire::kEtherTypeIpv4 : wire::kEtherTypeIpv6);
    pm.vsid = e->vsid.value();
    pm.flags &= static_cast<std::uint8_t>(~dp::kMetaFlagExternal);
    pm.vlan = 0;
    fib::setNextHop(pm, e->record.pa);
    out.to(m, Next::Encap);
  }
  return out.finish();
}

}  // namespace hnv::overlay
