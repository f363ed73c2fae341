#include "hnv/iked/cluster_role.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "hnv/base/log.h"

namespace hnv::iked {
namespace {

const Logger kLog("iked");
// The plugin reads at most this many bytes per open of the FIFO: each
// command is padded to exactly that, so that two never merge into one read.
constexpr std::size_t kCommandBytes = 7;

}  // namespace

ClusterRoleControl::ClusterRoleControl(std::string fifo, Actions actions, std::chrono::milliseconds recheck)
    : fifo_(std::move(fifo)), actions_(std::move(actions)), recheck_(recheck) {}

void ClusterRoleControl::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void ClusterRoleControl::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The plugin's reader, blocked in read() while we hold a write end, sees
  // the end of the pipe and can be stopped.
  if (fifoFd_ >= 0) ::close(fifoFd_);
  fifoFd_ = -1;
}

void ClusterRoleControl::set(const ikeipc::ClusterRole& role) {
  {
    std::lock_guard lk(mu_);
    known_ = true;
    desired_ = role;
    changed_ = true;
    lostAt_.reset();
  }
  cv_.notify_all();
}

void ClusterRoleControl::dataplaneLost() {
  {
    std::lock_guard lk(mu_);
    if (!known_ || !desired_.active || lostAt_) return;
    lostAt_ = std::chrono::steady_clock::now();
  }
  cv_.notify_all();
}

void ClusterRoleControl::resyncPeer() {
  {
    std::lock_guard lk(mu_);
    resync_ = true;
  }
  cv_.notify_all();
}

void ClusterRoleControl::forgetPassive() {
  {
    std::lock_guard lk(mu_);
    forget_ = true;
  }
  cv_.notify_all();
}

bool ClusterRoleControl::writeFifo(const char* command) {
  if (fifoFd_ < 0) {
    // Held open, for reading and writing, as long as we run: a command
    // written while the plugin's reader is between two opens waits in the
    // pipe instead of being dropped when the reader closes its end.
    fifoFd_ = ::open(fifo_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fifoFd_ < 0) {
      kLog.error("the IKE state sync's control FIFO cannot be opened",
                 {{"fifo", fifo_}, {"command", command}, {"why", std::strerror(errno)}});
      return false;
    }
  }
  char buf[kCommandBytes];
  std::memset(buf, ' ', sizeof buf);
  std::memcpy(buf, command, std::min(std::strlen(command), sizeof buf));
  // At most PIPE_BUF bytes: written whole or not at all.
  if (::write(fifoFd_, buf, sizeof buf) != static_cast<ssize_t>(sizeof buf)) {
    kLog.error("the IKE state sync's control FIFO cannot be written",
               {{"fifo", fifo_}, {"command", command}, {"why", std::strerror(errno)}});
    return false;
  }
  return true;
}

void ClusterRoleControl::run() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    if (!known_) {
      cv_.wait(lk, [this] { return stopping_ || changed_; });
      resync_ = forget_ = false;  // no role: no cluster to resync
      continue;
    }
    // hnvgwd gone for kLossGrace (not a reconnect): this member is not active.
    if (lostAt_ && std::chrono::steady_clock::now() - *lostAt_ >= kLossGrace) {
      lostAt_.reset();
      desired_.active = false;
      changed_ = true;
    }
    const bool changed = changed_;
    const bool resync = resync_;
    const bool forget = forget_;
    changed_ = resync_ = forget_ = false;
    const ikeipc::ClusterRole role = desired_;
    lk.unlock();
    if (changed && role.active != wasActive_) {
      kLog.notice(role.active ? "cluster member active: this charon acts for the cluster"
                              : "cluster member not active: this charon stands by",
                  {{"ike_state_sync", syncsIke() ? "ha plugin" : "none"}});
    }
    if (syncsIke()) {
      // "-1" only after our own "+1": a member that never was active has no
      // segment to give up (and the plugin would tell the peer to take it).
      if (role.active != segmentActive_ && writeFifo(role.active ? "+1\n" : "-1\n")) segmentActive_ = role.active;
    } else if (wasActive_ && !role.active && actions_.closeAll) {
      const int n = actions_.closeAll();
      if (n > 0) kLog.notice("closed the IKE SAs of a member that is no longer active", {{"count", std::to_string(n)}});
    }
    wasActive_ = role.active;
    if (forget && syncsIke() && !role.active && actions_.forgetPassive) {
      const int n = actions_.forgetPassive();
      kLog.notice("dropped the passive IKE SAs before a resync", {{"count", std::to_string(n)}});
    }
    if (resync && syncsIke() && role.active && segmentActive_) {
      kLog.notice("sending the IKE state to the other member again (it lacks some)");
      writeFifo("*1\n");
    }
    if (role.active && actions_.initiateAbsent) {
      for (const auto& name : role.persistent) {
        const int r = actions_.initiateAbsent(name);
        if (r > 0) kLog.info("starting a persistent connection that has no IKE SA", {{"connection", name}});
      }
    }
    lk.lock();
    const auto wait = lostAt_ ? std::min<std::chrono::steady_clock::duration>(
                                    recheck_, *lostAt_ + kLossGrace - std::chrono::steady_clock::now())
                              : std::chrono::steady_clock::duration(recheck_);
    cv_.wait_for(lk, std::max<std::chrono::steady_clock::duration>(wait, std::chrono::milliseconds(1)),
                 [this] { return stopping_ || changed_ || resync_ || forget_; });
  }
}

}  // namespace hnv::iked
