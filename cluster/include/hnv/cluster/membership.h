// One member's view of its active/passive cluster, and the rules that keep
// exactly one member active: a state machine without I/O or clock of its
// own (the caller feeds heartbeats, witness replies and the time), so that
// every rule is tested with chosen times.
//
// Rules:
//   - A member starts as standby and becomes active only when the witness
//     grants it the lease, which it asks for when
//       (a) it has not heard the peer for interval x misses (peer lost; at
//           start-up it first waits that long to hear an active peer),
//       (b) the peer hands the active role over to it (planned switchover),
//       (c) both are standby and it is the preferred one (priority, then
//           the smaller name): a cold start.
//     There is no preemption: an active member stays active.
//   - An active member renews the lease every interval. It stays active
//     while its lease is valid (counted from when it sent the request,
//     so it expires on its side before it does on the witness's) or while
//     the peer confirms it (a fresh heartbeat of a standby that hears it):
//     losing the controller alone does not stop forwarding. Losing both, or
//     a witness that gives the lease to the peer, makes it standby at once.
//   - Two actives (after a partition heals): the older epoch steps down.
//   - A planned switchover (startSwitchover, or the witness relaying an
//     operator's request) needs a live, synced standby peer: the active
//     releases the lease to the peer, becomes standby and heartbeats at
//     once with handover_to = the peer, which then takes the lease.
//
// Thread: one (the caller's control thread).
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "hnv/base/result.h"
#include "hnv/cluster/heartbeat.h"
#include "hnv/cluster/settings.h"

namespace hnv::cluster {

enum class WitnessCall : std::uint8_t { Report, Acquire, Release };

struct WitnessRequest {
  WitnessCall call = WitnessCall::Report;
  std::string successor;  // Release: the member the lease is reserved for
};

struct WitnessReply {
  bool reached = false;  // false: `error` says why
  std::string error;
  bool granted = false;
  std::string holder;
  std::uint64_t epoch = 0;
  std::chrono::milliseconds lease{0};
  bool switchover = false;
};

struct Transition {
  Role from = Role::Init;
  Role to = Role::Init;
  std::string why;
  std::chrono::steady_clock::time_point at{};
  std::chrono::system_clock::time_point wallTime{};
  // Becoming active because the peer was lost: how long it had been silent.
  std::optional<std::chrono::milliseconds> peerSilence;
};

class Membership {
 public:
  using Clock = std::chrono::steady_clock;
  using Time = Clock::time_point;
  static constexpr std::chrono::milliseconds kReportPeriod{1000};

  Membership(ClusterSettings settings, Time now);

  // New settings of the same member (timing, peer, priorities); the role stays.
  void reconfigure(ClusterSettings settings);
  const ClusterSettings& settings() const { return settings_; }

  // A heartbeat of the peer (the caller checked cluster, member and source).
  void onHeartbeat(const Heartbeat& hb, Time now);
  // Timeouts: the lease and the peer's confirmation of an active member.
  void tick(Time now);
  // What to ask the witness now; nullopt when nothing is due or a call is
  // in flight. The caller answers each request with onWitness.
  std::optional<WitnessRequest> witnessDue(Time now);
  void onWitness(const WitnessRequest& request, const WitnessReply& reply, Time sentAt, Time now);
  bool heartbeatDue(Time now) const;
  Heartbeat nextHeartbeat(Time now);

  // Planned switchover to the peer; refused (and nothing changes) unless
  // this member is active and the peer is a live, synced standby. `force`
  // accepts a standby that is not synced (its sessions start afresh).
  Status startSwitchover(Time now, bool force = false);
  // Whether this member holds the active's full state (the standby's sync).
  void setSynced(bool synced) { synced_ = synced; }
  // Ask the peer for its IKE state again (carried by the next heartbeats).
  void requestIkeResync() { ++ikeResync_; }

  Role role() const { return role_; }
  std::uint64_t epoch() const { return epoch_; }
  bool peerAlive(Time now) const;
  // The peer is heard and says it is active.
  bool peerActive(Time now) const { return peerAlive(now) && peerHb_->role == Role::Active; }
  // Role changes since the last call, oldest first.
  std::vector<Transition> takeTransitions();
  boost::json::object status(Time now) const;

 private:
  bool peerConfirmsUs(Time now) const;
  std::optional<std::string> acquireReason(Time now) const;
  void become(Role to, std::string why, Time now, std::optional<std::chrono::milliseconds> silence = std::nullopt);

  ClusterSettings settings_;
  Role role_ = Role::Standby;
  std::uint64_t epoch_ = 0;
  Time started_;
  Time leaseUntil_{};
  std::optional<Heartbeat> peerHb_;
  Time lastPeer_{};
  bool synced_ = false;
  std::uint32_t ikeResync_ = 0;
  std::uint64_t seq_ = 0;
  Time lastSent_{};
  bool sendNow_ = true;
  std::string handoverTo_;       // set while we hand over (heartbeats carry it)
  std::string switchoverTo_;     // a release to send
  bool inFlight_ = false;
  Time lastCall_{};
  Time lastReport_{};
  std::string acquireWhy_;       // why the pending Acquire was asked
  bool witnessReachable_ = false;
  std::string witnessError_;
  Time witnessOkAt_{};
  std::string leaseHolder_;      // as the witness last said
  std::vector<Transition> pending_;
  std::optional<Transition> lastFailover_;
  std::uint64_t transitions_ = 0;
};

}  // namespace hnv::cluster
