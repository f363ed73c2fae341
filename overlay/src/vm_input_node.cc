#include "hnv/overlay/vm_input_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/overlay/context.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmpv6.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/dhcp.h"
#include "learning.h"

namespace hnv::overlay {
namespace {

using Next = VmInputNode::Next;
using Error = VmInputNode::Error;
using Out = dp::Dispatch<VmInputNode>;

constexpr std::size_t kL3 = wire::kEthernetHeaderLen;

// Unicast inside one VSID: out of a local VM port, or into the overlay
// toward the PA of the destination's record.
void forwardL2(Out& out, rte_mbuf* m, const OverlayPolicy& pol, Vsid vsid,
               const MacAddr& dst) {
  dp::PacketMeta& pm = dp::meta(m);
  if (auto port = pol.localPort(vsid, dst)) {
    if (*port == pm.rxPort) return out.drop(m, Error::Hairpin);
    pm.txPort = *port;
    return out.to(m, Next::Deliver);
  }
  const RecordEntry* r = pol.byMac(vsid, dst);
  if (r == nullptr || pol.ownsPa(r->pa)) return out.drop(m, Error::UnknownDestination);
  fib::setNextHop(pm, r->pa);
  out.to(m, Next::Encap);
}

// True for an ICMPv6 neighbour solicitation right after the IPv6 header.
bool isNeighborSolicitation(std::span<const std::uint8_t> l3) {
  return l3.size() >= wire::kIpv6HeaderLen + 1 && l3[6] == wire::kIpProtoIcmpv6 &&
         l3[wire::kIpv6HeaderLen] == wire::kIcmpv6NeighborSolicitation;
}

// Decrements the TTL or hop limit; false when the packet must not be routed.
bool decrementTtl(std::span<std::uint8_t> l3, bool v4) {
  if (v4) {
    if (l3[8] <= 1) return false;
    const std::uint16_t old = wire::load16(l3.data() + 8);
    --l3[8];
    wire::store16(l3.data() + 10, wire::checksumAdjust16(wire::load16(l3.data() + 10), old, wire::load16(l3.data() + 8)));
    return true;
  }
  if (l3[7] <= 1) return false;
  --l3[7];
  return true;
}

// The source address an IPv4, IPv6 or ARP frame claims; nullopt for a frame
// too short to say (a malformed one) and unspecified for other EtherTypes,
// which carry no customer address.
std::optional<IpAddr> sourceCa(std::span<const std::uint8_t> l3, std::uint16_t etherType) {
  switch (etherType) {
    case wire::kEtherTypeIpv4:
      if (l3.size() < wire::kIpv4HeaderLen) return std::nullopt;
      return IpAddr(Ipv4Addr::fromBytes(l3.data() + 12));
    case wire::kEtherTypeIpv6:
      if (l3.size() < wire::kIpv6HeaderLen) return std::nullopt;
      return IpAddr(Ipv6Addr::fromBytes(l3.data() + 8));
    case wire::kEtherTypeArp:
      if (l3.size() < 28) return std::nullopt;  // Ethernet/IPv4 ARP: the sender's address at 14
      return IpAddr(Ipv4Addr::fromBytes(l3.data() + 14));
    default:
      return IpAddr(Ipv4Addr());
  }
}

// The address an IPv6 neighbour advertisement, or a duplicate address
// detection probe, claims for the VM (its target), if the frame is one.
std::optional<IpAddr> claimedByNd(std::span<const std::uint8_t> l3) {
  constexpr std::size_t icmp = wire::kIpv6HeaderLen;
  if (l3.size() < icmp + 24 || l3[6] != wire::kIpProtoIcmpv6) return std::nullopt;
  const bool advert = l3[icmp] == wire::kIcmpv6NeighborAdvertisement;
  const bool dad = l3[icmp] == wire::kIcmpv6NeighborSolicitation && Ipv6Addr::fromBytes(l3.data() + 8).isUnspecified();
  if (!advert && !dad) return std::nullopt;
  return IpAddr(Ipv6Addr::fromBytes(l3.data() + icmp + 8));
}

// The distributed router: a frame addressed to the VSID's router MAC.
void route(Out& out, rte_mbuf* m, const OverlayPolicy& pol, Vsid vsid, const VsidInfo& info, std::uint16_t etherType) {
  dp::PacketMeta& pm = dp::meta(m);
  auto frame = dp::bytes(m);
  auto l3 = frame.subspan(kL3);
  const bool v4 = etherType == wire::kEtherTypeIpv4;
  if (!(v4 && l3.size() >= wire::kIpv4HeaderLen && (l3[0] >> 4) == 4) &&
      !(etherType == wire::kEtherTypeIpv6 && l3.size() >= wire::kIpv6HeaderLen && (l3[0] >> 4) == 6)) {
    return out.drop(m, Error::NotIp);
  }
  const IpAddr dst = v4 ? IpAddr(Ipv4Addr::fromBytes(l3.data() + 16)) : IpAddr(Ipv6Addr::fromBytes(l3.data() + 24));
  // The distributed router answers ARP/ND but not ICMP (spec section 3).
  if (pol.isRouterAddress(vsid, dst)) return out.drop(m, Error::ToRouter);
  if (const RoutedEntry* e = pol.route(info.tenant, dst)) {
    const VsidInfo* to = pol.vsid(e->vsid);
    if (to == nullptr) return out.drop(m, Error::NoRoute);
    if (!decrementTtl(l3, v4)) return out.drop(m, Error::TtlExpired);
    (void)wire::writeEthernet(frame, e->record.mac, to->routerMac, etherType);
    pm.vsid = e->vsid.value();
    return forwardL2(out, m, pol, e->vsid, e->record.mac);
  }
  // Outside the virtual network: the VSID's gateway, in the same VSID.
  const RecordEntry* w = pol.wildcard(vsid, !v4);
  if (w == nullptr) return out.drop(m, Error::NoRoute);
  (void)wire::writeEthernet(frame, w->mac, MacAddr::fromBytes(frame.data() + 6), etherType);
  fib::setNextHop(pm, w->pa);
  out.to(m, Next::Encap);
}

}  // namespace

std::uint16_t VmInputNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<OverlayContext>(node);
  const OverlayPolicy& pol = *ctx.policy->get();
  const HookTable* hooks = ctx.hooks != nullptr ? ctx.hooks->get() : nullptr;
  Out out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    const VmPortBinding* b = pol.vmPort(pm.rxPort);
    if (b == nullptr) {
      out.drop(m, Error::UnboundPort);
      continue;
    }
    const VsidInfo* info = pol.vsid(b->vsid);
    if (info == nullptr) {
      out.drop(m, Error::UnknownVsid);
      continue;
    }
    auto frame = dp::bytes(m);
    auto eth = wire::parseEthernet(frame);
    if (!eth) {
      out.drop(m, eth.error().code == wire::WireErrc::Truncated ? Error::Malformed : Error::TaggedFrame);
      continue;
    }
    if (eth->vlanTci) {
      out.drop(m, Error::TaggedFrame);
      continue;
    }
    if (eth->src != b->mac) {
      out.drop(m, Error::SpoofedSourceMac);
      continue;
    }
    if (!b->allowedCas.empty()) {
      auto src = sourceCa(frame.subspan(kL3), eth->etherType);
      if (!src) {
        out.drop(m, Error::Malformed);
        continue;
      }
      if (!b->allows(*src)) {
        out.drop(m, Error::SpoofedSourceCa);
        continue;
      }
      // An advertisement or a DAD probe claims its target, whatever its source.
      if (eth->etherType == wire::kEtherTypeIpv6) {
        if (auto claimed = claimedByNd(frame.subspan(kL3)); claimed && !b->allows(*claimed)) {
          out.drop(m, Error::SpoofedSourceCa);
          continue;
        }
      }
    }
    pm.vsid = b->vsid.value();
    pm.tenant = info->tenant.index();
    pm.l3Offset = kL3;
    if (!passHooks(hooks, HookPoint::FromVm, pm.rxPort, pm.vsid, frame)) {
      out.drop(m, Error::ExtensionDrop);
      continue;
    }
    if (unlikely(pol.portLearns(pm.rxPort)) && ctx.learnPunt != 0 &&
        isUdpBetween(frame, wire::kDhcpClientPort, wire::kDhcpServerPort)) {
      puntCopyToLearner(out, m, ctx);
    }
    if (eth->etherType == wire::kEtherTypeArp) {
      out.to(m, Next::ArpProxy);
    } else if (eth->etherType == wire::kEtherTypeIpv6 && isNeighborSolicitation(frame.subspan(kL3))) {
      out.to(m, Next::NdProxy);
    } else if (eth->dst.isMulticast()) {
      out.to(m, Next::Flood);
    } else if (eth->dst == info->routerMac) {
      route(out, m, pol, b->vsid, *info, eth->etherType);
    } else {
      forwardL2(out, m, pol, b->vsid, eth->dst);
    }
  }
  return out.finish();
}

}  // namespace hnv::overlay
