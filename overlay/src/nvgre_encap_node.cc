#include "hnv/overlay/nvgre_encap_node.h"

#include <rte_branch_prediction.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/icmp4_error_node.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/icmp.h"
#include "hnv/overlay/context.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/nvgre.h"
#include "inner_frame.h"
#include "segment.h"

namespace hnv::overlay {
namespace {

constexpr std::uint16_t kOverhead = wire::kEthernetHeaderLen + wire::kIpv4HeaderLen + wire::kNvgreHeaderLen;

struct Uplink {
  const fib::PortAddresses* port = nullptr;
  Ipv4Addr source;
};

// Per packet and per uplink address: inline mask arithmetic, no call.
bool onSubnet(const InterfaceAddress4& a, const Ipv4Addr& dst) {
  const unsigned len = a.length();
  const std::uint32_t mask = len == 0 ? 0 : len >= 32 ? 0xFFFFFFFFu : ~((1u << (32 - len)) - 1);
  return dst.isMulticast() || ((a.address().host() ^ dst.host()) & mask) == 0;
}

bool hasSubnet(const fib::PortAddresses& p, const Ipv4Addr& dst) {
  return std::any_of(p.v4.begin(), p.v4.end(), [&](const InterfaceAddress4& a) { return onSubnet(a, dst); });
}

// NIC teaming (spec section 3): the egress port is chosen by the flow hash
// among the uplinks with an address on the destination's subnet (the
// underlay is one L2 segment per PA subnet), so flows spread over every team
// member; the source address stays the PA of the sending VM's record (what
// receive validation at the far end expects) when this node owns it, else
// the port's own address on that subnet. A failed member's PAs have moved to
// a survivor, so it is no longer among the candidates.
Uplink chooseUplink(const fib::LocalAddresses& local, const Ipv4Addr& dst, std::uint32_t hash,
                    const std::optional<Ipv4Addr>& preferred) {
  std::uint32_t n = 0;
  for (const auto& p : local.ports()) n += hasSubnet(p, dst) ? 1 : 0;
  if (n == 0) return {};
  Uplink up;
  std::uint32_t pick = hash % n;
  bool owned = false;
  for (const auto& p : local.ports()) {
    if (!hasSubnet(p, dst)) continue;
    for (const auto& a : p.v4) owned = owned || (preferred && a.address() == *preferred);
    if (up.port == nullptr && pick-- == 0) up.port = &p;
  }
  if (owned) {
    up.source = *preferred;
  } else {
    for (const auto& a : up.port->v4) {
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
struct UnderlayPath {
  Uplink up;
  Ipv4Addr hop;
};

UnderlayPath underlayPath(const fib::LocalAddresses& local, const OverlayPolicy& pol, const Ipv4Addr& dstPa,
                          std::uint32_t hash, const std::optional<Ipv4Addr>& preferred) {
  UnderlayPath path{chooseUplink(local, dstPa, hash, preferred), dstPa};
  if (likely(path.up.port != nullptr)) return path;
  if (auto gw = pol.providerNextHop(dstPa)) path = {chooseUplink(local, *gw, hash, preferred), *gw};
  return path;
}

// The PA the far end knows the sender by: the sending VM's record's PA, or
// for the gateway's traffic the PA of its GatewayWildcard in the VSID.
std::optional<Ipv4Addr> sourcePa(const OverlayPolicy& pol, const dp::PacketMeta& pm) {
  const VmPortBinding* b = pol.vmPort(pm.rxPort);
  const RecordEntry* r = b != nullptr ? pol.byMac(b->vsid, b->mac) : pol.gatewayHere(metaVsid(pm));
  if (r == nullptr || !r->pa.isV4()) return std::nullopt;
  return r->pa.v4();
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

// Wraps the single-segment inner frame of `m` in outer Ethernet, IPv4 and GRE.
// `hooks`: the extension table, read once per burst (nullptr: none).
Verdict encapsulate(rte_mbuf* m, const OverlayContext& ctx, const fib::LocalAddresses& local,
                    const fib::NeighborTable& neighbors, const HookTable* hooks, const IpAddr& dstPa) {
  dp::PacketMeta& pm = dp::meta(m);
  const OverlaySettings& set = ctx.settings;
  auto inner = dp::bytes(m);
  const InnerView view = viewInner(inner);
  const std::uint32_t hash = flowHash(view, inner);
  const OverlayPolicy& pol = *ctx.policy->get();
  const UnderlayPath path = underlayPath(local, pol, dstPa.v4(), hash >> 8, sourcePa(pol, pm));
  const Uplink& up = path.up;
  if (up.port == nullptr) return fail(Error::NoUnderlayRoute);
  // The outer IP packet is the inner frame plus 28 bytes; DF: never fragment.
  if (up.port->mtu != 0 && inner.size() + wire::kIpv4HeaderLen + wire::kNvgreHeaderLen > up.port->mtu) {
    Verdict v = fail(Error::TooBig);
    // The uplink MTU less outer IPv4, GRE and the inner Ethernet header (as
    // many bytes as kOverhead, whose outer Ethernet header the MTU excludes).
    v.innerMtu = static_cast<std::uint16_t>(up.port->mtu - kOverhead);
    return v;
  }
  const std::uint16_t innerLen = static_cast<std::uint16_t>(inner.size());
  auto* head = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_prepend(m, kOverhead));
  if (head == nullptr) return fail(Error::NoHeadroom);
  std::span<std::uint8_t> frame{head, kOverhead + std::size_t{innerLen}};
  const bool toGroup = dstPa.v4().isMulticast();
  const fib::Neighbor* nb = toGroup ? nullptr : neighbors.find(IpAddr(path.hop));
  const MacAddr dstMac = toGroup ? multicastMac(dstPa) : (nb != nullptr ? nb->mac : MacAddr());
  (void)wire::writeEthernet(frame, dstMac, up.port->mac, wire::kEtherTypeIpv4);
  wire::Ipv4Fields ip;
  const std::uint8_t dscp = set.copyDscp && view.ip ? static_cast<std::uint8_t>(view.trafficClass & 0xFC) : 0;
  const std::uint8_t ecn = set.ecn == EcnMode::Normal && view.ip ? static_cast<std::uint8_t>(view.trafficClass & 0x03) : 0;
  ip.tos = dscp | ecn;
  ip.totalLength = static_cast<std::uint16_t>(wire::kIpv4HeaderLen + wire::kNvgreHeaderLen + innerLen);
  // DF is set; the id still increments with the inner one, as segmentation offload does.
  ip.id = view.ip && view.src && view.src->isV4() ? wire::load16(inner.data() + wire::kEthernetHeaderLen + 4) : 0;
  ip.df = true;
  ip.ttl = set.outerTtl;
  ip.protocol = wire::kIpProtoGre;
  ip.src = up.source;
  ip.dst = dstPa.v4();
  (void)wire::writeIpv4(frame.subspan(wire::kEthernetHeaderLen), ip);
  (void)wire::writeNvgre(frame.subspan(wire::kEthernetHeaderLen + wire::kIpv4HeaderLen), metaVsid(pm),
                         static_cast<std::uint8_t>(hash));
  pm.l3Offset = wire::kEthernetHeaderLen;
  pm.l4Offset = wire::kEthernetHeaderLen + wire::kIpv4HeaderLen;
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

// The largest inner TCP payload per segment for the uplinks toward `dstPa`.
std::uint16_t segmentPayload(const fib::LocalAddresses& local, const OverlayPolicy& pol, const Ipv4Addr& dstPa,
                             const InnerHeaders& h, std::uint16_t requested) {
  const Uplink up = underlayPath(local, pol, dstPa, 0, std::nullopt).up;
  std::size_t room = up.port != nullptr && up.port->mtu != 0 ? up.port->mtu : 1500;
  room -= wire::kIpv4HeaderLen + wire::kNvgreHeaderLen + h.payload;  // outer IP + GRE + inner headers
  const std::size_t mss = requested != 0 ? std::min<std::size_t>(requested, room) : room;
  return static_cast<std::uint16_t>(std::max<std::size_t>(mss, 1));
}

// A frame too big for the underlay (never fragmented): counted, and its
// sender learns the MTU that fits. A VM of this host gets the ICMP error from
// its VSID's router (vm-icmp-error); a tenant packet the gateway routed gets
// "fragmentation needed" from the tenant's gateway address (icmp4-error).
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
    if (!dstPa.isV4()) {
      out.drop(m, Error::Ipv6Underlay);
      continue;
    }
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
        const std::uint16_t mss = segmentPayload(local, *ctx.policy->get(), dstPa.v4(), *h, m->tso_segsz);
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
