#include "hnv/nodes/iface_output_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/context.h"
#include "hnv/nodes/icmp4_error_node.h"
#include "hnv/nodes/icmp6_error_node.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/icmpv6.h"

namespace hnv::nodes {

std::uint16_t IfaceOutputNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<NodesContext>(node);
  // A node without tenant tables (a test harness) has nothing to route.
  static const fib::TenantTables kNone;
  const fib::TenantTables& tenants = ctx.tenants != nullptr ? *ctx.tenants->get() : kNone;
  const fib::NeighborTable& neighbors = *ctx.neighbors->get();
  CounterBlock& block = *dp::nodeEnv(node).counters;
  dp::Dispatch<IfaceOutputNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto index = tenants.interfaceIndex(pm.txPort, pm.vlan);
    if (!index) {
      out.drop(m, Error::NoInterface);
      continue;
    }
    const fib::TenantInterface& x = tenants.interfaces()[*index];
    if (x.tenant.index() != pm.tenant) {
      // The port and VLAN changed hands between ip4-lookup and here (a
      // policy published in between): never into another tenant's network.
      out.drop(m, Error::NoInterface);
      continue;
    }
    const fib::Vrf* vrf = tenants.vrf(x.tenant);
    const std::size_t ipLength = rte_pktmbuf_data_len(m) - pm.l3Offset;
    const bool v6 = (dp::bytes(m)[pm.l3Offset] >> 4) == 6;
    if (ipLength > x.mtu) {
      if (vrf != nullptr) vrf->countDrop(block);
      if (v6) {
        // IPv6 routers never fragment: "packet too big" (RFC 8201); but not
        // about the gateway's own packets (ESP it encrypted: translated).
        if ((pm.flags & dp::kMetaFlagTranslated) != 0) {
          out.drop(m, Error::TooBig);
          continue;
        }
        out.count(Error::TooBig);
        requestIcmp6Error(pm, wire::kIcmpv6PacketTooBig, 0, x.mtu);
        out.to(m, Next::Icmp6Error);
        continue;
      }
      const bool df = (dp::bytes(m)[pm.l3Offset + 6] & 0x40) != 0;
      if (!df) {
        out.drop(m, Error::TooBig);
        continue;
      }
      out.count(Error::TooBig);
      requestIcmp4Error(pm, wire::kIcmpDestUnreachable, wire::kIcmpCodeFragNeeded, x.address, x.mtu);
      out.to(m, Next::IcmpError);
      continue;
    }
    const std::uint16_t header = x.vlan != 0 ? wire::kEthernetHeaderLen + 4 : wire::kEthernetHeaderLen;
    if (!dp::resizeL2(m, header)) {
      out.drop(m, Error::NoHeadroom);
      continue;
    }
    const fib::Neighbor* nb = neighbors.find(fib::nextHop(pm), x.scope);
    (void)wire::writeEthernet(dp::bytes(m), nb != nullptr ? nb->mac : MacAddr(), x.mac,
                              v6 ? wire::kEtherTypeIpv6 : wire::kEtherTypeIpv4,
                              x.vlan != 0 ? std::optional<std::uint16_t>(x.vlan) : std::nullopt);
    pm.flags |= dp::kMetaFlagExternal;
    if (vrf != nullptr) vrf->count(block, fib::TenantPath::ToExternal, static_cast<std::uint32_t>(ipLength));
    if (nb != nullptr) {
      out.to(m, Next::Tx);
    } else if (ctx.missPunt != 0) {
      pm.control = ctx.missPunt;
      out.to(m, Next::Punt);
    } else {
      out.drop(m, Error::NoNeighbor);
    }
  }
  return out.finish();
}

}  // namespace hnv::nodes
