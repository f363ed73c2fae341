#include "hnv/overlay/nd_proxy_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/overlay/context.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmpv6.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nd.h"
#include "inner_frame.h"
#include "learning.h"

namespace hnv::overlay {

std::uint16_t NdProxyNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<OverlayContext>(node);
  const OverlayPolicy& pol = *ctx.policy->get();
  dp::Dispatch<NdProxyNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto frame = dp::bytes(m);
    auto ip = wire::parseIpv6(frame.subspan(pm.l3Offset));
    // RFC 4861 7.1.1: hop limit 255, a valid checksum, the target not multicast.
    if (!ip || ip->hopLimit != 255 || ip->nextHeader != wire::kIpProtoIcmpv6 ||
        !wire::icmpv6ChecksumOk(ip->src, ip->dst, ip->payload)) {
      out.drop(m, Error::Malformed);
      continue;
    }
    auto ns = wire::parseNeighborSolicitation(ip->payload);
    if (!ns || ns->target.isMulticast() || (ip->src.isUnspecified() && ns->sourceLinkLayer)) {
      out.drop(m, Error::Malformed);
      continue;
    }
    const MacAddr sender = MacAddr::fromBytes(frame.data() + 6);
    const Vsid vsid = metaVsid(pm);
    const IpAddr target = ns->target;
    // DAD (source ::) is how a VM announces a new IPv6 CA; the source of
    // its other solicitations is a CA it uses (which refreshes a Dynamic record).
    const IpAddr claimed = ip->src.isUnspecified() ? target : IpAddr(ip->src);
    if (ctx.learnPunt != 0 && shouldLearn(pol, vsid, sender, claimed)) puntCopyToLearner(out, m, ctx);
    const NeighborAnswer a = pol.answerNeighbor(vsid, target, sender);
    if (a.kind == NeighborAnswer::Kind::Unknown || a.kind == NeighborAnswer::Kind::OwnAddress) {
      // Own CA: DAD or NUD for the VM's own address gets no answer.
      out.drop(m, a.kind == NeighborAnswer::Kind::Unknown ? Error::UnknownTarget : Error::OwnAddress);
      continue;
    }
    const MacAddr answer = a.mac;
    const bool router = a.kind == NeighborAnswer::Kind::Router;
    // RFC 4861 7.2.4: to the solicitation's source, solicited; for DAD
    // (source ::) to all-nodes, not solicited.
    const bool dad = ip->src.isUnspecified();
    const Ipv6Addr dst = dad ? Ipv6Addr::allNodes() : ip->src;
    const MacAddr dstMac = dad ? multicastMac(dst) : sender;
    constexpr std::size_t kNaLen = wire::kEthernetHeaderLen + wire::kIpv6HeaderLen + 32;
    if (!dp::setLength(m, kNaLen)) {
      out.drop(m, Error::NoBuffer);
      continue;
    }
    frame = dp::bytes(m);
    (void)wire::writeEthernet(frame, dstMac, answer, wire::kEtherTypeIpv6);
    auto l3 = frame.subspan(wire::kEthernetHeaderLen);
    wire::Ipv6Fields f;
    f.payloadLength = 32;
    f.nextHeader = wire::kIpProtoIcmpv6;
    f.hopLimit = 255;
    f.src = ns->target;
    f.dst = dst;
    const Ipv6Addr tgt = ns->target;
    (void)wire::writeIpv6(l3, f);
    (void)wire::writeNeighborAdvertisement(l3.subspan(wire::kIpv6HeaderLen), tgt, dst,
                                           wire::NaFlags{router, !dad, true}, tgt, answer);
    pm.txPort = pm.rxPort;
    out.to(m, Next::Tx);
  }
  return out.finish();
}

}  // namespace hnv::overlay
