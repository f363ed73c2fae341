#include "hnv/nodes/eth_input_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/context.h"
#include "hnv/wire/ethernet.h"

namespace hnv::nodes {

std::uint16_t EthInputNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<NodesContext>(node);
  const fib::LocalAddresses* local = ctx.local->get();
  const fib::TenantTables* tenants = ctx.tenants != nullptr ? ctx.tenants->get() : nullptr;
  dp::Dispatch<EthInputNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    if (i + 1 < count) rte_prefetch0(rte_pktmbuf_mtod(static_cast<rte_mbuf*>(objs[i + 1]), void*));
    dp::PacketMeta& pm = dp::meta(m);
    auto eth = wire::parseEthernet(dp::bytes(m));
    if (!eth) {
      out.drop(m, Error::Malformed);
      continue;
    }
    const fib::PortAddresses* port = local->onPort(pm.rxPort);
    if (eth->vlanTci || port == nullptr) {
      // A tenant's external interface, or nothing of ours.
      const std::uint16_t vlan = eth->vlanTci ? static_cast<std::uint16_t>(*eth->vlanTci & 0x0FFF) : 0;
      const fib::TenantInterface* x = tenants != nullptr ? tenants->interface(pm.rxPort, vlan) : nullptr;
      if (x == nullptr) {
        out.drop(m, eth->vlanTci ? Error::VlanNotConfigured : Error::NotForUs);
        continue;
      }
      if (!eth->dst.isMulticast() && eth->dst != x->mac) {
        out.drop(m, Error::NotForUs);
        continue;
      }
      pm.tenant = x->tenant.index();
      pm.vlan = vlan;
      pm.flags |= dp::kMetaFlagExternal;
      pm.l3Offset = eth->headerLength;
      switch (eth->etherType) {
        case wire::kEtherTypeArp: out.to(m, Next::Arp); break;
        case wire::kEtherTypeIpv4: out.to(m, Next::TenantIp4); break;
        default: out.drop(m, Error::TenantEtherType); break;
      }
      continue;
    }
    if (!eth->dst.isMulticast() && eth->dst != port->mac) {
      out.drop(m, Error::NotForUs);
      continue;
    }
    pm.l3Offset = eth->headerLength;
    switch (eth->etherType) {
      case wire::kEtherTypeArp: out.to(m, Next::Arp); break;
      case wire::kEtherTypeIpv4: out.to(m, Next::Ip4); break;
      case wire::kEtherTypeIpv6: out.to(m, Next::Ip6); break;
      default: out.drop(m, Error::UnknownEtherType); break;
    }
  }
  return out.finish();
}

}  // namespace hnv::nodes
