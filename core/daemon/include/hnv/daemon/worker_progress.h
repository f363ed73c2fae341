// Whether the data-plane workers still run: the health probe behind the
// systemd watchdog and the metrics endpoint's /health.
//
// A worker walks its graph continuously, also when idle (it sleeps at most
// IdleConfig::maxSleepUs between walks), so a walk count that has not moved
// for `stall` means a worker stuck in a node, a lock or the kernel. Every
// check records the counts with the time they last moved; any caller (the
// watchdog, an HTTP probe) may check at any pace.
//
// Thread: control.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace hnv::daemon {

class WorkerProgress {
 public:
  using Clock = std::chrono::steady_clock;
  explicit WorkerProgress(std::chrono::milliseconds stall = std::chrono::seconds(2)) : stall_(stall) {}

  // walks[i]: worker i's graph walks so far (dp::WorkerStats::walks). ""
  // when every worker moved within `stall`, otherwise which did not and for
  // how long.
  std::string check(const std::vector<std::uint64_t>& walks, Clock::time_point now = Clock::now());

 private:
  struct Seen {
    std::uint64_t walks = 0;
    Clock::time_point movedAt{};
  };
  std::chrono::milliseconds stall_;
  std::vector<Seen> seen_;
};

}  // namespace hnv::daemon
