#include "hnv/nodes/ip6_lookup_node.h"

#include <algorithm>

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/context.h"
#include "hnv/nodes/icmp6_error_node.h"
#include "hnv/wire/icmpv6.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/tcp.h"

namespace hnv::nodes {
namespace {

using Out = dp::Dispatch<Ip6LookupNode>;

// Loopback (::1) and the unspecified address, from the header's bytes.
bool loopbackOrUnspecified(const std::uint8_t* a) {
  return std::all_of(a, a + 15, [](std::uint8_t b) { return b == 0; }) && a[15] <= 1;
}

// Lowers the MSS a TCP SYN announces to what the overlay carries: the
// node's figure is for IPv4, whose header is 20 bytes shorter.
void clampSyn(std::span<std::uint8_t> segment, std::uint16_t overlayMss) {
  constexpr std::uint8_t kSyn = 0x02;
  if (overlayMss <= 20 || segment.size() < wire::kTcpHeaderLen || (segment[13] & kSyn) == 0) return;
  (void)wire::clampMss(segment, static_cast<std::uint16_t>(overlayMss - 20));
}

// Counts why the packet cannot go on, and answers its sender with ICMPv6
// when the tenant has an IPv6 address to send it from.
void fail(Out& out, rte_mbuf* m, const fib::Vrf& vrf, CounterBlock& block, Ip6LookupNode::Error why, std::uint8_t type,
          std::uint8_t code) {
  vrf.countDrop(block);
  if (!vrf.icmpSource6()) return out.drop(m, why);
  out.count(why);
  requestIcmp6Error(dp::meta(m), type, code);
  out.to(m, Ip6LookupNode::Next::IcmpError);
}

}  // namespace

std::uint16_t Ip6LookupNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<NodesContext>(node);
  static const fib::TenantTables kNone;
  const fib::TenantTables& tenants = ctx.tenants != nullptr ? *ctx.tenants->get() : kNone;
  CounterBlock& block = *dp::nodeEnv(node).counters;
  Out out(graph, node, objs, count);
  std::uint32_t cachedTenant = 0;
  const fib::Vrf* vrf = nullptr;
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto l3 = dp::bytes(m).subspan(pm.l3Offset);
    auto ip = wire::parseIpv6(l3);
    if (!ip) {
      out.drop(m, Error::Malformed);
      continue;
    }
    // A jumbogram (payload length 0) is not supported: its payload is not what the header says.
    if (ip->payloadLength == 0) {
      out.drop(m, Error::Malformed);
      continue;
    }
    if (ip->dst.isMulticast() || ip->dst.isLinkLocal() || loopbackOrUnspecified(&l3[24]) || ip->src.isMulticast() ||
        ip->src.isLinkLocal() || loopbackOrUnspecified(&l3[8])) {
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
    const std::uint32_t length = static_cast<std::uint32_t>(wire::kIpv6HeaderLen + ip->payloadLength);
    if ((pm.flags & dp::kMetaFlagTranslated) == 0) {
      vrf->count(block,
                 (pm.flags & dp::kMetaFlagExternal) != 0 ? fib::TenantPath::FromExternal : fib::TenantPath::FromOverlay,
                 length);
    }
    const fib::RouteTarget* target = vrf->lookup(ip->dst);
    if (target == nullptr) {
      fail(out, m, *vrf, block, Error::NoRoute, wire::kIcmpv6DestUnreachable, 0);
      continue;
    }
    if (target->kind != fib::RouteKind::Overlay && target->kind != fib::RouteKind::Vpn) {
      vrf->countDrop(block);
      out.drop(m, Error::UnsupportedTarget);
      continue;
    }
    if (ip->hopLimit <= 1) {
      fail(out, m, *vrf, block, Error::HopLimitExceeded, wire::kIcmpv6TimeExceeded, 0);
      continue;
    }
    --l3[7];
    // Ethernet padding goes: the packet is exactly the IP length from here on.
    dp::setLength(m, pm.l3Offset + std::size_t{length});
    pm.l4Offset = 0;
    if (ip->nextHeader == wire::kIpProtoTcp && ctx.tenantMss != 0) {
      clampSyn(l3.subspan(wire::kIpv6HeaderLen, ip->payloadLength), ctx.tenantMss);
    }
    if (target->kind == fib::RouteKind::Vpn) {
      pm.scratch[0] = target->iface;
      out.to(m, Next::EspEncrypt);
      continue;
    }
    fib::setNextHop(pm, target->nextHop ? *target->nextHop : IpAddr(ip->dst));
    out.to(m, Next::Overlay);
  }
  return out.finish();
}

}  // namespace hnv::nodes
