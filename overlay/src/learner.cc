#include "hnv/overlay/learner.h"

#include "hnv/dp/packet.h"
#include "hnv/overlay/context.h"
#include "hnv/wire/arp.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nd.h"
#include "learning.h"

namespace hnv::overlay {
namespace {

// The (MAC, CA) a punted frame announces, if any.
std::optional<std::pair<MacAddr, IpAddr>> announced(std::span<const std::uint8_t> frame) {
  auto eth = wire::parseEthernet(frame);
  if (!eth || eth->vlanTci) return std::nullopt;
  auto l3 = frame.subspan(eth->headerLength);
  if (eth->etherType == wire::kEtherTypeArp) {
    auto arp = wire::parseArp(l3);
    if (!arp) return std::nullopt;
    return std::pair<MacAddr, IpAddr>{arp->sha, arp->spa};
  }
  if (eth->etherType == wire::kEtherTypeIpv6) {
    auto ip = wire::parseIpv6(l3);
    if (!ip || !ip->src.isUnspecified() || ip->nextHeader != wire::kIpProtoIcmpv6) return std::nullopt;
    auto ns = wire::parseNeighborSolicitation(ip->payload);
    if (!ns) return std::nullopt;
    return std::pair<MacAddr, IpAddr>{eth->src, ns->target};
  }
  return std::nullopt;
}

}  // namespace

void Learner::onPunt(rte_mbuf* m, Clock::time_point now) {
  ++stats_.punted;
  const dp::PacketMeta pm = dp::meta(m);
  auto found = announced(dp::bytes(m));
  rte_pktmbuf_free(m);
  const OverlayPolicy& pol = *policy_.get();
  const VmPortBinding* port = pol.vmPort(pm.rxPort);
  // Only a VM's own MAC, from its own port and VSID, teaches anything, and
  // only addresses its port allows (a DAD probe's target is not checked by vm-input).
  if (!found || port == nullptr || port->mac != found->first || port->vsid != metaVsid(pm) ||
      !port->allows(found->second) || !shouldLearn(pol, port->vsid, found->first, found->second)) {
    ++stats_.ignored;
    return;
  }
  auto key = std::make_tuple(port->vsid.value(), found->second, found->first);
  auto it = sent_.find(key);
  if (it != sent_.end() && now - it->second < kRepeat) {
    ++stats_.ignored;
    return;
  }
  if (sent_.size() >= kMaxRemembered) {
    std::erase_if(sent_, [&](const auto& e) { return now - e.second >= kRepeat; });
  }
  sent_[key] = now;
  ++stats_.reported;
  report_(port->vsid, found->second, found->first);
}

boost::json::object Learner::toJson() const {
  return {{"punted", stats_.punted}, {"reported", stats_.reported}, {"ignored", stats_.ignored},
          {"pending", sent_.size()}};
}

}  // namespace hnv::overlay
