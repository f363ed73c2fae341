#include "hnv/overlay/nvgre_encap_node.h"

#include <rte_branch_prediction.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/icmp4_error_node.h"
#include "hnv/nodes/icmp6_error_node.h"
#include "hnv/overlay/context.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/icmpv6.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nvgre.h"
#include "inner_frame.h"
#include "segment.h"

namespace hnv::overlay {
namespace {

// GRE plus the outer IP header of each family: what the outer IP packet adds
// to the inner frame (the uplink's MTU counts it), and with the outer
// Ethernet header what is prepended.
constexpr std::uint16_t kOuter4 = wire::kIpv4HeaderLen + wire::kNvgreHeaderLen;
constexpr std::uint16_t kOuter6 = wire::kIpv6HeaderLen + wire::kNvgreHeaderLen;
constexpr std::uint16_t outerIpLen(const Ipv4Addr&) { return kOuter4; }
constexpr std::uint16_t outerIpLen(const Ipv6Addr&) { return kOuter6; }

template <class Addr>
struct Uplink {
  const fib::PortAddresses* port = nullptr;
  Addr source;
};

// Per packet and per uplink address: an inline mask compare
// (InterfaceAddressT::onLink); a group is reached from any address.
template <class Addr>
bool onSubnet(const InterfaceAddressT<Addr>& a, const Addr& dst) {
  return dst.isMulticast() || a.onLink(dst);
}

template <class Addr>
bool hasSubnet(const fib::PortAddresses& p, const Addr& dst) {
  const auto& as = p.of<Addr>();
  return std::any_of(as.begin(), as.end(), [&](const auto& a) { return onSubnet(a, dst); });
}

// NIC teaming (spec section 3): the egress port is chosen by the flow hash
// among the uplinks with an address on the destination's subnet (the
// underlay is one L2 segment per PA subnet), so flows spread over every team
// member; the source address stays the PA of the sending VM's record (what
// receive validation at the far end expects) when this node owns it, else
// the port's own address on that subnet. A failed member's PAs have moved to
// a survivor, so it is no longer among the candidates. The underlay is
// either family: an IPv6 PA is reached from the uplinks' IPv6 addresses.
template <class Addr>
Uplink<Addr> chooseUplink(const fib::LocalAddresses& local, const Addr& dst, std::uint32_t hash,
                          const std::optional<Addr>& preferred) {
  std::uint32_t n = 0;
  for (const auto& p : local.ports()) n += hasSubnet(p, dst) ? 1 : 0;
  if (n == 0) return {};
  Uplink<Addr> up;
  std::uint32_t pick = hash % n;
  bool owned = false;
  for (const auto& p : local.ports()) {
    if (!hasSubnet(p, dst)) continue;
    for (const auto& a : p.of<Addr>()) owned = owned || (preferred && a.address() == *preferred);
    if (up.port == nullptr && pick-- == 0) up.port = &p;
  }
  if (owned) {
    up.source = *preferred;
  } else {
    for (const auto& a : up.port->template of<Addr>()) {
      if (onSubnet(a, dst)) {
        up.source = a.address();
        break;
      }
    }
  }
  return up;
}

// The uplink and the underlay next hop toward `dstPa`: the PA itself on
// one of our PA subnets, else the gateway of a provider route (itself on one).
template <class Addr>
struct UnderlayPath {
  Uplink<Addr> up;
  Addr hop;
};

template <class Addr>
UnderlayPath<Addr> underlayPath(const fib::LocalAddresses& local, const OverlayPolicy& pol, const Addr& dstPa,
                                std::uint32_t hash, const std::optional<Addr>& preferred) {
  UnderlayPath<Addr> path{chooseUplink(local, dstPa, hash, preferred), dstPa};
  if (likely(path.up.port != nullptr)) return path;
  if (auto gw = pol.providerNextHop(dstPa)) path = {chooseUplink(local, *gw, hash, preferred), *gw};
  return path;
}

std::optional<Ipv4Addr> ofFamily(const IpAddr& a, const Ipv4Addr&) {
  return a.isV4() ? std::optional<Ipv4Addr>(a.v4()) : std::nullopt;
}
std::optional<Ipv6Addr> ofFamily(const IpAddr& a, const Ipv6Addr&) {
  return a.isV4() ? std::nullopt : std::optional<Ipv6Addr>(a.v6());
}

// The PA the far end knows the sender by: the sending VM's record's PA, or
// for the gateway's traffic the PA of its GatewayWildcard in the VSID.
std::optional<IpAddr> sourcePa(const OverlayPolicy& pol, const dp::PacketMeta& pm) {
  const VmPortBinding* b = pol.vmPort(pm.rxPort);
  const RecordEntry* r = b != nullptr ? pol.byMac(b->vsid, b->mac) : pol.gatewayHere(metaVsid(pm));
  if (r == nullptr) return std::nullopt;
  return r->pa;
}

using Next = NvgreEncapNode::Next;
using Error = NvgreEncapNode::Error;
using Out = dp::Dispatch<NvgreEncapNode>;

// Where one encapsulated packet goes.
struct Verdict {
  bool ok = true;
  Next next = Next::Drop;
  Error error = Error::NoUnderlayRoute;
  std::uint16_t innerMtu = 0;  // TooBig: the largest inner IP packet the uplink carries
};

Verdict fail(Error e) { return {false, Next::Drop, e, 0}; }

// What the outer IP header takes from the inner frame and the flow.
struct OuterFields {
  std::uint8_t trafficClass = 0;  // DSCP and ECN
  std::uint16_t id = 0;           // IPv4: follows the inner IPv4 id
  std::uint32_t hash = 0;         // the inner flow hash (IPv6: the flow label)
  std::uint16_t payload = 0;      // GRE and the inner frame
  std::uint8_t hopLimit = 64;
};

// IPv4 with DF: never fragment.
void writeOuterIp(std::span<std::uint8_t> at, const Ipv4Addr& src, const Ipv4Addr& dst, const OuterFields& f) {
  wire::Ipv4Fields ip;
  ip.tos = f.trafficClass;
  ip.totalLength = static_cast<std::uint16_t>(wire::kIpv4HeaderLen + f.payload);
  ip.id = f.id;
  ip.df = true;
  ip.ttl = f.hopLimit;
  ip.protocol = wire::kIpProtoGre;
  ip.src = src;
  ip.dst = dst;
  (void)wire::writeIpv4(at, ip);
}

// IPv6 (no fragment header: it is never fragmented either). The flow label
// is the inner flow's hash (RFC 6438), so that the underlay's ECMP spreads
// tunnelled flows as it would the flows themselves.
void writeOuterIp(std::span<std::uint8_t> at, const Ipv6Addr& src, const Ipv6Addr& dst, const OuterFields& f) {
  wire::Ipv6Fields ip;
  ip.trafficClass = f.trafficClass;
  ip.flowLabel = f.hash & 0xFFFFF;
  ip.payloadLength = f.payload;
  ip.nextHeader = wire::kIpProtoGre;
  ip.hopLimit = f.hopLimit;
  ip.src = src;
  ip.dst = dst;
  (void)wire::writeIpv6(at, ip);
}

constexpr std::uint16_t etherTypeOf(const Ipv4Addr&) { return wire::kEtherTypeIpv4; }
constexpr std::uint16_t etherTypeOf(const Ipv6Addr&) { return wire::kEtherTypeIpv6; }

// Wraps the single-segment inner frame of `m` in outer Ethernet, IP of the
// destination PA's family and GRE. `hooks`: the extension table, read once
// per burst (nullptr: none).
template <class Addr>
Verdict encapsulate(rte_mbuf* m, const OverlayContext& ctx, const fib::LocalAddresses& local,
                    const fib::NeighborTable& neighbors, const HookTable* hooks, const Addr& dstPa) {
  dp::PacketMeta& pm = dp::meta(m);
  const OverlaySettings& set = ctx.settings;
  auto inner = dp::bytes(m);
  const InnerView view = viewInner(inner);
  const std::uint32_t hash = flowHash(view, inner);
  const OverlayPolicy& pol = *ctx.policy->get();
  // The far end validates the outer source against the sender's PA, which
  // an outer header of the other family cannot carry.
  const std::optional<IpAddr> ownPa = sourcePa(pol, pm);
  const std::optional<Addr> preferred = ownPa ? ofFamily(*ownPa, dstPa) : std::nullopt;
  if (ownPa && !preferred) return fail(Error::PaFamilyMismatch);
  const UnderlayPath<Addr> path = underlayPath(local, pol, dstPa, hash >> 8, preferred);
  const Uplink<Addr>& up = path.up;
  if (up.port == nullptr) return fail(Error::NoUnderlayRoute);
  const std::uint16_t outerLen = outerIpLen(dstPa);
  if (up.port->mtu != 0 && inner.size() + outerLen > up.port->mtu) {
    Verdict v = fail(Error::TooBig);
    // The uplink MTU less outer IP, GRE and the inner Ethernet header.
    v.innerMtu = static_cast<std::uint16_t>(up.port->mtu - outerLen - wire::kEthernetHeaderLen);
    return v;
  }
  const std::uint16_t innerLen = static_cast<std::uint16_t>(inner.size());
  const std::uint16_t overhead = wire::kEthernetHeaderLen + outerLen;
  auto* head = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_prepend(m, overhead));
  if (head == nullptr) return fail(Error::NoHeadroom);
  std::span<std::uint8_t> frame{head, overhead + std::size_t{innerLen}};
  const bool toGroup = dstPa.isMulticast();
  const fib::Neighbor* nb = toGroup ? nullptr : neighbors.find(IpAddr(path.hop));
  const MacAddr dstMac = toGroup ? multicastMac(IpAddr(dstPa)) : (nb != nullptr ? nb->mac : MacAddr());
  (void)wire::writeEthernet(frame, dstMac, up.port->mac, etherTypeOf(dstPa));
  OuterFields f;
  const std::uint8_t dscp = set.copyDscp && view.ip ? static_cast<std::uint8_t>(view.trafficClass & 0xFC) : 0;
  const std::uint8_t ecn = set.ecn == EcnMode::Normal && view.ip ? static_cast<std::uint8_t>(view.trafficClass & 0x03) : 0;
  f.trafficClass = dscp | ecn;
  // The IPv4 id increments with the inner one, as segmentation offload does.
  f.id = view.ip && view.src && view.src->isV4() ? wire::load16(inner.data() + wire::kEthernetHeaderLen + 4) : 0;
  f.hash = hash;
  f.payload = static_cast<std::uint16_t>(wire::kNvgreHeaderLen + innerLen);
  f.hopLimit = set.outerTtl;
  const std::uint16_t greAt = wire::kEthernetHeaderLen + outerLen - wire::kNvgreHeaderLen;
  writeOuterIp(frame.subspan(wire::kEthernetHeaderLen), up.source, dstPa, f);
  (void)wire::writeNvgre(frame.subspan(greAt), metaVsid(pm), static_cast<std::uint8_t>(hash));
  pm.l3Offset = wire::kEthernetHeaderLen;
  pm.l4Offset = greAt;
  pm.txPort = up.port->port;
  if (!passHooks(hooks, HookPoint::Encapsulated, pm.txPort, pm.vsid, frame)) {
    return fail(Error::ExtensionDrop);
  }
  if (toGroup || nb != nullptr) return {true, Next::Tx, {}};
  if (ctx.missPunt == 0) return fail(Error::NoNeighbor);
  fib::setNextHop(pm, IpAddr(path.hop));  // what the resolver resolves: the PA or its gateway
  pm.control = ctx.missPunt;
  return {true, Next::Punt, {}};
}

Verdict encapsulate(rte_mbuf* m, const OverlayContext& ctx, const fib::LocalAddresses& local,
                    const fib::NeighborTable& neighbors, const HookTable* hooks, const IpAddr& dstPa) {
  return dstPa.isV4() ? encapsulate(m, ctx, local, neighbors, hooks, dstPa.v4())
                      : encapsulate(m, ctx, local, neighbors, hooks, dstPa.v6());
}

// The largest inner TCP payload per segment for the uplinks toward `dstPa`.
template <class Addr>
std::uint16_t segmentPayload(const fib::LocalAddresses& local, const OverlayPolicy& pol, const Addr& dstPa,
                             const InnerHeaders& h, std::uint16_t requested) {
  const Uplink<Addr> up = underlayPath(local, pol, dstPa, 0, std::optional<Addr>()).up;
  std::size_t room = up.port != nullptr && up.port->mtu != 0 ? up.port->mtu : 1500;
  room -= outerIpLen(dstPa) + h.payload;  // outer IP + GRE + inner headers
  const std::size_t mss = requested != 0 ? std::min<std::size_t>(requested, room) : room;
  return static_cast<std::uint16_t>(std::max<std::size_t>(mss, 1));
}

std::uint16_t segmentPayload(const fib::LocalAddresses& local, const OverlayPolicy& pol, const IpAddr& dstPa,
                             const InnerHeaders& h, std::uint16_t requested) {
  return dstPa.isV4() ? segmentPayload(local, pol, dstPa.v4(), h, requested)
                      : segmentPayload(local, pol, dstPa.v6(), h, requested);
}

// A frame too big for the underlay (never fragmented): counted, and its
// sender learns the MTU that fits. A VM of this host gets the ICMP error from
// its VSID's router (vm-icmp-error); a tenant packet the gateway routed gets
// "fragmentation needed" (IPv4 with DF) or "packet too big" (IPv6) from the
// tenant's gateway address (icmp4-error, icmp6-error).
void tooBig(Out& out, rte_mbuf* m, const OverlayPolicy& pol, std::uint16_t innerMtu) {
  dp::PacketMeta& pm = dp::meta(m);
  out.count(Error::TooBig);
  if (pol.vmPort(pm.rxPort) != nullptr) {
    setReportedMtu(pm, innerMtu);
    return out.to(m, Next::VmError);
  }
  auto frame = dp::bytes(m);
  const bool v4Df = frame.size() > wire::kEthernetHeaderLen + wire::kIpv4HeaderLen &&
                    wire::load16(frame.data() + 12) == wire::kEtherTypeIpv4 &&
                    (frame[wire::kEthernetHeaderLen + 6] & 0x40) != 0;
  if (pm.tenant != 0 && v4Df) {
    pm.l3Offset = wire::kEthernetHeaderLen;
    nodes::requestIcmp4Error(pm, wire::kIcmpDestUnreachable, wire::kIcmpCodeFragNeeded, Ipv4Addr(), innerMtu);
    return out.to(m, Next::GatewayError);
  }
  const bool v6 = frame.size() > wire::kEthernetHeaderLen + wire::kIpv6HeaderLen &&
                  wire::load16(frame.data() + 12) == wire::kEtherTypeIpv6;
  if (pm.tenant != 0 && v6) {
    pm.l3Offset = wire::kEthernetHeaderLen;
    nodes::requestIcmp6Error(pm, wire::kIcmpv6PacketTooBig, 0, innerMtu);
    return out.to(m, Next::GatewayError6);
  }
  out.to(m, Next::Drop);
}

}  // namespace

std::uint16_t NvgreEncapNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<OverlayContext>(node);
  const fib::LocalAddresses& local = *ctx.local->get();
  const fib::NeighborTable& neighbors = *ctx.neighbors->get();
  const HookTable* hooks = ctx.hooks != nullptr ? ctx.hooks->get() : nullptr;
  thread_local std::vector<rte_mbuf*> segments;
  Out out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    const IpAddr dstPa = fib::nextHop(pm);
    const std::uint64_t offloads = m->ol_flags & (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_L4_MASK);
    if (unlikely(offloads != 0)) {
      auto h = locateHeaders(dp::bytes(m));
      if (!h) {
        out.drop(m, Error::BadOffload);
        continue;
      }
      if ((offloads & RTE_MBUF_F_TX_TCP_SEG) != 0) {
        if (h->protocol != wire::kIpProtoTcp) {
          out.drop(m, Error::BadOffload);
          continue;
        }
        segments.clear();
        const std::uint16_t mss = segmentPayload(local, *ctx.policy->get(), dstPa, *h, m->tso_segsz);
        if (!segmentTcp(m, *h, mss, m->pool, segments)) {
          out.drop(m, Error::NoBuffer);
          continue;
        }
        for (rte_mbuf* s : segments) {
          dp::meta(s) = pm;
          Verdict v = encapsulate(s, ctx, local, neighbors, hooks, dstPa);
          if (v.ok) {
            out.emit(s, v.next);
          } else {
            out.count(v.error);
            rte_pktmbuf_free(s);
          }
        }
        out.consume(m);
        continue;
      }
      completeChecksums(dp::bytes(m), *h);
      m->ol_flags &= ~RTE_MBUF_F_TX_L4_MASK;
    }
    Verdict v = encapsulate(m, ctx, local, neighbors, hooks, dstPa);
    if (v.ok) {
      out.to(m, v.next);
    } else if (v.error == Error::TooBig) {
      tooBig(out, m, *ctx.policy->get(), v.innerMtu);
    } else {
      out.drop(m, v.error);
    }
  }
  return out.finish();
}

}  // namespace hnv::overlay
