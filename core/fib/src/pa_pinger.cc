#include "hnv/fib/pa_pinger.h"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <tuple>

#include "hnv/dp/packet.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/icmpv6.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"

namespace hnv::fib {
namespace {

namespace json = boost::json;
constexpr std::size_t kPayload = 32;
constexpr std::size_t kFrameLen = wire::kEthernetHeaderLen + wire::kIpv4HeaderLen + 8 + kPayload;

double ms(PaPinger::Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The probe's payload: 32 bytes of the alphabet.
std::array<std::uint8_t, kPayload> payload() {
  std::array<std::uint8_t, kPayload> data;
  for (std::size_t i = 0; i < kPayload; ++i) data[i] = static_cast<std::uint8_t>('a' + i % 26);
  return data;
}

// The port and address of the node on the target's subnet, of its family.
template <class Addr>
bool findSource(const LocalAddresses& local, const Addr& target, std::uint16_t& port, MacAddr& mac, IpAddr& source) {
  for (const auto& p : local.ports()) {
    for (const auto& a : p.of<Addr>()) {
      if (a.onLink(target)) {
        port = p.port;
        mac = p.mac;
        source = IpAddr(a.address());
        return true;
      }
    }
  }
  return false;
}

}  // namespace

Status PaPinger::start(const PingRequest& req, Done done, Clock::time_point now) {
  if (req.count < 1 || req.count > 100) {
    return makeError(Errc::InvalidArgument, "params.count", std::to_string(req.count), "must be from 1 to 100");
  }
  Run run;
  const LocalAddresses& local = *local_.get();
  const bool found = req.target.isV4() ? findSource(local, req.target.v4(), run.port, run.srcMac, run.source)
                                       : findSource(local, req.target.v6(), run.port, run.srcMac, run.source);
  if (!found) {
    return makeError(Errc::InvalidArgument, "params.target", req.target.toString(),
                     "is on none of this node's provider address subnets");
  }
  if (runs_.size() >= 16) return makeError(Errc::Unavailable, "pa.ping", "", "16 pings are already running");
  while (runs_.count(nextId_) != 0) ++nextId_;
  const std::uint16_t id = nextId_++;
  run.req = req;
  run.done = std::move(done);
  run.nextSend = now;
  run.rttMs.assign(req.count, -1.0);
  run.sentAt.assign(req.count, Clock::time_point{});
  runs_.emplace(id, std::move(run));
  tick(now);
  return okStatus();
}

bool PaPinger::send(std::uint16_t id, Run& run, Clock::time_point now) {
  rte_mbuf* m = run.req.target.isV4() ? echo4(id, run) : echo6(id, run);
  if (m == nullptr) return false;
  run.sentAt[run.sent] = now;
  ++run.sent;
  const Neighbor* nb = neighbors_.get()->find(run.req.target);
  if (nb != nullptr) {
    nb->mac.toBytes(rte_pktmbuf_mtod(m, std::uint8_t*));  // the destination MAC
    return control_.inject(m, dp::InjectEdge::Transmit);
  }
  setNextHop(dp::meta(m), run.req.target);
  resolver_.onMiss(m);  // sent once the target answers ARP or neighbour discovery
  return true;
}

rte_mbuf* PaPinger::echo6(std::uint16_t id, const Run& run) {
  const auto data = payload();
  const std::vector<std::uint8_t> frame = wire::PacketBuilder()
                                              .eth(run.srcMac, MacAddr())
                                              .ipv6(run.source.v6(), run.req.target.v6())
                                              .ttl(64)
                                              .icmpv6EchoRequest(id, static_cast<std::uint16_t>(run.sent))
                                              .payload(data)
                                              .build();
  rte_mbuf* m = dp::mbufFromFrame(pool_, frame, run.port);
  if (m != nullptr) dp::meta(m).txPort = run.port;
  return m;
}

rte_mbuf* PaPinger::echo4(std::uint16_t id, const Run& run) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (m == nullptr) return nullptr;
  auto* p = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, kFrameLen));
  if (p == nullptr) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::span<std::uint8_t> frame{p, kFrameLen};
  (void)wire::writeEthernet(frame, MacAddr(), run.srcMac, wire::kEtherTypeIpv4);
  wire::Ipv4Fields ip;
  ip.totalLength = static_cast<std::uint16_t>(kFrameLen - wire::kEthernetHeaderLen);
  ip.id = static_cast<std::uint16_t>(run.sent);
  ip.df = true;
  ip.protocol = wire::kIpProtoIcmp;
  ip.src = run.source.v4();
  ip.dst = run.req.target.v4();
  (void)wire::writeIpv4(frame.subspan(wire::kEthernetHeaderLen), ip);
  const auto data = payload();
  (void)wire::writeIcmpEcho(frame.subspan(wire::kEthernetHeaderLen + wire::kIpv4HeaderLen), wire::kIcmpEchoRequest, id,
                            static_cast<std::uint16_t>(run.sent), data);
  dp::resetMeta(m, run.port);
  dp::meta(m).txPort = run.port;
  return m;
}

void PaPinger::onReply(rte_mbuf* m, Clock::time_point now) {
  auto frame = dp::bytes(m);
  const dp::PacketMeta& pm = dp::meta(m);
  // The sender, identifier and sequence of an echo reply (icmp4-local and
  // icmp6-local validated it; l4Offset is past IPv6 extension headers).
  std::optional<std::tuple<IpAddr, std::uint16_t, std::uint16_t>> reply;
  if (pm.l3Offset < frame.size() && (frame[pm.l3Offset] >> 4) == 6) {
    auto ip = wire::parseIpv6(frame.subspan(pm.l3Offset));
    auto icmp =
        ip && pm.l4Offset < frame.size() ? wire::parseIcmpv6(frame.subspan(pm.l4Offset)) : wire::parseIcmpv6({});
    if (icmp && icmp->type == wire::kIcmpv6EchoReply)
      reply.emplace(IpAddr(ip->src), icmp->identifier(), icmp->sequence());
  } else if (auto ip = wire::parseIpv4(frame.subspan(std::min<std::size_t>(pm.l3Offset, frame.size())))) {
    auto icmp = wire::parseIcmp(ip->payload);
    if (icmp && icmp->type == wire::kIcmpEchoReply)
      reply.emplace(IpAddr(ip->src), icmp->identifier(), icmp->sequence());
  }
  rte_pktmbuf_free(m);
  if (reply) {
    const auto& [from, id, seq] = *reply;
    auto it = runs_.find(id);
    if (it != runs_.end() && from == it->second.req.target) {
      Run& run = it->second;
      if (seq < run.sent && run.rttMs[seq] < 0) run.rttMs[seq] = ms(now - run.sentAt[seq]);
    }
  }
  tick(now);
}

void PaPinger::tick(Clock::time_point now) {
  std::vector<std::uint16_t> finished;
  for (auto& [id, run] : runs_) {
    while (run.sent < run.req.count && now >= run.nextSend) {
      if (!send(id, run, now)) break;
      run.nextSend += run.req.interval;
    }
    const bool allSent = run.sent == run.req.count;
    const bool allAnswered = std::all_of(run.rttMs.begin(), run.rttMs.end(), [](double r) { return r >= 0; });
    if (allSent && (allAnswered || now - run.sentAt.back() >= run.req.timeout)) finished.push_back(id);
  }
  for (auto id : finished) finish(id);
}

void PaPinger::finish(std::uint16_t id) {
  auto node = runs_.extract(id);
  Run& run = node.mapped();
  json::array rtts;
  unsigned received = 0;
  double lo = 0, hi = 0, sum = 0;
  for (double r : run.rttMs) {
    if (r < 0) {
      rtts.push_back(nullptr);
      continue;
    }
    rtts.push_back(r);
    lo = received == 0 ? r : std::min(lo, r);
    hi = received == 0 ? r : std::max(hi, r);
    sum += r;
    ++received;
  }
  json::object o{{"target", run.req.target.toString()}, {"source", run.source.toString()},
                 {"sent", run.sent},                    {"received", received},
                 {"rtt_ms", std::move(rtts)}};
  if (received > 0) {
    o["min_ms"] = lo;
    o["avg_ms"] = sum / received;
    o["max_ms"] = hi;
  }
  run.done(json::value(std::move(o)));
}

}  // namespace hnv::fib
