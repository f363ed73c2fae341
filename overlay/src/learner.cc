#include "hnv/overlay/learner.h"

#include "hnv/dp/packet.h"
#include "hnv/overlay/context.h"
#include "hnv/wire/arp.h"
#include "hnv/wire/dhcp.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nd.h"
#include "hnv/wire/udp.h"
#include "learning.h"

namespace hnv::overlay {
namespace {

// What a punted frame teaches: a (MAC, CA) and the VM port it concerns;
// for DHCP, which half of the exchange it is and its transaction id.
struct Announcement {
  enum class Kind : std::uint8_t { Claim, DhcpRequest, DhcpAck };
  MacAddr mac;
  IpAddr ca;
  std::uint16_t port = 0;
  Kind kind = Kind::Claim;
  std::uint32_t xid = 0;
};

// A client's DHCPREQUEST (the address it asks for: option 50, or ciaddr
// when it renews) from its rx port, or a server's DHCPACK (yiaddr for
// chaddr) to its tx port.
std::optional<Announcement> dhcp(std::span<const std::uint8_t> l3, const dp::PacketMeta& pm) {
  auto ip = wire::parseIpv4(l3);
  if (!ip || ip->isFragment() || ip->protocol != wire::kIpProtoUdp) return std::nullopt;
  auto udp = wire::parseUdp(ip->payload);
  if (!udp) return std::nullopt;
  auto d = wire::parseDhcp(udp->payload);
  if (!d) return std::nullopt;
  if (udp->srcPort == wire::kDhcpClientPort && udp->dstPort == wire::kDhcpServerPort &&
      d->op == wire::DhcpOp::Request && d->type == wire::DhcpType::Request) {
    const Ipv4Addr asked = d->requested ? *d->requested : d->ciaddr;
    if (asked.isUnspecified()) return std::nullopt;
    return Announcement{d->chaddr, asked, pm.rxPort, Announcement::Kind::DhcpRequest, d->xid};
  }
  if (udp->srcPort == wire::kDhcpServerPort && udp->dstPort == wire::kDhcpClientPort &&
      d->op == wire::DhcpOp::Reply && d->type == wire::DhcpType::Ack && !d->yiaddr.isUnspecified()) {
    return Announcement{d->chaddr, d->yiaddr, pm.txPort, Announcement::Kind::DhcpAck, d->xid};
  }
  return std::nullopt;
}

// From a VM (ARP, a neighbour solicitation, a DHCP request): about its rx
// port. To a VM (a DHCPACK, copied by vm-output): about its tx port.
std::optional<Announcement> announced(std::span<const std::uint8_t> frame, const dp::PacketMeta& pm) {
  auto eth = wire::parseEthernet(frame);
  if (!eth || eth->vlanTci) return std::nullopt;
  auto l3 = frame.subspan(eth->headerLength);
  if (eth->etherType == wire::kEtherTypeArp) {
    auto arp = wire::parseArp(l3);
    if (!arp) return std::nullopt;
    return Announcement{arp->sha, arp->spa, pm.rxPort};
  }
  if (eth->etherType == wire::kEtherTypeIpv4) return dhcp(l3, pm);
  if (eth->etherType == wire::kEtherTypeIpv6) {
    auto ip = wire::parseIpv6(l3);
    if (!ip || ip->nextHeader != wire::kIpProtoIcmpv6) return std::nullopt;
    auto ns = wire::parseNeighborSolicitation(ip->payload);
    if (!ns) return std::nullopt;
    // DAD claims the target; any other solicitation uses its source.
    return Announcement{eth->src, ip->src.isUnspecified() ? IpAddr(ns->target) : IpAddr(ip->src), pm.rxPort};
  }
  return std::nullopt;
}

}  // namespace

void Learner::onPunt(rte_mbuf* m, Clock::time_point now) {
  ++stats_.punted;
  const dp::PacketMeta pm = dp::meta(m);
  auto found = announced(dp::bytes(m), pm);
  rte_pktmbuf_free(m);
  const OverlayPolicy& pol = *policy_.get();
  const VmPortBinding* port = found ? pol.vmPort(found->port) : nullptr;
  // Only a VM's own MAC, on its own port and VSID, teaches anything, and
  // only addresses its port allows (a DAD probe's target and a DHCPACK's
  // address are not checked by vm-input).
  if (!found || port == nullptr || port->mac != found->mac || port->vsid != metaVsid(pm) || !port->allows(found->ca)) {
    ++stats_.ignored;
    return;
  }
  // A DHCPACK teaches only the address its client asked for in the same
  // transaction: another VM of the subnet cannot make up one for it.
  const auto exchange = std::make_pair(found->port, found->xid);
  if (found->kind == Announcement::Kind::DhcpRequest) {
    if (requests_.size() >= kMaxRemembered) {
      std::erase_if(requests_, [&](const auto& e) { return now - e.second.second >= kDhcpWindow; });
    }
    requests_[exchange] = {found->ca, now};
    return;
  }
  if (found->kind == Announcement::Kind::DhcpAck) {
    auto req = requests_.find(exchange);
    const bool asked = req != requests_.end() && req->second.first == found->ca && now - req->second.second < kDhcpWindow;
    if (!asked) {
      ++stats_.ignored;
      return;
    }
    requests_.erase(req);
  }
  if (!shouldLearn(pol, port->vsid, found->mac, found->ca)) {
    ++stats_.ignored;
    return;
  }
  auto key = std::make_tuple(port->vsid.value(), found->ca, found->mac);
  const RecordEntry* known = pol.byCa(port->vsid, found->ca);
  const bool refresh = known != nullptr && known->mac == found->mac && known->type == policy::RecordType::Dynamic;
  const Clock::duration wait = refresh ? refreshInterval(pol.dynamicAging()) : Clock::duration(kRepeat);
  auto it = sent_.find(key);
  if (it != sent_.end() && now - it->second < wait) {
    ++stats_.ignored;
    return;
  }
  if (sent_.size() >= kMaxRemembered) {
    std::erase_if(sent_, [&](const auto& e) { return now - e.second >= kRepeat; });
  }
  sent_[key] = now;
  ++stats_.reported;
  if (refresh) ++stats_.refreshed;
  report_(port->vsid, found->ca, found->mac);
}

boost::json::object Learner::toJson() const {
  return {{"punted", stats_.punted}, {"reported", stats_.reported}, {"refreshed", stats_.refreshed},
          {"ignored", stats_.ignored},
          {"pending", sent_.size()}};
}

}  // namespace hnv::overlay
