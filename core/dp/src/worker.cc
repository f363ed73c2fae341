#include "hnv/dp/worker.h"

#include <rte_graph_worker.h>
#include <rte_launch.h>

#include <ctime>

namespace hnv::dp {

Status Worker::launch() {
  if (int rc = rte_eal_remote_launch(&Worker::entry, this, lcore_); rc != 0) {
    return makeError(Errc::Unavailable, "worker " + std::to_string(index_), "lcore " + std::to_string(lcore_),
                     "rte_eal_remote_launch failed (" + std::to_string(rc) + "); is the lcore busy?");
  }
  launched_ = true;
  return okStatus();
}

void Worker::join() {
  if (!launched_) return;
  requestStop();
  rte_eal_wait_lcore(lcore_);
  launched_ = false;
}

WorkerStats Worker::stats() const {
  return WorkerStats{walks_.load(std::memory_order_relaxed), sleeps_.load(std::memory_order_relaxed),
                     std::atomic_ref<const std::uint64_t>(*rxCount_).load(std::memory_order_relaxed)};
}

int Worker::entry(void* self) { return static_cast<Worker*>(self)->run(); }

int Worker::run() {
  rcu_.online(index_);
  std::uint64_t lastRx = std::atomic_ref<const std::uint64_t>(*rxCount_).load(std::memory_order_relaxed);
  unsigned empty = 0;
  unsigned sleepUs = idle_.minSleepUs;
  std::uint64_t walks = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    rte_graph_walk(graph_);
    rcu_.quiescent(index_);
    ++walks;
    if ((walks & 0xFF) == 0) walks_.store(walks, std::memory_order_relaxed);
    std::uint64_t rx = std::atomic_ref<const std::uint64_t>(*rxCount_).load(std::memory_order_relaxed);
    if (rx != lastRx || idle_.poll) {
      lastRx = rx;
      empty = 0;
      sleepUs = idle_.minSleepUs;
      continue;
    }
    if (++empty < idle_.spinPolls) continue;
    // Published before every sleep too: an idle worker with a long
    // maxSleepUs would otherwise show progress only every 256 sleeps, and
    // the health probe (daemon::WorkerProgress) would call it stuck.
    walks_.store(walks, std::memory_order_relaxed);
    rcu_.offline(index_);
    timespec ts{0, static_cast<long>(sleepUs) * 1000};
    nanosleep(&ts, nullptr);
    rcu_.online(index_);
    sleeps_.fetch_add(1, std::memory_order_relaxed);
    sleepUs = sleepUs * 2 > idle_.maxSleepUs ? idle_.maxSleepUs : sleepUs * 2;
  }
  walks_.store(walks, std::memory_order_relaxed);
  rcu_.offline(index_);
  return 0;
}

}  // namespace hnv::dp
