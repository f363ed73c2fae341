#include "hnv/overlay/ca_tester.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "hnv/dp/packet.h"
#include "hnv/overlay/next_hop.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/ipv4.h"

namespace hnv::overlay {
namespace {

namespace json = boost::json;
constexpr std::size_t kPayload = 32;
constexpr std::size_t kFrameLen = wire::kEthernetHeaderLen + wire::kIpv4HeaderLen + 8 + kPayload;

}  // namespace

CaTester::~CaTester() { ctx_.caTestId.store(0); }

Status CaTester::start(const CaTestRequest& req, Done done, Clock::time_point now) {
  if (run_) return makeError(Errc::Unavailable, "ca.test", "", "a CA connectivity test is already running");
  if (req.count < 1 || req.count > 100) {
    return makeError(Errc::InvalidArgument, "params.count", std::to_string(req.count), "must be from 1 to 100");
  }
  const OverlayPolicy& pol = *ctx_.policy->get();
  const VmPortBinding* b = pol.vmPort(req.port);
  if (b == nullptr) return makeError(Errc::InvalidArgument, "params.port", req.portName, "is not a bound VM port");
  const RecordEntry* own = pol.byCa(b->vsid, req.sender);
  if (own == nullptr || own->mac != b->mac) {
    return makeError(Errc::InvalidArgument, "params.sender", req.sender.toString(),
                     "is not a CA of the VM on port " + req.portName + " (VSID " + std::to_string(b->vsid.value()) +
                         ", MAC " + b->mac.toString() + ")");
  }
  auto hop = selectNextHop(pol, b->vsid, req.receiver);
  if (!hop) return hop.error();
  if (hop->via == "none" || hop->via == "default-gateway") {
    return makeError(Errc::NotFound, "params.receiver", req.receiver.toString(),
                     hop->via == "none" ? "has no next hop from VSID " + std::to_string(b->vsid.value())
                                        : "is the distributed router, which does not answer ICMP");
  }
  Run run;
  run.req = req;
  run.done = std::move(done);
  run.vmMac = b->mac;
  // The first hop as the VM sees it: the receiver itself in its own VSID,
  // else the VSID's distributed router.
  const VsidInfo* info = pol.vsid(b->vsid);
  run.firstHopMac = hop->via == "on-link" ? hop->mac : info->routerMac;
  run.routing = json::object{{"sender_vsid", b->vsid.value()}, {"sender_pa", own->pa.toString()}, {"next_hop", hop->toJson()}};
  run.id = nextId_++;
  if (run.id == 0) run.id = nextId_++;
  run.nextSend = now;
  run.sentAt.assign(req.count, Clock::time_point{});
  run.rttMs.assign(req.count, -1.0);
  run_ = std::move(run);
  ctx_.caTestId.store(run_->id);
  tick(now);
  return okStatus();
}

bool CaTester::send(Run& run, Clock::time_point now) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  auto* p = m == nullptr ? nullptr : reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, kFrameLen));
  if (p == nullptr) {
    if (m != nullptr) rte_pktmbuf_free(m);
    return false;
  }
  std::span<std::uint8_t> frame{p, kFrameLen};
  (void)wire::writeEthernet(frame, run.firstHopMac, run.vmMac, wire::kEtherTypeIpv4);
  wire::Ipv4Fields ip;
  ip.totalLength = static_cast<std::uint16_t>(kFrameLen - wire::kEthernetHeaderLen);
  ip.id = static_cast<std::uint16_t>(run.sent);
  ip.protocol = wire::kIpProtoIcmp;
  ip.src = run.req.sender;
  ip.dst = run.req.receiver;
  (void)wire::writeIpv4(frame.subspan(wire::kEthernetHeaderLen), ip);
  std::uint8_t data[kPayload];
  for (std::size_t i = 0; i < kPayload; ++i) data[i] = static_cast<std::uint8_t>("hnv-ca-test"[i % 11]);
  (void)wire::writeIcmpEcho(frame.subspan(wire::kEthernetHeaderLen + wire::kIpv4HeaderLen), wire::kIcmpEchoRequest,
                            run.id, static_cast<std::uint16_t>(run.sent), data);
  dp::resetMeta(m, run.req.port);
  run.sentAt[run.sent] = now;
  ++run.sent;
  return control_.inject(m, dp::InjectEdge::VmInput);
}

void CaTester::onReply(rte_mbuf* m, Clock::time_point now) {
  if (run_) {
    auto frame = dp::bytes(m);
    const std::size_t ihl = std::size_t{frame[wire::kEthernetHeaderLen] & 0x0Fu} * 4;
    const std::uint8_t* icmp = frame.data() + wire::kEthernetHeaderLen + ihl;  // checked by the tap
    const std::uint16_t id = static_cast<std::uint16_t>(icmp[4] << 8 | icmp[5]);
    const std::uint16_t seq = static_cast<std::uint16_t>(icmp[6] << 8 | icmp[7]);
    if (id == run_->id && seq < run_->sent && run_->rttMs[seq] < 0) {
      run_->rttMs[seq] = std::chrono::duration<double, std::milli>(now - run_->sentAt[seq]).count();
    }
  }
  rte_pktmbuf_free(m);
  tick(now);
}

void CaTester::tick(Clock::time_point now) {
  if (!run_) return;
  Run& run = *run_;
  while (run.sent < run.req.count && now >= run.nextSend) {
    if (!send(run, now)) break;
    run.nextSend += run.req.interval;
  }
  const bool answered = std::all_of(run.rttMs.begin(), run.rttMs.end(), [](double r) { return r >= 0; });
  if (run.sent == run.req.count && (answered || now - run.sentAt.back() >= run.req.timeout)) finish();
}

void CaTester::finish() {
  ctx_.caTestId.store(0);
  Run run = std::move(*run_);
  run_.reset();
  json::array rtts;
  unsigned received = 0;
  double sum = 0;
  for (double r : run.rttMs) {
    rtts.push_back(r < 0 ? json::value(nullptr) : json::value(r));
    if (r >= 0) {
      sum += r;
      ++received;
    }
  }
  json::object o{{"port", run.req.portName}, {"sender", run.req.sender.toString()},
                 {"receiver", run.req.receiver.toString()}, {"sent", run.sent}, {"received", received},
                 {"rtt_ms", std::move(rtts)}, {"routing", std::move(run.routing)}};
  if (received > 0) o["avg_ms"] = sum / received;
  run.done(json::value(std::move(o)));
}

}  // namespace hnv::overlay
