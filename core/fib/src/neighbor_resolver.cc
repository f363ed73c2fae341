#include "hnv/fib/neighbor_resolver.h"

#include "hnv/base/log.h"
#include "hnv/dp/packet.h"
#include "hnv/wire/arp.h"
#include "hnv/wire/ethernet.h"

namespace hnv::fib {
namespace {

const Logger kLog("neighbors");

void freeAll(std::deque<rte_mbuf*>& q) {
  for (auto* m : q) rte_pktmbuf_free(m);
  q.clear();
}

// The port's address on the next hop's subnet, else its first IPv4 address.
const Ipv4Addr* sourceFor(const PortAddresses& port, const Ipv4Addr& target) {
  for (const auto& a : port.v4) {
    if (a.subnet().contains(target)) return &a.address();
  }
  return port.v4.empty() ? nullptr : &port.v4.front().address();
}

}  // namespace

bool sendArpRequest(dp::ControlPath& control, rte_mempool* pool, std::uint16_t port, const MacAddr& mac,
                    const Ipv4Addr& sender, const Ipv4Addr& target) {
  constexpr std::uint16_t kLen = 60;  // the minimum Ethernet frame, padding included
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return false;
  auto* bytes = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, kLen));
  if (bytes == nullptr) {
    rte_pktmbuf_free(m);
    return false;
  }
  std::span<std::uint8_t> frame(bytes, kLen);
  std::fill(frame.begin(), frame.end(), 0);
  (void)wire::writeEthernet(frame, MacAddr::broadcast(), mac, wire::kEtherTypeArp);
  (void)wire::writeArp(frame.subspan(wire::kEthernetHeaderLen),
                       wire::ArpPacket{wire::ArpOp::Request, mac, sender, MacAddr(), target});
  dp::resetMeta(m, port);
  dp::meta(m).txPort = port;
  return control.inject(m, dp::InjectEdge::Transmit);
}

NeighborResolver::~NeighborResolver() {
  for (auto& [ip, p] : pending_) freeAll(p.held);
}

void NeighborResolver::publish() {
  table_.publish(std::make_unique<const NeighborTable>(entries_));
}

void NeighborResolver::learn(const IpAddr& ip, const MacAddr& mac, std::uint16_t port) {
  auto it = entries_.find(ip);
  if (it != entries_.end() && it->second.mac == mac && it->second.port == port) return;
  kLog.info(it == entries_.end() ? "neighbour learned" : "neighbour changed",
            {{"address", ip.toString()}, {"mac", mac.toString()}, {"port", std::to_string(port)}});
  entries_[ip] = Neighbor{mac, port};
  ++stats_.learned;
  publish();
  release(ip, entries_[ip]);
}

void NeighborResolver::release(const IpAddr& ip, const Neighbor& n) {
  auto it = pending_.find(ip);
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
  rte_pktmbuf_free(m);
  if (!arp || arp->spa.isUnspecified() || arp->sha.isMulticast() || arp->sha.isZero()) return;
  learn(arp->spa, arp->sha, port);
}

void NeighborResolver::onMiss(rte_mbuf* m) {
  dp::PacketMeta& pm = dp::meta(m);
  IpAddr hop = nextHop(pm);
  if (auto it = entries_.find(hop); it != entries_.end()) {
    // Resolved while the frame was on its way here.
    pending_[hop].held.push_back(m);
    release(hop, it->second);
    return;
  }
  if (!hop.isV4()) {
    ++stats_.ipv6Unsupported;
    ++stats_.heldDropped;
    rte_pktmbuf_free(m);
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
  if (p.attempts == 0) sendRequest(hop.v4(), p, now);
}

void NeighborResolver::sendRequest(const Ipv4Addr& target, Pending& p, Clock::time_point now) {
  ++p.attempts;
  p.lastSent = now;
  const PortAddresses* port = local_.get()->onPort(p.port);
  const Ipv4Addr* src = port != nullptr ? sourceFor(*port, target) : nullptr;
  if (src == nullptr) {
    kLog.warn("no IPv4 address on the port to resolve a next hop from",
                 {{"address", target.toString()}, {"port", std::to_string(p.port)}});
    return;
  }
  if (sendArpRequest(control_, pool_, p.port, port->mac, *src, target)) ++stats_.requestsSent;
}

void NeighborResolver::tick(Clock::time_point now) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& p = it->second;
    if (now - p.lastSent < kRetry) {
      ++it;
      continue;
    }
    if (p.attempts < kAttempts && it->first.isV4()) {
      sendRequest(it->first.v4(), p, now);
      ++it;
      continue;
    }
    kLog.warn("next hop unresolved; held frames dropped",
                 {{"address", it->first.toString()}, {"frames", std::to_string(p.held.size())}});
    stats_.heldDropped += p.held.size();
    freeAll(p.held);
    it = pending_.erase(it);
  }
}

boost::json::object NeighborResolver::toJson() const {
  boost::json::array entries;
  for (const auto& [ip, n] : entries_) {
    entries.push_back(boost::json::object{{"address", ip.toString()}, {"mac", n.mac.toString()}, {"port", n.port}});
  }
  boost::json::array pending;
  for (const auto& [ip, p] : pending_) {
    pending.push_back(boost::json::object{{"address", ip.toString()}, {"held", p.held.size()}, {"attempts", p.attempts}});
  }
  return boost::json::object{
      {"entries", std::move(entries)},
      {"pending", std::move(pending)},
      {"stats", boost::json::object{{"learned", stats_.learned}, {"requests_sent", stats_.requestsSent},
                                    {"held", stats_.held}, {"released", stats_.released},
                                    {"held_dropped", stats_.heldDropped}, {"ipv6_unsupported", stats_.ipv6Unsupported}}}};
}

}  // namespace hnv::fib
