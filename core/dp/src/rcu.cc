#include "hnv/dp/rcu.h"

#include <rte_malloc.h>

namespace hnv::dp {

Result<std::unique_ptr<Rcu>> Rcu::create(unsigned workers) {
  unsigned threads = workers == 0 ? 1 : workers;
  std::size_t size = rte_rcu_qsbr_get_memsize(threads);
  auto* v = static_cast<rte_rcu_qsbr*>(rte_zmalloc("hnv-rcu", size, RTE_CACHE_LINE_SIZE));
  if (v == nullptr) return makeError(Errc::Unavailable, "rcu", "", "cannot allocate the RCU state");
  if (rte_rcu_qsbr_init(v, threads) != 0) {
    rte_free(v);
    return makeError(Errc::Internal, "rcu", "", "rte_rcu_qsbr_init failed");
  }
  for (unsigned w = 0; w < workers; ++w) rte_rcu_qsbr_thread_register(v, w);
  return std::unique_ptr<Rcu>(new Rcu(v, workers));
}

Rcu::~Rcu() {
  for (unsigned w = 0; w < workers_; ++w) rte_rcu_qsbr_thread_unregister(v_, w);
  rte_free(v_);
}

}  // namespace hnv::dp
