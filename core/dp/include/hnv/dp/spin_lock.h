// A test-and-test-and-set lock for the data path: a worker takes it per burst
// around state the control thread reads now and then (session listings, SA
// replay windows). Not fair, never sleeps; std::lock_guard compatible.
#pragma once

#include <atomic>

namespace hnv::dp {

class SpinLock {
 public:
  void lock() {
    while (flag_.exchange(true, std::memory_order_acquire)) {
      while (flag_.load(std::memory_order_relaxed)) __builtin_ia32_pause();
    }
  }
  void unlock() { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

}  // namespace hnv::dp
