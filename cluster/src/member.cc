#include "hnv/cluster/member.h"

#include <boost/asio/post.hpp>
#include <random>

#include "hnv/base/log.h"

namespace hnv::cluster {

namespace asio = boost::asio;
namespace json = boost::json;
using boost::asio::ip::udp;

namespace {

const Logger kLog("cluster");

std::chrono::milliseconds tickPeriod(const ClusterSettings& s) {
  return std::clamp(s.interval / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(10));
}

std::uint64_t randomBoot() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

std::int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

policy::ControllerEndpoint withTimeout(policy::ControllerEndpoint e, const ClusterSettings& s) {
  // A reply later than half a lease is of no use: the next call is due.
  e.timeout = std::max(std::chrono::milliseconds(50), s.lease / 2);
  return e;
}

}  // namespace

ClusterMember::ClusterMember(asio::io_context& io, ClusterSettings settings,
                             std::optional<policy::ControllerEndpoint> witness, OnTransition onTransition,
                             SyncProvider provider, SyncConsumer consumer)
    : io_(io),
      membership_(std::move(settings), Membership::Clock::now()),
      witnessEndpoint_(std::move(witness)),
      onTransition_(std::move(onTransition)),
      boot_(randomBoot()),
      socket_(io),
      timer_(io) {
  if (witnessEndpoint_) {
    witness_ = std::make_unique<WitnessClient>(withTimeout(*witnessEndpoint_, membership_.settings()),
                                               membership_.settings().cluster);
  }
  if (provider.snapshot && consumer.apply) {
    sync_ = std::make_unique<StateSync>(io, std::move(provider), std::move(consumer));
    sync_->configure(membership_.settings());
  }
}

ClusterMember::~ClusterMember() {
  *alive_ = false;
  timer_.cancel();
  boost::system::error_code ec;
  socket_.close(ec);
  witness_.reset();  // joins its thread
  sync_.reset();
}

void ClusterMember::start() {
  const auto& s = membership_.settings();
  kLog.notice("cluster member starting as standby",
              {{"cluster", s.cluster},
               {"member", s.self.name},
               {"peer", s.peer ? s.peer->name : std::string("(none)")},
               {"heartbeat", s.self.address.toString() + ":" + std::to_string(s.heartbeatPort)},
               {"interval_ms", std::to_string(s.interval.count())},
               {"detection_ms", std::to_string(s.detection().count())}});
  if (!witness_) kLog.error("no controller configured: this cluster member can never become active (no witness)");
  if (s.secret.empty()) {
    kLog.warn("the cluster has no sharedSecret: heartbeats and the state sync are not authenticated");
  }
  bindSocket();
  deliverTransitions();
  scheduleTick();
}

void ClusterMember::reconfigure(ClusterSettings settings) {
  const ClusterSettings old = membership_.settings();
  if (settings == old) return;
  const bool rebind = settings.self.address != old.self.address || settings.heartbeatPort != old.heartbeatPort;
  const bool rewitness = settings.cluster != old.cluster || settings.lease != old.lease;
  membership_.reconfigure(std::move(settings));
  if (sync_) sync_->configure(membership_.settings());
  if (rewitness && witnessEndpoint_) {
    witness_ = std::make_unique<WitnessClient>(withTimeout(*witnessEndpoint_, membership_.settings()),
                                               membership_.settings().cluster);
  }
  if (rebind) {
    boost::system::error_code ec;
    socket_.close(ec);
    bindSocket();
  }
}

void ClusterMember::bindSocket() {
  const auto& s = membership_.settings();
  lastBindTry_ = Membership::Clock::now();
  boost::system::error_code ec;
  socket_.open(udp::v4(), ec);
  if (!ec) socket_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) {
    socket_.bind(udp::endpoint(asio::ip::address_v4(s.self.address.host()), s.heartbeatPort), ec);
  }
  if (ec) {
    if (bindError_.empty()) {
      kLog.error("cannot bind the heartbeat socket; retrying every second",
                 {{"address", s.self.address.toString() + ":" + std::to_string(s.heartbeatPort)}, {"why", ec.message()}});
    }
    bindError_ = ec.message();
    socket_.close(ec);
    return;
  }
  if (!bindError_.empty()) kLog.notice("heartbeat socket bound", {{"address", s.self.address.toString()}});
  bindError_.clear();
  receive();
}

void ClusterMember::receive() {
  socket_.async_receive_from(asio::buffer(buffer_), from_, [this, alive = alive_](boost::system::error_code ec, std::size_t n) {
    if (!*alive || ec == asio::error::operation_aborted) return;
    if (!ec) onDatagram(n);
    if (socket_.is_open()) receive();
  });
}

void ClusterMember::onDatagram(std::size_t bytes) {
  const auto now = Membership::Clock::now();
  const auto& s = membership_.settings();
  std::string why;
  auto hb = decodeHeartbeat(std::span<const std::uint8_t>(buffer_.data(), bytes), s.secret);
  if (!hb) {
    why = hb.error().message();
  } else if (!s.peer || from_.address() != asio::ip::address_v4(s.peer->address.host())) {
    why = "from " + from_.address().to_string() + ", not the peer's heartbeat address";
  } else if (hb->cluster != s.cluster || hb->member != s.peer->name) {
    why = "names cluster " + hb->cluster + " and member " + hb->member + ", not this cluster's peer";
  } else if (auto fresh = replay_.admit(*hb, wallClockMs(), !s.secret.empty()); !fresh) {
    why = fresh.error().message();
  }
  if (!why.empty()) {
    ++rejected_;
    lastRejection_ = why;
    if (now - lastRejectLog_ >= std::chrono::seconds(10)) {
      lastRejectLog_ = now;
      kLog.warn("heartbeat rejected", {{"from", from_.address().to_string()}, {"why", why}});
    }
    return;
  }
  ++received_;
  membership_.onHeartbeat(*hb, now);
  // A request is a count that grew: the first heartbeat seen only tells
  // where it stands, and a restarted peer starts again from 0.
  if (peerIkeResync_ && hb->ikeResync > *peerIkeResync_ && onPeerIkeResync_) onPeerIkeResync_();
  peerIkeResync_ = hb->ikeResync;
  // A handover or a peer's loss of the active role is acted on at once.
  callWitness(now);
  if (membership_.heartbeatDue(now)) sendHeartbeat(now);
  deliverTransitions();
}

void ClusterMember::scheduleTick() {
  timer_.expires_after(tickPeriod(membership_.settings()));
  timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (!*alive || ec) return;
    tick();
    scheduleTick();
  });
}

void ClusterMember::tick() {
  const auto now = Membership::Clock::now();
  if (!socket_.is_open() && now - lastBindTry_ >= std::chrono::seconds(1)) bindSocket();
  membership_.tick(now);
  callWitness(now);
  if (membership_.heartbeatDue(now)) sendHeartbeat(now);
  deliverTransitions();
  if (sync_) {
    sync_->setMode(membership_.role(), membership_.peerActive(now), membership_.epoch());
    sync_->tick();
    membership_.setSynced(sync_->synced());
  }
}

void ClusterMember::sendHeartbeat(Membership::Time now) {
  Heartbeat hb = membership_.nextHeartbeat(now);
  hb.boot = boot_;
  hb.timeMs = wallClockMs();
  const auto& s = membership_.settings();
  if (!socket_.is_open() || !s.peer) return;
  const std::string text = encodeHeartbeat(hb, s.secret);
  boost::system::error_code ec;
  socket_.send_to(asio::buffer(text), udp::endpoint(asio::ip::address_v4(s.peer->address.host()), s.heartbeatPort),
                  0, ec);
  if (ec) {
    ++sendErrors_;
  } else {
    ++sent_;
  }
}

void ClusterMember::callWitness(Membership::Time now) {
  if (!witness_) return;
  auto request = membership_.witnessDue(now);
  if (!request) return;
  const WitnessRequest req = *request;
  auto done = [this, alive = alive_, req, sentAt = now](WitnessReply reply) {
    asio::post(io_, [this, alive, req, sentAt, reply = std::move(reply)] {
      if (!*alive) return;
      const auto at = Membership::Clock::now();
      membership_.onWitness(req, reply, sentAt, at);
      if (membership_.heartbeatDue(at)) sendHeartbeat(at);
      deliverTransitions();
    });
  };
  if (!witness_->call(req, membership_.settings().self.name, status(), std::move(done))) {
    // Cannot happen (the membership allows one call at a time); answer it as unreached.
    WitnessReply r;
    r.error = "a witness call is already under way";
    membership_.onWitness(req, r, now, now);
  }
}

void ClusterMember::deliverTransitions() {
  for (const auto& t : membership_.takeTransitions()) {
    kLog.notice("cluster role changed",
                {{"from", std::string(roleName(t.from))},
                 {"to", std::string(roleName(t.to))},
                 {"why", t.why},
                 {"epoch", std::to_string(membership_.epoch())},
                 {"peer_silence_ms", t.peerSilence ? std::to_string(t.peerSilence->count()) : std::string("-")}});
    if (onTransition_) onTransition_(t);
  }
}

Status ClusterMember::switchover(bool force) {
  const auto now = Membership::Clock::now();
  if (!witness_) return makeError(Errc::Unavailable, "witness", "", "no controller configured");
  if (auto s = membership_.startSwitchover(now, force); !s) return s;
  callWitness(now);
  return okStatus();
}

json::object ClusterMember::status() const {
  json::object o = membership_.status(Membership::Clock::now());
  json::object hb;
  hb["bound"] = bindError_.empty() && socket_.is_open();
  hb["bind_error"] = bindError_;
  hb["sent"] = sent_;
  hb["received"] = received_;
  hb["rejected"] = rejected_;
  hb["send_errors"] = sendErrors_;
  hb["last_rejection"] = lastRejection_;
  o["heartbeats"] = std::move(hb);
  o["sync"] = sync_ ? json::value(sync_->status()) : json::value(nullptr);
  return o;
}

}  // namespace hnv::cluster
