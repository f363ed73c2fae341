#include "hnv/fib/neighbor_resolver.h"

#include "hnv/base/log.h"
#include "hnv/dp/packet.h"
#include "hnv/wire/arp.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmpv6.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nd.h"

namespace hnv::fib {
namespace {

const Logger kLog("neighbors");

void freeAll(std::deque<rte_mbuf*>& q) {
  for (auto* m : q) rte_pktmbuf_free(m);
  q.clear();
}

// The port's address on the next hop's subnet, else its first address of
// the next hop's family.
template <class Addr>
const Addr* sourceFor(const PortAddresses& port, const Addr& target) {
  const auto& as = port.of<Addr>();
  for (const auto& a : as) {
    if (a.onLink(target)) return &a.address();
  }
  return as.empty() ? nullptr : &as.front().address();
}

}  // namespace

bool sendArpRequest(dp::ControlPath& control, rte_mempool* pool, std::uint16_t port, const MacAddr& mac,
                    const Ipv4Addr& sender, const Ipv4Addr& target, std::uint16_t vlan) {
  // The minimum Ethernet frame, padding included (four bytes more with a tag).
  const std::uint16_t kLen = vlan != 0 ? 64 : 60;
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return false;
  auto* bytes = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, kLen));
  if (bytes == nullptr) {
    rte_pktmbuf_free(m);
    return false;
  }
  std::span<std::uint8_t> frame(bytes, kLen);
  std::fill(frame.begin(), frame.end(), 0);
  auto header = wire::writeEthernet(frame, MacAddr::broadcast(), mac, wire::kEtherTypeArp,
                                    vlan != 0 ? std::optional<std::uint16_t>(vlan) : std::nullopt);
  const std::size_t l3 = header ? *header : wire::kEthernetHeaderLen;
  (void)wire::writeArp(frame.subspan(l3), wire::ArpPacket{wire::ArpOp::Request, mac, sender, MacAddr(), target});
  dp::resetMeta(m, port);
  dp::meta(m).txPort = port;
  return control.inject(m, dp::InjectEdge::Transmit);
}

bool sendNeighborSolicitation(dp::ControlPath& control, rte_mempool* pool, std::uint16_t port, const MacAddr& mac,
                              const Ipv6Addr& sender, const Ipv6Addr& target, std::uint16_t vlan) {
  const Ipv6Addr group = target.solicitedNode();
  wire::PacketBuilder b;
  b.eth(mac, MacAddr::forIpv6Multicast(group));
  if (vlan != 0) b.vlan(vlan);
  const std::vector<std::uint8_t> frame = b.ipv6(sender, group).ttl(255).neighborSolicitation(target, mac).build();
  rte_mbuf* m = dp::mbufFromFrame(pool, frame, port);
  return m != nullptr && control.inject(m, dp::InjectEdge::Transmit);
}

bool sendUnsolicitedNa(dp::ControlPath& control, rte_mempool* pool, std::uint16_t port, const MacAddr& mac,
                       const Ipv6Addr& address, std::uint16_t vlan) {
  const Ipv6Addr all = Ipv6Addr::allNodes();
  wire::PacketBuilder b;
  b.eth(mac, MacAddr::forIpv6Multicast(all));
  if (vlan != 0) b.vlan(vlan);
  const std::vector<std::uint8_t> frame =
      b.ipv6(address, all).ttl(255).neighborAdvertisement(wire::NaFlags{false, false, true}, address, mac).build();
  rte_mbuf* m = dp::mbufFromFrame(pool, frame, port);
  return m != nullptr && control.inject(m, dp::InjectEdge::Transmit);
}

NeighborResolver::~NeighborResolver() {
  for (auto& [ip, p] : pending_) freeAll(p.held);
}

void NeighborResolver::publish() {
  table_.publish(std::make_unique<const NeighborTable>(entries_));
}

void NeighborResolver::learn(const NeighborKey& key, const MacAddr& mac, std::uint16_t port) {
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.mac == mac && it->second.port == port) return;
  kLog.info(it == entries_.end() ? "neighbour learned" : "neighbour changed",
            {{"address", key.ip.toString()}, {"scope", std::to_string(key.scope)}, {"mac", mac.toString()},
             {"port", std::to_string(port)}});
  entries_[key] = Neighbor{mac, port};
  ++stats_.learned;
  publish();
  release(key, entries_[key]);
}

std::optional<NeighborScope> NeighborResolver::scopeOf(const dp::PacketMeta& pm, std::uint16_t port) const {
  if ((pm.flags & dp::kMetaFlagExternal) == 0) return kUnderlay;
  if (tenants_ == nullptr) return std::nullopt;
  const TenantInterface* x = tenants_->get()->interface(port, pm.vlan);
  if (x == nullptr) return std::nullopt;
  return x->scope;
}

void NeighborResolver::forgetGoneScopes() {
  auto gone = [this](NeighborScope s) {
    return s != kUnderlay && (tenants_ == nullptr || tenants_->get()->byScope(s) == nullptr);
  };
  bool changed = false;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (gone(it->first.scope)) {
      it = entries_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (gone(it->first.scope)) {
      stats_.heldDropped += it->second.held.size();
      freeAll(it->second.held);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  if (changed) publish();
}

void NeighborResolver::release(const NeighborKey& key, const Neighbor& n) {
  auto it = pending_.find(key);
  if (it == pending_.end()) return;
  for (auto* m : it->second.held) {
    std::uint8_t* p = rte_pktmbuf_mtod(m, std::uint8_t*);
    n.mac.toBytes(p);  // the destination MAC of the finished frame
    dp::meta(m).txPort = n.port;
    if (control_.inject(m, dp::InjectEdge::Transmit)) {
      ++stats_.released;
    } else {
      ++stats_.heldDropped;
    }
  }
  it->second.held.clear();
  pending_.erase(it);
}

void NeighborResolver::onArp(rte_mbuf* m) {
  const dp::PacketMeta& pm = dp::meta(m);
  auto frame = std::span<const std::uint8_t>(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m));
  auto arp = pm.l3Offset < frame.size() ? wire::parseArp(frame.subspan(pm.l3Offset)) : wire::parseArp({});
  const std::uint16_t port = pm.rxPort;
  const auto scope = scopeOf(pm, port);
  rte_pktmbuf_free(m);
  if (!scope || !arp || arp->spa.isUnspecified() || arp->sha.isMulticast() || arp->sha.isZero()) return;
  learn(NeighborKey(arp->spa, *scope), arp->sha, port);
}

void NeighborResolver::onNd(rte_mbuf* m) {
  const dp::PacketMeta& pm = dp::meta(m);
  auto frame = std::span<const std::uint8_t>(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m));
  const std::uint16_t port = pm.rxPort;
  const auto scope = scopeOf(pm, port);
  // icmp6-local validated the message; only what is learned is read here.
  std::optional<std::pair<Ipv6Addr, MacAddr>> learned;
  bool advertisement = false, override = false;
  auto ip = pm.l3Offset < frame.size() ? wire::parseIpv6(frame.subspan(pm.l3Offset)) : wire::parseIpv6({});
  if (ip && pm.l4Offset < frame.size()) {
    auto message = frame.subspan(pm.l4Offset);
    if (auto na = wire::parseNeighborAdvertisement(message); na && na->targetLinkLayer) {
      advertisement = true;
      override = na->flags.override;
      learned.emplace(na->target, *na->targetLinkLayer);
    } else if (auto ns = wire::parseNeighborSolicitation(message); ns && ns->sourceLinkLayer) {
      learned.emplace(ip->src, *ns->sourceLinkLayer);
    }
  }
  rte_pktmbuf_free(m);
  if (!scope || !learned || learned->second.isMulticast() || learned->second.isZero()) return;
  const NeighborKey key(IpAddr(learned->first), *scope);
  if (advertisement) {
    // RFC 4861 7.2.5: an advertisement creates no entry, and without the
    // override flag it does not change a known neighbour's MAC.
    auto known = entries_.find(key);
    if (known == entries_.end() ? !pending_.contains(key) : !override && known->second.mac != learned->second) return;
  }
  learn(key, learned->second, port);
}

void NeighborResolver::onMiss(rte_mbuf* m) {
  dp::PacketMeta& pm = dp::meta(m);
  const auto scope = scopeOf(pm, pm.txPort);
  if (!scope) {
    ++stats_.heldDropped;
    rte_pktmbuf_free(m);
    return;
  }
  const NeighborKey hop(nextHop(pm), *scope);
  if (auto it = entries_.find(hop); it != entries_.end()) {
    // Resolved while the frame was on its way here.
    pending_[hop].held.push_back(m);
    release(hop, it->second);
    return;
  }
  Pending& p = pending_[hop];
  p.port = pm.txPort;
  if (p.held.size() >= kHeldPerHop) {
    rte_pktmbuf_free(p.held.front());
    p.held.pop_front();
    ++stats_.heldDropped;
  }
  p.held.push_back(m);
  ++stats_.held;
  auto now = Clock::now();
  if (p.attempts == 0) sendRequest(hop, p, now);
}

void NeighborResolver::sendRequest(const NeighborKey& key, Pending& p, Clock::time_point now) {
  ++p.attempts;
  p.lastSent = now;
  if (key.scope != kUnderlay) {
    const TenantInterface* x = tenants_ != nullptr ? tenants_->get()->byScope(key.scope) : nullptr;
    if (x == nullptr) return;
    bool sent = false;
    if (key.ip.isV4()) {
      sent = sendArpRequest(control_, pool_, x->port, x->mac, x->address, key.ip.v4(), x->vlan);
    } else if (x->address6) {
      sent = sendNeighborSolicitation(control_, pool_, x->port, x->mac, *x->address6, key.ip.v6(), x->vlan);
    } else {
      kLog.warn("no IPv6 address on the interface to resolve a next hop from",
                {{"address", key.ip.toString()}, {"interface", x->name}});
    }
    if (sent) ++stats_.requestsSent;
    return;
  }
  const PortAddresses* port = local_.get()->onPort(p.port);
  auto noSource = [&] {
    kLog.warn(key.ip.isV4() ? "no IPv4 address on the port to resolve a next hop from"
                            : "no IPv6 address on the port to resolve a next hop from",
              {{"address", key.ip.toString()}, {"port", std::to_string(p.port)}});
  };
  if (key.ip.isV4()) {
    const Ipv4Addr* src = port != nullptr ? sourceFor(*port, key.ip.v4()) : nullptr;
    if (src == nullptr) return noSource();
    if (sendArpRequest(control_, pool_, p.port, port->mac, *src, key.ip.v4())) ++stats_.requestsSent;
    return;
  }
  const Ipv6Addr* src = port != nullptr ? sourceFor(*port, key.ip.v6()) : nullptr;
  if (src == nullptr) return noSource();
  if (sendNeighborSolicitation(control_, pool_, p.port, port->mac, *src, key.ip.v6())) ++stats_.requestsSent;
}

void NeighborResolver::tick(Clock::time_point now) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& p = it->second;
    if (now - p.lastSent < kRetry) {
      ++it;
      continue;
    }
    if (p.attempts < kAttempts) {
      sendRequest(it->first, p, now);
      ++it;
      continue;
    }
    kLog.warn("next hop unresolved; held frames dropped",
                 {{"address", it->first.ip.toString()}, {"scope", std::to_string(it->first.scope)},
                  {"frames", std::to_string(p.held.size())}});
    stats_.heldDropped += p.held.size();
    freeAll(p.held);
    it = pending_.erase(it);
  }
}

boost::json::object NeighborResolver::toJson() const {
  boost::json::array entries;
  // Tenant scopes are named by their interface ("<rdid>/<name>").
  auto scopeName = [this](NeighborScope s) -> boost::json::value {
    if (s == kUnderlay) return "underlay";
    if (const TenantInterface* x = tenants_ != nullptr ? tenants_->get()->byScope(s) : nullptr) {
      return boost::json::value(x->name);
    }
    return boost::json::value(s);
  };
  for (const auto& [key, n] : entries_) {
    entries.push_back(boost::json::object{{"address", key.ip.toString()}, {"scope", scopeName(key.scope)},
                                          {"mac", n.mac.toString()}, {"port", n.port}});
  }
  boost::json::array pending;
  for (const auto& [key, p] : pending_) {
    pending.push_back(boost::json::object{{"address", key.ip.toString()}, {"scope", scopeName(key.scope)},
                                          {"held", p.held.size()}, {"attempts", p.attempts}});
  }
  return boost::json::object{{"entries", std::move(entries)},
                             {"pending", std::move(pending)},
                             {"stats", boost::json::object{{"learned", stats_.learned},
                                                           {"requests_sent", stats_.requestsSent},
                                                           {"held", stats_.held},
                                                           {"released", stats_.released},
                                                           {"held_dropped", stats_.heldDropped}}}};
}

}  // namespace hnv::fib
