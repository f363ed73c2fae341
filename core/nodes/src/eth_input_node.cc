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
    // A tagged frame, or an untagged one on a port with an untagged tenant
    // interface, belongs to that tenant interface; the rest to the underlay.
    const std::uint16_t vlan = eth->vlanId();
    const fib::TenantInterface* x = nullptr;
    if (tenants != nullptr && (eth->vlanTci || tenants->portCarriesTenants(pm.rxPort))) {
      x = tenants->interface(pm.rxPort, vlan);
    }
    if (x != nullptr) {
      // Group frames are ARP's and neighbour discovery's only: the gateway
      // routes unicast, never a tenant network's broadcasts or multicasts
      // (DHCP, mDNS, ...); ip6-lookup takes only ND from a group.
      const bool v6 = eth->etherType == wire::kEtherTypeIpv6 && x->address6.has_value();
      if (eth->dst.isMulticast() ? eth->etherType != wire::kEtherTypeArp && !(v6 && eth->dst.isIpv6Multicast())
                                 : eth->dst != x->mac) {
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
        case wire::kEtherTypeIpv6:
          if (v6) {
            out.to(m, Next::TenantIp6);
            break;
          }
          [[fallthrough]];
        default: out.drop(m, Error::TenantEtherType); break;
      }
      continue;
    }
    if (eth->vlanTci) {
      out.drop(m, Error::VlanNotConfigured);
      continue;
    }
    const fib::PortAddresses* port = local->onPort(pm.rxPort);
    if (port == nullptr) {
      out.drop(m, Error::NotForUs);
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
