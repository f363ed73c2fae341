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

bool routable(const Ipv6Addr& a) {
  return !a.isMulticast() && !a.isLinkLocal() && !a.isLoopback() && !a.isUnspecified();
}

// The ICMPv6 type of a message straight after the header, or 0 (none that
// matters here: an extension header in between, or not ICMPv6).
std::uint8_t icmpType(const wire::Ipv6Header& ip) {
  return ip.nextHeader == wire::kIpProtoIcmpv6 && !ip.payload.empty() ? ip.payload[0] : 0;
}

// Lowers the MSS a TCP SYN announces to what the path carries: the node's
// figure is the overlay's for IPv4, whose header is 20 bytes shorter; an
// external interface's MTU less 60 when the packet leaves by one.
void clampSyn(std::span<std::uint8_t> segment, std::uint16_t overlayMss, const fib::TenantInterface* out) {
  constexpr std::uint8_t kSyn = 0x02;
  if (overlayMss <= 20 || segment.size() < wire::kTcpHeaderLen || (segment[13] & kSyn) == 0) return;
  auto mss = static_cast<std::uint16_t>(overlayMss - 20);
  if (out != nullptr && out->mtu > 60) mss = std::min<std::uint16_t>(mss, static_cast<std::uint16_t>(out->mtu - 60));
  (void)wire::clampMss(segment, mss);
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
    const std::uint32_t length = static_cast<std::uint32_t>(wire::kIpv6HeaderLen + ip->payloadLength);
    // Ethernet padding goes: the packet is exactly the IP length from here on.
    dp::setLength(m, pm.l3Offset + std::size_t{length});
    const bool external = (pm.flags & (dp::kMetaFlagExternal | dp::kMetaFlagTranslated)) == dp::kMetaFlagExternal;
    const std::uint8_t type = icmpType(*ip);
    if (external && (type == wire::kIcmpv6NeighborSolicitation || type == wire::kIcmpv6NeighborAdvertisement)) {
      // Neighbour discovery on an external interface (from a group or a
      // link-local address as well): icmp6-local answers it in the
      // interface's scope.
      pm.l4Offset = static_cast<std::uint16_t>(pm.l3Offset + wire::kIpv6HeaderLen);
      out.to(m, Next::Local);
      continue;
    }
    if (!routable(ip->dst) || !routable(ip->src)) {
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
    if (target->kind == fib::RouteKind::VpnLocal) {
      out.to(m, Next::EspInput);
      continue;
    }
    if (target->kind == fib::RouteKind::Local) {
      // An echo request to the gateway's own address on the interface it
      // came in by; nothing else is for the gateway itself.
      if (external && type == wire::kIcmpv6EchoRequest) {
        pm.l4Offset = static_cast<std::uint16_t>(pm.l3Offset + wire::kIpv6HeaderLen);
        out.to(m, Next::Local);
      } else {
        out.drop(m, Error::LocalUnsupported);
      }
      continue;
    }
    if (target->kind != fib::RouteKind::Overlay && target->kind != fib::RouteKind::Vpn &&
        target->kind != fib::RouteKind::External) {
      vrf->countDrop(block);
      out.drop(m, Error::UnsupportedTarget);
      continue;
    }
    if (ip->hopLimit <= 1) {
      fail(out, m, *vrf, block, Error::HopLimitExceeded, wire::kIcmpv6TimeExceeded, 0);
      continue;
    }
    --l3[7];
    pm.l4Offset = 0;
    const fib::TenantInterface* x =
        target->kind == fib::RouteKind::External ? &tenants.interfaces()[target->iface] : nullptr;
    if (ip->nextHeader == wire::kIpProtoTcp && ctx.tenantMss != 0) {
      clampSyn(l3.subspan(wire::kIpv6HeaderLen, ip->payloadLength), ctx.tenantMss, x);
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
