// hnv-iked's part in a gateway cluster: what the member's role, as hnvgwd
// tells it (ikeipc::ClusterRole), means for charon.
//
//   - Only the active member initiates: while active, every `recheck` (and
//     at once after a change) each persistent connection without an IKE SA
//     is started. The connections themselves are loaded with
//     start_action = none on both members.
//   - With an IKE state sync (strongSwan's ha plugin, one segment): the
//     plugin's segment follows the role through its control FIFO, "+1" when
//     the member becomes active (its IKE SAs, synced from the other member,
//     go from passive to established), "-1" when it stops being active. A
//     lost data plane (hnvgwd gone) counts as not active: this member can
//     carry no traffic, and its charon must not act for the cluster.
//   - Without one: a member that stops being active closes its IKE SAs
//     (the new active starts its own).
//
// Thread: its own; set() and dataplaneLost() from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "hnv/ike_ipc/messages.h"

namespace hnv::iked {

class ClusterRoleControl {
 public:
  struct Actions {
    // 1 started, 0 an IKE SA exists, -1 unknown connection (hnv_charon_initiate_absent).
    std::function<int(const std::string&)> initiateAbsent;
    std::function<int()> closeAll;
    std::function<int()> forgetPassive;
  };
  // `fifo`: the ha plugin's control FIFO; empty without an IKE state sync.
  ClusterRoleControl(std::string fifo, Actions actions,
                     std::chrono::milliseconds recheck = std::chrono::seconds(2));
  ~ClusterRoleControl() { stop(); }
  ClusterRoleControl(const ClusterRoleControl&) = delete;
  ClusterRoleControl& operator=(const ClusterRoleControl&) = delete;

  void start();
  void stop();
  void set(const ikeipc::ClusterRole& role);
  // hnvgwd went away: not active until it says so again, unless it is back
  // (with a role) within kLossGrace (a reconnect is no takeover: giving the
  // segment up would make the peer's plugin take it, witness or not).
  void dataplaneLost();
  static constexpr auto kLossGrace = std::chrono::seconds(1);
  // The standby lacks IKE state: "*1" (the plugin sends its IKE SAs to the
  // other member again and rekeys the CHILD SAs). Only while active.
  void resyncPeer();
  // The standby is about to ask for a resync: drop the passive copies it
  // holds (a resync would add second ones). Only while not active.
  void forgetPassive();
  bool syncsIke() const { return !fifo_.empty(); }

 private:
  void run();
  bool writeFifo(const char* command);

  const std::string fifo_;
  const Actions actions_;
  const std::chrono::milliseconds recheck_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool known_ = false;  // a role was ever given: this iked serves a cluster member
  bool changed_ = false;
  bool resync_ = false;
  bool forget_ = false;
  std::optional<std::chrono::steady_clock::time_point> lostAt_;
  bool stopping_ = false;
  ikeipc::ClusterRole desired_;
  std::thread thread_;
  // The control thread's own.
  bool wasActive_ = false;
  bool segmentActive_ = false;  // what the FIFO was last told
  int fifoFd_ = -1;
};

}  // namespace hnv::iked
