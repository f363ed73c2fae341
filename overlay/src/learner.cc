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

// What a punted frame teaches: a (MAC, CA) and the VM port it concerns.
struct Announcement {
  MacAddr mac;
  IpAddr ca;
  std::uint16_t port = 0;
};

// The address a DHCP server acknowledged to a client (DHCPACK: yiaddr for chaddr).
std::optional<std::pair<MacAddr, IpAddr>> dhcpAck(std::span<const std::uint8_t> l3) {
  auto ip = wire::parseIpv4(l3);
  if (!ip || ip->isFragment() || ip->protocol != wire::kIpProtoUdp) return std::nullopt;
  auto udp = wire::parseUdp(ip->payload);
  if (!udp || udp->srcPort != wire::kDhcpServerPort || udp->dstPort != wire::kDhcpClientPort) return std::nullopt;
  auto dhcp = wire::parseDhcp(udp->payload);
  if (!dhcp || dhcp->op != wire::DhcpOp::Reply || dhcp->type != wire::DhcpType::Ack || dhcp->yiaddr.isUnspecified()) {
    return std::nullopt;
  }
  return std::pair<MacAddr, IpAddr>{dhcp->chaddr, dhcp->yiaddr};
}

// From a VM (ARP, a DAD probe): its own announcement, about its rx port. To
// a VM (a DHCPACK, copied by vm-output): the address given to the VM on its
// tx port.
std::optional<Announcement> announced(std::span<const std::uint8_t> frame, const dp::PacketMeta& pm) {
  auto eth = wire::parseEthernet(frame);
  if (!eth || eth->vlanTci) return std::nullopt;
  auto l3 = frame.subspan(eth->headerLength);
  if (eth->etherType == wire::kEtherTypeArp) {
    auto arp = wire::parseArp(l3);
    if (!arp) return std::nullopt;
    return Announcement{arp->sha, arp->spa, pm.rxPort};
  }
  if (eth->etherType == wire::kEtherTypeIpv4) {
    auto ack = dhcpAck(l3);
    if (!ack) return std::nullopt;
    return Announcement{ack->first, ack->second, pm.txPort};
  }
  if (eth->etherType == wire::kEtherTypeIpv6) {
    auto ip = wire::parseIpv6(l3);
    if (!ip || !ip->src.isUnspecified() || ip->nextHeader != wire::kIpProtoIcmpv6) return std::nullopt;
    auto ns = wire::parseNeighborSolicitation(ip->payload);
    if (!ns) return std::nullopt;
    return Announcement{eth->src, ns->target, pm.rxPort};
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
  if (!found || port == nullptr || port->mac != found->mac || port->vsid != metaVsid(pm) ||
      !port->allows(found->ca) || !shouldLearn(pol, port->vsid, found->mac, found->ca)) {
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
