#include "hnv/nodes/arp_input_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/context.h"
#include "hnv/wire/arp.h"
#include "hnv/wire/ethernet.h"

namespace hnv::nodes {

std::uint16_t ArpInputNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<NodesContext>(node);
  const fib::LocalAddresses* local = ctx.local->get();
  const fib::TenantTables* tenants = ctx.tenants != nullptr ? ctx.tenants->get() : nullptr;
  const fib::NeighborTable* neighbors = ctx.neighbors != nullptr ? ctx.neighbors->get() : nullptr;
  dp::Dispatch<ArpInputNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto frame = dp::bytes(m);
    auto arp = wire::parseArp(frame.subspan(pm.l3Offset));
    if (!arp) {
      out.drop(m, Error::Malformed);
      continue;
    }
    // On a tenant's external interface (eth-input found it): its address
    // (and the NAT external addresses on its network), MAC and neighbour
    // scope; otherwise the underlay's.
    const fib::TenantInterface* x = nullptr;
    fib::NeighborScope scope = fib::kUnderlay;
    if ((pm.flags & dp::kMetaFlagExternal) != 0) {
      auto index = tenants != nullptr ? tenants->interfaceIndex(pm.rxPort, pm.vlan) : std::nullopt;
      if (!index) {
        out.drop(m, Error::NotOurAddress);
        continue;
      }
      x = &tenants->interfaces()[*index];
      scope = x->scope;
    }
    const bool forUs = x != nullptr ? x->answersArp(arp->tpa) : local->owns(pm.rxPort, arp->tpa);
    // The underlay learns only on a port with provider addresses and about a
    // sender on one of their subnets: untagged frames on a tenant's trunk (a
    // port without PAs) take this path too, and its neighbours are on-link.
    const fib::PortAddresses* pas = x == nullptr ? local->onPort(pm.rxPort) : nullptr;
    const bool mayTeach = x != nullptr || (pas != nullptr && pas->onLink(arp->spa));
    bool teaches = false;
    if (ctx.arpPunt != 0 && neighbors != nullptr && !arp->spa.isUnspecified() && mayTeach) {
      const fib::Neighbor* known = neighbors->find(arp->spa, scope);
      teaches = known != nullptr ? (known->mac != arp->sha || known->port != pm.rxPort) : forUs;
    }
    if (arp->op != wire::ArpOp::Request || !forUs) {
      if (teaches) {
        pm.control = ctx.arpPunt;
        out.to(m, Next::Punt);
      } else {
        out.drop(m, arp->op != wire::ArpOp::Request ? Error::ReplyIgnored : Error::NotOurAddress);
      }
      continue;
    }
    if (teaches) {
      if (rte_mbuf* copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX); copy != nullptr) {
        dp::resetMeta(copy, pm.rxPort);
        dp::meta(copy).l3Offset = pm.l3Offset;
        dp::meta(copy).vlan = pm.vlan;
        dp::meta(copy).flags = pm.flags & dp::kMetaFlagExternal;
        dp::meta(copy).control = ctx.arpPunt;
        out.emit(copy, Next::Punt);
      }
    }
    const MacAddr& ourMac = x != nullptr ? x->mac : local->onPort(pm.rxPort)->mac;
    wire::ArpPacket reply{wire::ArpOp::Reply, ourMac, arp->tpa, arp->sha, arp->spa};
    // The reply has exactly the size of the request: rewrite in place. Only
    // the addresses change in the Ethernet header, so a VLAN tag stays.
    arp->sha.toBytes(frame.data());
    ourMac.toBytes(frame.data() + 6);
    (void)wire::writeArp(frame.subspan(pm.l3Offset), reply);
    pm.txPort = pm.rxPort;
    out.to(m, Next::Tx);
  }
  return out.finish();
}

}  // namespace hnv::nodes
