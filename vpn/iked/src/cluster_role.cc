#include "hnv/iked/cluster_role.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hnv/base/log.h"

namespace hnv::iked {
namespace {

const Logger kLog("iked");
// The plugin's reader opens the FIFO again after each command; a command
// written while it is between two opens waits this long at most.
constexpr auto kFifoWait = std::chrono::seconds(2);
// Two commands in the FIFO before the reader gets to them would be read as
// one: each write is followed by this pause.
constexpr auto kFifoGap = std::chrono::milliseconds(50);

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
}

void ClusterRoleControl::set(const ikeipc::ClusterRole& role) {
  {
    std::lock_guard lk(mu_);
    known_ = true;
    desired_ = role;
    changed_ = true;
  }
  cv_.notify_all();
}

void ClusterRoleControl::dataplaneLost() {
  {
    std::lock_guard lk(mu_);
    if (!known_ || !desired_.active) return;
    desired_.active = false;
    changed_ = true;
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
  const auto deadline = std::chrono::steady_clock::now() + kFifoWait;
  int fd = -1;
  // Non-blocking: ENXIO while no reader has it open.
  while ((fd = ::open(fifo_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0 && errno == ENXIO &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (fd < 0) {
    kLog.error("the IKE state sync's control FIFO cannot be written",
               {{"fifo", fifo_}, {"command", command}, {"why", errno == ENXIO ? "no reader" : std::strerror(errno)}});
    return false;
  }
  const std::size_t n = std::strlen(command);
  const bool ok = ::write(fd, command, n) == static_cast<ssize_t>(n);
  ::close(fd);
  std::this_thread::sleep_for(kFifoGap);
  return ok;
}

void ClusterRoleControl::run() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    if (!known_) {
      cv_.wait(lk, [this] { return stopping_ || changed_; });
      resync_ = forget_ = false;  // no role: no cluster to resync
      continue;
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
    cv_.wait_for(lk, recheck_, [this] { return stopping_ || changed_ || resync_ || forget_; });
  }
}

}  // namespace hnv::iked
