// A token bucket in bytes for a tunnel's bandwidth limit (an S2S
// interface's egressKbps / ingressKbps): refilled at the rate from the TSC
// (the fraction of a byte not yet earned is kept for the next refill),
// holding 100 ms of it, and never less than two packets of the largest
// MTU. Workers share one bucket per tunnel and direction under a spinlock,
// taken only for limited tunnels. The buckets outlive the VPN snapshots
// (VpnManager keeps them per interface), so neither a publish nor a rekey
// refills them.
//
// Thread: any worker; configure and carryFrom on the control thread.
#pragma once

#include <rte_spinlock.h>

#include <algorithm>
#include <cstdint>

namespace hnv::vpn {

class RateLimiter {
 public:
  static constexpr std::uint64_t kMinBurst = 2 * 9216;  // two jumbo frames

  RateLimiter() { rte_spinlock_init(&lock_); }
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // bytesPerSecond 0: unlimited. `hz`: TSC ticks per second; `now` the TSC.
  void configure(std::uint64_t bytesPerSecond, std::uint64_t hz, std::uint64_t now) {
    rte_spinlock_lock(&lock_);
    rate_ = bytesPerSecond;
    hz_ = hz;
    burst_ = std::max<std::uint64_t>(bytesPerSecond / 10, kMinBurst);
    tokens_ = burst_;
    last_ = now;
    rte_spinlock_unlock(&lock_);
  }
  // The same limit continues: `other`'s rate and what is left in it.
  void carryFrom(RateLimiter& other) {
    rte_spinlock_lock(&other.lock_);
    rate_ = other.rate_, hz_ = other.hz_, burst_ = other.burst_, tokens_ = other.tokens_, last_ = other.last_;
    rte_spinlock_unlock(&other.lock_);
  }
  bool limited() const { return rate_ != 0; }
  std::uint64_t rate() const { return rate_; }

  // Whether `bytes` may pass now (taken from the bucket if so).
  bool admit(std::uint32_t bytes, std::uint64_t now) {
    if (rate_ == 0) return true;
    rte_spinlock_lock(&lock_);
    refill(now);
    const bool ok = tokens_ >= bytes;
    if (ok) tokens_ -= bytes;
    rte_spinlock_unlock(&lock_);
    return ok;
  }

 private:
  void refill(std::uint64_t now) {
    if (now <= last_) return;  // a clock that went back adds nothing
    const std::uint64_t elapsed = now - last_;
    if (elapsed >= hz_) {  // a second or more idle: at most a second's worth
      tokens_ = std::min(burst_, tokens_ + rate_);
      last_ = now;
      return;
    }
    // 128 bits: a second of a 3 GHz TSC times 12.5 GB/s overflows 64.
    const auto earned = static_cast<std::uint64_t>(static_cast<unsigned __int128>(elapsed) * rate_ / hz_);
    if (earned == 0) return;  // keep the fraction: last_ stays
    tokens_ += earned;
    if (tokens_ >= burst_) {
      tokens_ = burst_;
      last_ = now;
    } else {
      // Only the ticks the whole bytes took: the rest counts next time.
      last_ += static_cast<std::uint64_t>(static_cast<unsigned __int128>(earned) * hz_ / rate_);
    }
  }

  rte_spinlock_t lock_;
  std::uint64_t rate_ = 0, hz_ = 1, burst_ = 0, tokens_ = 0, last_ = 0;
};

}  // namespace hnv::vpn
