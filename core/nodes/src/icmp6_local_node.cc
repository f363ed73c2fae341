#include "hnv/nodes/icmp6_local_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/nodes/context.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmpv6.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nd.h"

namespace hnv::nodes {
namespace {

constexpr std::uint8_t kNdHopLimit = 255;
constexpr std::size_t kNaLen = wire::kNdNeighborMessageLen + wire::kNdLinkLayerOptionLen;

// The link a message came in by: a port of the underlay, or a tenant's
// external interface (kMetaFlagExternal, from ip6-lookup), with what the
// node needs of it: its MAC and VLAN tag, whether it owns an address, and
// whether an address is on-link (a neighbour the resolver may learn).
struct Link {
  const fib::PortAddresses* port = nullptr;
  const fib::TenantInterface* tenant = nullptr;

  const MacAddr& mac() const { return tenant != nullptr ? tenant->mac : port->mac; }
  std::optional<std::uint16_t> vlan() const {
    return tenant != nullptr && tenant->vlan != 0 ? std::optional<std::uint16_t>(tenant->vlan) : std::nullopt;
  }
  fib::NeighborScope scope() const { return tenant != nullptr ? tenant->scope : fib::kUnderlay; }
  bool owns(const fib::LocalAddresses& local, std::uint16_t rxPort, const Ipv6Addr& a) const {
    return tenant != nullptr ? tenant->answersNd(a) : local.owns(rxPort, a);
  }
  // Only a port with IPv6 provider addresses learns, and only about an
  // address on one of their subnets: the underlay's neighbours are on-link,
  // and untagged frames on a tenant's trunk (a port without PAs) take the
  // underlay's path too. A tenant interface learns about its own network
  // and link-local addresses (a router's, for a gateway route).
  bool onLink(const Ipv6Addr& a) const {
    if (tenant != nullptr) return tenant->onLink6(a) || a.isLinkLocal();
    return port != nullptr && port->onLink(a);
  }
};

Link linkOf(const NodesContext& ctx, const fib::LocalAddresses& local, const dp::PacketMeta& pm) {
  if ((pm.flags & dp::kMetaFlagExternal) == 0) return {local.onPort(pm.rxPort), nullptr};
  const fib::TenantTables* tenants = ctx.tenants != nullptr ? ctx.tenants->get() : nullptr;
  const fib::TenantInterface* x = tenants != nullptr ? tenants->interface(pm.rxPort, pm.vlan) : nullptr;
  return {nullptr, x != nullptr && x->tenant.index() == pm.tenant && x->address6 ? x : nullptr};
}

// Whether neighbour discovery on `link` that places `ip` at `mac` is news
// to the resolver: about an on-link address only. A known neighbour is
// news when its MAC or port changes (`mayChangeMac`: an advertisement
// without the override flag may not change the MAC, RFC 4861 7.2.5); an
// unknown one when `unknownTeaches`.
bool teaches(const Link& link, const fib::NeighborTable* neighbors, const Ipv6Addr& ip, const MacAddr& mac,
             std::uint16_t port, bool unknownTeaches, bool mayChangeMac = true) {
  if (!link.onLink(ip)) return false;
  const fib::Neighbor* known = neighbors != nullptr ? neighbors->find(IpAddr(ip), link.scope()) : nullptr;
  if (known == nullptr) return unknownTeaches;
  return known->mac != mac ? mayChangeMac : known->port != port;
}

}  // namespace

std::uint16_t Icmp6LocalNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const NodesContext& ctx = dp::nodeState<NodesContext>(node);
  const fib::LocalAddresses* local = ctx.local->get();
  const fib::NeighborTable* neighbors = ctx.neighbors != nullptr ? ctx.neighbors->get() : nullptr;
  dp::Dispatch<Icmp6LocalNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto frame = dp::bytes(m);
    auto ip = wire::parseIpv6(frame.subspan(pm.l3Offset));
    auto message = frame.subspan(pm.l4Offset);
    auto icmp = wire::parseIcmpv6(message);
    if (!ip || !icmp) {
      out.drop(m, Error::Malformed);
      continue;
    }
    if (!wire::icmpv6ChecksumOk(ip->src, ip->dst, message)) {
      out.drop(m, Error::BadChecksum);
      continue;
    }
    const Link link = linkOf(ctx, *local, pm);
    if (link.port == nullptr && link.tenant == nullptr) {
      out.drop(m, Error::NoInterface);  // the interface went, or lost its IPv6 address, on the way here
      continue;
    }
    const MacAddr& ourMac = link.mac();
    // eth-input validated the Ethernet header; only its source is needed here.
    const MacAddr peerMac = MacAddr::fromBytes(frame.data() + 6);
    if (icmp->type == wire::kIcmpv6EchoRequest) {
      if (ip->dst.isMulticast()) {
        out.drop(m, Error::EchoToMulticast);
        continue;
      }
      // Reply in place: swap addresses, fresh hop limit, type 129, checksum.
      std::uint8_t* l3 = frame.data() + pm.l3Offset;
      ip->dst.toBytes(l3 + 8);
      ip->src.toBytes(l3 + 24);
      l3[7] = kEchoHopLimit;
      message[0] = wire::kIcmpv6EchoReply;
      wire::setIcmpv6Checksum(ip->dst, ip->src, message);
      (void)wire::writeEthernet(frame, peerMac, ourMac, wire::kEtherTypeIpv6, link.vlan());
      pm.txPort = pm.rxPort;
      out.to(m, Next::Tx);
      continue;
    }
    if (icmp->type == wire::kIcmpv6NeighborAdvertisement) {
      // RFC 4861 7.1.2: hop limit 255, code 0 (the parser), no multicast
      // target, not solicited when sent to a group. One without a target
      // link-layer option teaches nothing (7.2.5; our solicitations go to
      // a group, which the answer must carry the option for).
      auto na = wire::parseNeighborAdvertisement(message);
      if (!na || ip->hopLimit != kNdHopLimit || (ip->dst.isMulticast() && na->flags.solicited)) {
        out.drop(m, Error::InvalidNd);
        continue;
      }
      if (ctx.ndPunt != 0 && na->targetLinkLayer &&
          teaches(link, neighbors, na->target, *na->targetLinkLayer, pm.rxPort, !ip->dst.isMulticast(),
                  na->flags.override)) {
        pm.control = ctx.ndPunt;
        out.to(m, Next::Punt);
      } else {
        out.drop(m, Error::AdvertisementIgnored);
      }
      continue;
    }
    if (icmp->type == wire::kIcmpv6EchoReply && ctx.echoReplyPunt != 0 && !ip->dst.isMulticast() &&
        link.tenant == nullptr) {
      pm.control = ctx.echoReplyPunt;  // a PA ping's answer (fib::PaPinger)
      out.to(m, Next::Punt);
      continue;
    }
    if (icmp->type != wire::kIcmpv6NeighborSolicitation) {
      out.drop(m, Error::UnsupportedType);
      continue;
    }
    auto ns = wire::parseNeighborSolicitation(message);
    // RFC 4861 7.1.1: hop limit 255, code 0, unicast target; DAD comes from ::
    // to the solicited-node group and carries no source link-layer option.
    bool dad = ip->src.isUnspecified();
    if (!ns || ip->hopLimit != kNdHopLimit || icmp->code != 0 || ns->target.isMulticast() ||
        (dad && (!ip->dst.isSolicitedNodeOf(ns->target) || ns->sourceLinkLayer))) {
      out.drop(m, Error::InvalidNd);
      continue;
    }
    if (!link.owns(*local, pm.rxPort, ns->target)) {
      out.drop(m, Error::NotOurTarget);
      continue;
    }
    if (!dad && ns->sourceLinkLayer && ctx.ndPunt != 0 &&
        teaches(link, neighbors, ip->src, *ns->sourceLinkLayer, pm.rxPort, true)) {
      if (rte_mbuf* copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX); copy != nullptr) {
        dp::resetMeta(copy, pm.rxPort);
        dp::meta(copy).flags = pm.flags & dp::kMetaFlagExternal;
        dp::meta(copy).vlan = pm.vlan;
        dp::meta(copy).tenant = pm.tenant;
        dp::meta(copy).l3Offset = pm.l3Offset;
        dp::meta(copy).l4Offset = pm.l4Offset;
        dp::meta(copy).control = ctx.ndPunt;
        out.emit(copy, Next::Punt);
      }
    }
    const Ipv6Addr target = ns->target;
    const Ipv6Addr replyTo = dad ? Ipv6Addr::allNodes() : ip->src;
    const MacAddr replyMac = dad ? MacAddr::forIpv6Multicast(Ipv6Addr::allNodes()) : ns->sourceLinkLayer.value_or(peerMac);
    if (!dp::setLength(m, pm.l3Offset + wire::kIpv6HeaderLen + kNaLen)) {
      out.drop(m, Error::Malformed);
      continue;
    }
    frame = dp::bytes(m);
    wire::Ipv6Fields f;
    f.payloadLength = kNaLen;
    f.nextHeader = wire::kIpProtoIcmpv6;
    f.hopLimit = kNdHopLimit;
    f.src = target;
    f.dst = replyTo;
    (void)wire::writeEthernet(frame, replyMac, ourMac, wire::kEtherTypeIpv6, link.vlan());
    (void)wire::writeIpv6(frame.subspan(pm.l3Offset), f);
    wire::NaFlags flags;
    flags.solicited = !dad;
    flags.override = true;
    (void)wire::writeNeighborAdvertisement(frame.subspan(pm.l3Offset + wire::kIpv6HeaderLen), target, replyTo, flags,
                                           target, ourMac);
    pm.txPort = pm.rxPort;
    out.to(m, Next::Tx);
  }
  return out.finish();
}

}  // namespace hnv::nodes
