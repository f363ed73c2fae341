// A data-plane worker: one lcore running one graph to completion, forever.
//
// Idle back-off: after `spinPolls` consecutive walks that received nothing
// the worker sleeps, starting at minSleepUs and doubling up to maxSleepUs,
// and goes back to pure polling at the first packet. With poll = true it never
// sleeps (production on dedicated cores). While asleep it is offline for RCU.
#pragma once

#include <rte_graph.h>

#include <atomic>
#include <cstdint>

#include "hnv/base/result.h"
#include "hnv/dp/rcu.h"

namespace hnv::dp {

struct IdleConfig {
  bool poll = false;
  unsigned spinPolls = 200;
  unsigned minSleepUs = 20;
  unsigned maxSleepUs = 1000;
};

struct WorkerStats {
  std::uint64_t walks = 0;
  std::uint64_t sleeps = 0;
  std::uint64_t received = 0;
};

class Worker {
 public:
  // rxCount: the packets received so far by this worker's port-rx (read after each walk).
  Worker(unsigned index, unsigned lcore, rte_graph* graph, Rcu& rcu, const std::uint64_t* rxCount, IdleConfig idle)
      : index_(index), lcore_(lcore), graph_(graph), rcu_(rcu), rxCount_(rxCount), idle_(idle) {}

  // Thread: control.
  Status launch();
  void requestStop() { stop_.store(true, std::memory_order_relaxed); }
  // Waits for the lcore to return.
  void join();
  WorkerStats stats() const;
  unsigned index() const { return index_; }
  unsigned lcore() const { return lcore_; }

 private:
  static int entry(void* self);
  int run();

  unsigned index_;
  unsigned lcore_;
  rte_graph* graph_;
  Rcu& rcu_;
  const std::uint64_t* rxCount_;
  IdleConfig idle_;
  std::atomic<bool> stop_{false};
  bool launched_ = false;
  std::atomic<std::uint64_t> walks_{0};
  std::atomic<std::uint64_t> sleeps_{0};
};

}  // namespace hnv::dp
