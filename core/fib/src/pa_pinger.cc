#include "hnv/fib/pa_pinger.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "hnv/dp/packet.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/ipv4.h"

namespace hnv::fib {
namespace {

namespace json = boost::json;
constexpr std::size_t kPayload = 32;
constexpr std::size_t kFrameLen = wire::kEthernetHeaderLen + wire::kIpv4HeaderLen + 8 + kPayload;

double ms(PaPinger::Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

Status PaPinger::start(const PingRequest& req, Done done, Clock::time_point now) {
  if (req.count < 1 || req.count > 100) {
    return makeError(Errc::InvalidArgument, "params.count", std::to_string(req.count), "must be from 1 to 100");
  }
  Run run;
  bool found = false;
  for (const auto& p : local_.get()->ports()) {
    for (const auto& a : p.v4) {
      if (!found && a.subnet().contains(req.target)) {
        run.port = p.port;
        run.srcMac = p.mac;
        run.source = a.address();
        found = true;
      }
    }
  }
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
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (m == nullptr) return false;
  auto* p = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, kFrameLen));
  if (p == nullptr) {
    rte_pktmbuf_free(m);
    return false;
  }
  std::span<std::uint8_t> frame{p, kFrameLen};
  const Neighbor* nb = neighbors_.get()->find(run.req.target);
  (void)wire::writeEthernet(frame, nb != nullptr ? nb->mac : MacAddr(), run.srcMac, wire::kEtherTypeIpv4);
  wire::Ipv4Fields ip;
  ip.totalLength = static_cast<std::uint16_t>(kFrameLen - wire::kEthernetHeaderLen);
  ip.id = static_cast<std::uint16_t>(run.sent);
  ip.df = true;
  ip.protocol = wire::kIpProtoIcmp;
  ip.src = run.source;
  ip.dst = run.req.target;
  (void)wire::writeIpv4(frame.subspan(wire::kEthernetHeaderLen), ip);
  std::uint8_t data[kPayload];
  for (std::size_t i = 0; i < kPayload; ++i) data[i] = static_cast<std::uint8_t>('a' + i % 26);
  (void)wire::writeIcmpEcho(frame.subspan(wire::kEthernetHeaderLen + wire::kIpv4HeaderLen), wire::kIcmpEchoRequest, id,
                            static_cast<std::uint16_t>(run.sent), data);
  dp::resetMeta(m, run.port);
  dp::meta(m).txPort = run.port;
  run.sentAt[run.sent] = now;
  ++run.sent;
  if (nb != nullptr) return control_.inject(m, dp::InjectEdge::Transmit);
  setNextHop(dp::meta(m), run.req.target);
  resolver_.onMiss(m);  // sent once the target answers ARP
  return true;
}

void PaPinger::onReply(rte_mbuf* m, Clock::time_point now) {
  auto frame = dp::bytes(m);
  const dp::PacketMeta& pm = dp::meta(m);
  auto ip = wire::parseIpv4(frame.subspan(pm.l3Offset));
  if (ip) {
    auto icmp = wire::parseIcmp(ip->payload);
    auto it = icmp && icmp->type == wire::kIcmpEchoReply ? runs_.find(icmp->identifier()) : runs_.end();
    if (it != runs_.end() && ip->src == it->second.req.target) {
      Run& run = it->second;
      const std::uint16_t seq = icmp->sequence();
      if (seq < run.sent && run.rttMs[seq] < 0) run.rttMs[seq] = ms(now - run.sentAt[seq]);
    }
  }
  rte_pktmbuf_free(m);
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
