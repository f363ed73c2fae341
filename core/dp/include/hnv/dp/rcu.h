// Publishing tables to workers without locks.
//
// Tables are immutable snapshots built on the control thread. Published<T>
// swaps the current snapshot atomically; workers load the pointer once per
// burst. The old snapshot is freed only after every worker has passed a
// quiescent state (rte_rcu_qsbr): workers report one after each graph walk
// and go offline while they sleep, so synchronize() never waits on a sleeper.
#pragma once

#include <rte_rcu_qsbr.h>

#include <atomic>
#include <memory>

#include "hnv/base/result.h"

namespace hnv::dp {

class Rcu {
 public:
  static Result<std::unique_ptr<Rcu>> create(unsigned workers);
  ~Rcu();
  Rcu(const Rcu&) = delete;
  Rcu& operator=(const Rcu&) = delete;

  // Thread: worker `w`.
  void online(unsigned w) { rte_rcu_qsbr_thread_online(v_, w); }
  void offline(unsigned w) { rte_rcu_qsbr_thread_offline(v_, w); }
  void quiescent(unsigned w) { rte_rcu_qsbr_quiescent(v_, w); }
  // Thread: control. Returns once every online worker has been quiescent.
  void synchronize() { rte_rcu_qsbr_synchronize(v_, RTE_QSBR_THRID_INVALID); }

 private:
  Rcu(rte_rcu_qsbr* v, unsigned workers) : v_(v), workers_(workers) {}
  rte_rcu_qsbr* v_;
  unsigned workers_;
};

template <class T>
class Published {
 public:
  Published(Rcu& rcu, std::unique_ptr<const T> initial) : rcu_(rcu), cur_(initial.release()) {}
  ~Published() { delete cur_.load(); }
  Published(const Published&) = delete;
  Published& operator=(const Published&) = delete;

  // Thread: any. Valid until the caller's next quiescent state.
  const T* get() const { return cur_.load(std::memory_order_acquire); }

  // Thread: control. Replaces the snapshot and frees the old one once no
  // worker can still see it.
  void publish(std::unique_ptr<const T> next) {
    const T* old = cur_.exchange(next.release(), std::memory_order_acq_rel);
    rcu_.synchronize();
    delete old;
  }

 private:
  Rcu& rcu_;
  std::atomic<const T*> cur_;
};

}  // namespace hnv::dp
