#include "hnv/cluster/membership.h"

#include <boost/json/array.hpp>

namespace hnv::cluster {

namespace json = boost::json;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

namespace {

std::int64_t msSince(Membership::Time then, Membership::Time now) {
  return duration_cast<milliseconds>(now - then).count();
}

}  // namespace

Membership::Membership(ClusterSettings settings, Time now) : settings_(std::move(settings)), started_(now) {
  role_ = Role::Init;
  become(Role::Standby, "joined cluster " + settings_.cluster, now);
}

void Membership::reconfigure(ClusterSettings settings) {
  if (settings_.peer && (!settings.peer || settings.peer->name != settings_.peer->name)) peerHb_.reset();
  settings_ = std::move(settings);
}

bool Membership::peerAlive(Time now) const {
  return settings_.peer && peerHb_ && now - lastPeer_ <= settings_.detection();
}

bool Membership::peerConfirmsUs(Time now) const {
  return peerAlive(now) && peerHb_->role != Role::Active && peerHb_->seesPeer && peerHb_->handoverTo.empty() &&
         peerHb_->epoch <= epoch_;
}

std::optional<std::string> Membership::acquireReason(Time now) const {
  if (role_ != Role::Standby || !handoverTo_.empty()) return std::nullopt;
  if (peerAlive(now)) {
    if (peerHb_->handoverTo == settings_.self.name) return "peer " + settings_.peer->name + " handed over (planned switchover)";
    if (peerHb_->role != Role::Active && !settings_.peerPreferred()) {
      return "both members standby; this one is preferred (priority " + std::to_string(settings_.self.priority) + ")";
    }
    return std::nullopt;
  }
  // At start-up, first listen for an active peer as long as it takes to lose one.
  if (now - started_ < settings_.detection()) return std::nullopt;
  if (!settings_.peer) return std::string("the cluster has no other member");
  if (!peerHb_) return "peer " + settings_.peer->name + " never heard";
  return "peer " + settings_.peer->name + " lost: no heartbeat for " + std::to_string(msSince(lastPeer_, now)) + " ms";
}

void Membership::become(Role to, std::string why, Time now, std::optional<milliseconds> silence) {
  if (to == role_) return;
  Transition t{role_, to, std::move(why), now, std::chrono::system_clock::now(), silence};
  role_ = to;
  sendNow_ = true;
  ++transitions_;
  if (to == Role::Active) lastFailover_ = t;
  pending_.push_back(std::move(t));
}

void Membership::onHeartbeat(const Heartbeat& hb, Time now) {
  peerHb_ = hb;
  lastPeer_ = now;
  if (role_ == Role::Active && hb.role == Role::Active) {
    // Two actives (a partition healed): the newer term stays.
    if (hb.epoch > epoch_ || (hb.epoch == epoch_ && settings_.peerPreferred())) {
      leaseUntil_ = Time{};
      become(Role::Standby,
             "peer " + hb.member + " is active at epoch " + std::to_string(hb.epoch) + " (ours " +
                 std::to_string(epoch_) + ")",
             now);
    }
  }
  if (role_ != Role::Active && hb.epoch > epoch_) epoch_ = hb.epoch;
}

void Membership::tick(Time now) {
  if (role_ == Role::Active && now >= leaseUntil_ && !peerConfirmsUs(now)) {
    become(Role::Standby,
           witnessReachable_ ? std::string("the lease expired and the peer does not confirm this member")
                             : "lost both the witness (" + witnessError_ + ") and the peer",
           now);
  }
  if (!handoverTo_.empty() && (!peerAlive(now) || peerHb_->role == Role::Active)) handoverTo_.clear();
}

std::optional<WitnessRequest> Membership::witnessDue(Time now) {
  if (inFlight_) return std::nullopt;
  std::optional<WitnessRequest> r;
  if (role_ == Role::Active && !switchoverTo_.empty()) {
    r = WitnessRequest{WitnessCall::Release, switchoverTo_};
  } else if (role_ == Role::Active) {
    if (now - lastCall_ >= settings_.interval) r = WitnessRequest{WitnessCall::Acquire, {}};
  } else if (auto why = acquireReason(now)) {
    if (now - lastCall_ >= settings_.interval || acquireWhy_.empty()) {
      r = WitnessRequest{WitnessCall::Acquire, {}};
      acquireWhy_ = *why;
    }
  } else {
    acquireWhy_.clear();
    if (now - lastReport_ >= kReportPeriod) r = WitnessRequest{WitnessCall::Report, {}};
  }
  if (r) {
    inFlight_ = true;
    lastCall_ = now;
    lastReport_ = now;
  }
  return r;
}

void Membership::onWitness(const WitnessRequest& request, const WitnessReply& reply, Time sentAt, Time now) {
  inFlight_ = false;
  if (!reply.reached) {
    witnessReachable_ = false;
    witnessError_ = reply.error;
    if (request.call == WitnessCall::Release) switchoverTo_.clear();  // cancelled: still active
    return;
  }
  witnessReachable_ = true;
  witnessError_.clear();
  witnessOkAt_ = now;
  leaseHolder_ = reply.holder;
  if (request.call == WitnessCall::Release) {
    switchoverTo_.clear();
    if (role_ == Role::Active) {
      leaseUntil_ = Time{};
      handoverTo_ = request.successor;
      become(Role::Standby, "planned switchover to " + request.successor, now);
    }
    return;
  }
  if (reply.granted) {
    leaseUntil_ = sentAt + reply.lease;
    epoch_ = reply.epoch;
    if (role_ == Role::Standby && request.call == WitnessCall::Acquire) {
      std::optional<milliseconds> silence;
      if (settings_.peer && peerHb_ && !peerAlive(now)) silence = duration_cast<milliseconds>(now - lastPeer_);
      become(Role::Active, acquireWhy_.empty() ? std::string("granted the lease") : acquireWhy_, now, silence);
      acquireWhy_.clear();
    }
    if (role_ == Role::Active && reply.switchover) (void)startSwitchover(now);
    return;
  }
  leaseUntil_ = Time{};
  if (role_ == Role::Active) {
    become(Role::Standby,
           reply.holder.empty() ? std::string("the witness reserved the lease for the peer")
                                : "the witness gave the lease to " + reply.holder + " (epoch " +
                                      std::to_string(reply.epoch) + ")",
           now);
  } else if (reply.epoch > epoch_) {
    epoch_ = reply.epoch;
  }
}

bool Membership::heartbeatDue(Time now) const { return sendNow_ || now - lastSent_ >= settings_.interval; }

Heartbeat Membership::nextHeartbeat(Time now) {
  sendNow_ = false;
  lastSent_ = now;
  Heartbeat hb;
  hb.cluster = settings_.cluster;
  hb.member = settings_.self.name;
  hb.role = role_;
  hb.epoch = epoch_;
  hb.seq = ++seq_;
  hb.priority = settings_.self.priority;
  hb.seesPeer = peerAlive(now);
  hb.synced = synced_;
  hb.handoverTo = handoverTo_;
  hb.ikeResync = ikeResync_;
  return hb;
}

Status Membership::startSwitchover(Time now, bool force) {
  if (role_ != Role::Active) {
    return makeError(Errc::Conflict, "role", std::string(roleName(role_)), "only the active member switches over");
  }
  if (!settings_.peer) return makeError(Errc::Conflict, "peer", "", "the cluster has no other member");
  const std::string& peer = settings_.peer->name;
  if (!peerAlive(now)) return makeError(Errc::Unavailable, "peer", peer, "is not heard on the heartbeat link");
  if (peerHb_->role != Role::Standby) {
    return makeError(Errc::Conflict, "peer", peer, "is " + std::string(roleName(peerHb_->role)) + ", not standby");
  }
  if (!peerHb_->synced && !force) {
    return makeError(Errc::Conflict, "peer", peer,
                     "has not synced the state yet; it would lose sessions (force accepts that)");
  }
  if (!switchoverTo_.empty()) return makeError(Errc::Conflict, "peer", peer, "a switchover is already under way");
  switchoverTo_ = peer;
  return okStatus();
}

std::vector<Transition> Membership::takeTransitions() {
  std::vector<Transition> out;
  out.swap(pending_);
  return out;
}

json::object Membership::status(Time now) const {
  json::object o;
  o["cluster"] = settings_.cluster;
  o["member"] = settings_.self.name;
  o["role"] = roleName(role_);
  o["epoch"] = epoch_;
  o["priority"] = settings_.self.priority;
  o["synced"] = synced_;
  o["lease_remaining_ms"] = role_ == Role::Active && now < leaseUntil_ ? msSince(now, leaseUntil_) : 0;
  json::object peer;
  if (settings_.peer) {
    peer["name"] = settings_.peer->name;
    peer["alive"] = peerAlive(now);
    peer["role"] = peerHb_ ? json::value(roleName(peerHb_->role)) : json::value(nullptr);
    peer["synced"] = peerHb_ && peerHb_->synced;
    peer["last_heard_ms"] = peerHb_ ? json::value(msSince(lastPeer_, now)) : json::value(nullptr);
    o["peer"] = std::move(peer);
  } else {
    o["peer"] = nullptr;
  }
  json::object w;
  w["reachable"] = witnessReachable_;
  w["last_error"] = witnessError_;
  w["holder"] = leaseHolder_;
  o["witness"] = std::move(w);
  o["heartbeat_interval_ms"] = settings_.interval.count();
  o["detection_ms"] = settings_.detection().count();
  o["transitions"] = transitions_;
  if (lastFailover_) {
    json::object f;
    f["ago_ms"] = msSince(lastFailover_->at, now);
    f["from"] = roleName(lastFailover_->from);
    f["why"] = lastFailover_->why;
    f["peer_silence_ms"] = lastFailover_->peerSilence ? json::value(lastFailover_->peerSilence->count()) : json::value(nullptr);
    o["last_activation"] = std::move(f);
  } else {
    o["last_activation"] = nullptr;
  }
  return o;
}

}  // namespace hnv::cluster
