#include "hnv/nodes/ip4_lookup_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/context.h"
#include "hnv/nodes/icmp4_error_node.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/ipv4.h"
#include "ipv4_check.h"
#include "hnv/wire/tcp.h"

#include <algorithm>

namespace hnv::nodes {
namespace {

// Lowers the MSS a TCP SYN announces to what the path through the gateway
// carries (MTU pain point 1 of the spec: guests keep 1500 and break).
void clampSyn(std::span<std::uint8_t> segment, std::uint16_t overlayMss, const fib::TenantInterface* out) {
  constexpr std::uint8_t kSyn = 0x02;
  if (segment.size() < wire::kTcpHeaderLen || (segment[13] & kSyn) == 0) return;
  std::uint16_t mss = overlayMss;
  if (out != nullptr && out->mtu > 40) mss = std::min<std::uint16_t>(mss, static_cast<std::uint16_t>(out->mtu - 40));
  (void)wire::clampMss(segment, mss);
}

using Out = dp::Dispatch<Ip4LookupNode>;

// Counts why the packet cannot go on, and answers its sender with ICMP when
// the tenant has an address to send it from.
void fail(Out& out, rte_mbuf* m, const fib::Vrf& vrf, CounterBlock& block, Ip4LookupNode::Error why, std::uint8_t type,
          std::uint8_t code) {
  vrf.countDrop(block);
  if (!vrf.icmpSource()) return out.drop(m, why);
  out.count(why);
  requestIcmp4Error(dp::meta(m), type, code, *vrf.icmpSource());
  out.to(m, Ip4LookupNode::Next::IcmpError);
}

}  // namespace

std::uint16_t Ip4LookupNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<NodesContext>(node);
  // A node without tenant tables (a test harness) has nothing to route.
  static const fib::TenantTables kNone;
  const fib::TenantTables& tenants = ctx.tenants != nullptr ? *ctx.tenants->get() : kNone;
  CounterBlock& block = *dp::nodeEnv(node).counters;
  Out out(graph, node, objs, count);
  // Consecutive packets mostly belong to one tenant: keep its VRF.
  std::uint32_t cachedTenant = 0;
  const fib::Vrf* vrf = nullptr;
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto l3 = dp::bytes(m).subspan(pm.l3Offset);
    std::optional<wire::Ipv4Header> ip;
    const bool translated = (pm.flags & dp::kMetaFlagTranslated) != 0;
    if (const Ipv4Check c = checkIpv4(l3, ip, !translated); c != Ipv4Check::Ok) {
      out.drop(m, c == Ipv4Check::Malformed ? Error::Malformed : Error::BadChecksum);
      continue;
    }
    // Only unicast is routed (RFC 1812 5.3.5: no broadcast or multicast, no class E).
    if (ip->dst.isMulticast() || ip->dst.isBroadcast() || (ip->dst.host() >> 28) == 0xF) {
      out.drop(m, Error::NotUnicast);
      continue;
    }
    if (pm.tenant != cachedTenant || vrf == nullptr) {
      cachedTenant = pm.tenant;
      vrf = tenants.vrf(TenantId(pm.tenant));
    }
    if (vrf == nullptr) {
      out.drop(m, Error::NoVrf);
      continue;
    }
    if (!translated) {
      vrf->count(block,
                 (pm.flags & dp::kMetaFlagExternal) != 0 ? fib::TenantPath::FromExternal : fib::TenantPath::FromOverlay,
                 ip->totalLength);
    }
    const fib::RouteTarget* target = vrf->lookup(ip->dst);
    if (target == nullptr) {
      fail(out, m, *vrf, block, Error::NoRoute, wire::kIcmpDestUnreachable, wire::kIcmpCodeNetUnreachable);
      continue;
    }
    pm.l4Offset = static_cast<std::uint16_t>(pm.l3Offset + ip->headerLength);
    // Ethernet padding goes: the packet is exactly the IP length from here on.
    dp::setLength(m, pm.l3Offset + std::size_t{ip->totalLength});
    // NAT44 before the TTL: the packet comes back here in the other routing
    // domain, where it is decremented once. A translated packet routed to
    // "nat" again would go round: it is dropped. Into an external address
    // it may go (hairpinning: one tenant to its own or another's external
    // address).
    if (target->kind == fib::RouteKind::Nat) {
      if (translated) {
        vrf->countDrop(block);
        out.drop(m, Error::NatLoop);
      } else {
        out.to(m, Next::NatIn2Out);
      }
      continue;
    }
    if (target->kind == fib::RouteKind::NatExternal) {
      out.to(m, Next::NatOut2In);
      continue;
    }
    if (target->kind == fib::RouteKind::VpnLocal) {
      out.to(m, Next::EspInput);
      continue;
    }
    if (target->kind == fib::RouteKind::Local) {
      // An echo request to the gateway's own address on the interface it came
      // in by (nothing else: echo replies belong to the node's PA pinger).
      if ((pm.flags & dp::kMetaFlagExternal) != 0 && ip->protocol == wire::kIpProtoIcmp && !ip->isFragment() &&
          !ip->payload.empty() && ip->payload[0] == wire::kIcmpEchoRequest) {
        out.to(m, Next::Local);
      } else {
        out.drop(m, Error::LocalUnsupported);
      }
      continue;
    }
    std::uint8_t* h = l3.data();
    if (h[8] <= 1) {
      fail(out, m, *vrf, block, Error::TtlExpired, wire::kIcmpTimeExceeded, wire::kIcmpCodeTtlExceeded);
      continue;
    }
    const std::uint16_t old = wire::load16(h + 8);
    --h[8];
    wire::store16(h + 10, wire::checksumAdjust16(wire::load16(h + 10), old, wire::load16(h + 8)));
    const fib::TenantInterface* x =
        target->kind == fib::RouteKind::External ? &tenants.interfaces()[target->iface] : nullptr;
    if (ip->protocol == wire::kIpProtoTcp && ctx.tenantMss != 0 && !ip->isFragment()) {
      clampSyn(l3.subspan(ip->headerLength, ip->totalLength - ip->headerLength), ctx.tenantMss, x);
    }
    if (target->kind == fib::RouteKind::Vpn) {
      pm.scratch[0] = target->iface;
      out.to(m, Next::EspEncrypt);
      continue;
    }
    fib::setNextHop(pm, target->nextHop ? *target->nextHop : IpAddr(ip->dst));
    if (x == nullptr) {
      out.to(m, Next::Overlay);
      continue;
    }
    pm.txPort = x->port;
    pm.vlan = x->vlan;
    out.to(m, Next::Interface);
  }
  return out.finish();
}

}  // namespace hnv::nodes
