// A token bucket in bytes for a tunnel's bandwidth limit (an S2S
// interface's egressKbps / ingressKbps): refilled at the rate from the TSC,
// holding at most 100 ms of it (at least two full-size packets). Workers
// share one bucket per tunnel and direction under a spinlock, taken only
// for limited tunnels.
//
// Thread: any worker.
#pragma once

#include <rte_spinlock.h>

#include <algorithm>
#include <cstdint>

namespace hnv::vpn {

class RateLimiter {
 public:
  RateLimiter() { rte_spinlock_init(&lock_); }
  // bytesPerSecond 0: unlimited. `hz`: TSC ticks per second; `now` the TSC.
  void configure(std::uint64_t bytesPerSecond, std::uint64_t hz, std::uint64_t now) {
    rate_ = bytesPerSecond;
    hz_ = hz;
    burst_ = std::max<std::uint64_t>(bytesPerSecond / 10, kMinBurst);
    tokens_ = burst_;
    last_ = now;
  }
  bool limited() const { return rate_ != 0; }
  // Whether `bytes` may pass now (taken from the bucket if so).
  bool admit(std::uint32_t bytes, std::uint64_t now) {
    if (rate_ == 0) return true;
    rte_spinlock_lock(&lock_);
    const std::uint64_t elapsed = std::min(now > last_ ? now - last_ : 0, hz_);  // at most a second counts
    // 128 bits: a second of a 3 GHz TSC times 12.5 GB/s overflows 64.
    const auto refill = static_cast<std::uint64_t>(static_cast<unsigned __int128>(elapsed) * rate_ / hz_);
    if (refill > 0) {
      tokens_ = std::min(burst_, tokens_ + refill);
      last_ = now;
    }
    const bool ok = tokens_ >= bytes;
    if (ok) tokens_ -= bytes;
    rte_spinlock_unlock(&lock_);
    return ok;
  }

  static constexpr std::uint64_t kMinBurst = 3000;

 private:
  rte_spinlock_t lock_;
  std::uint64_t rate_ = 0, hz_ = 1, burst_ = 0, tokens_ = 0, last_ = 0;
};

}  // namespace hnv::vpn
