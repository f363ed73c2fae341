#include "hnv/daemon/worker_progress.h"

namespace hnv::daemon {

std::string WorkerProgress::check(const std::vector<std::uint64_t>& walks, Clock::time_point now) {
  if (seen_.size() != walks.size()) {  // first check, or the workers changed: start afresh
    seen_.assign(walks.size(), Seen{});
    for (std::size_t i = 0; i < walks.size(); ++i) seen_[i] = {walks[i], now};
    return {};
  }
  std::string problem;
  for (std::size_t i = 0; i < walks.size(); ++i) {
    if (walks[i] != seen_[i].walks) {
      seen_[i] = {walks[i], now};
      continue;
    }
    const auto still = std::chrono::duration_cast<std::chrono::milliseconds>(now - seen_[i].movedAt);
    if (still < stall_) continue;
    if (!problem.empty()) problem += "; ";
    // Worded the same for as long as it lasts (the watchdog says a problem once).
    problem += "data-plane worker " + std::to_string(i) + " has not walked its graph for over " +
               std::to_string(stall_.count()) + " ms (stuck at walk " + std::to_string(walks[i]) + ")";
  }
  return problem;
}

}  // namespace hnv::daemon
