// An ESP SA made real: librte_ipsec's SA object and a crypto session on the
// CryptoDevice, built from an SaSpec, plus what the data plane counts on it.
// The keys are wiped from the kept SaSpec once the crypto session holds them.
//
// Threads: built and destroyed on the control thread; used by workers.
// An outbound SA may be used by several workers at once (sequence numbers
// are atomic); an inbound SA's replay window is updated under lock().
#pragma once

#include <rte_ipsec.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "hnv/base/result.h"
#include "hnv/dp/spin_lock.h"
#include "hnv/vpn/crypto_device.h"
#include "hnv/vpn/sa_spec.h"

namespace hnv::vpn {

using SpinLock = dp::SpinLock;

// What happened to an SA's packets (relaxed atomics: read by the control
// thread for statistics and lifetimes).
struct SaCounters {
  std::atomic<std::uint64_t> packets{0};  // protected / verified and decapsulated
  std::atomic<std::uint64_t> bytes{0};    // inner bytes
  std::atomic<std::uint64_t> replayed{0};       // inbound: outside the window or seen already
  std::atomic<std::uint64_t> authFailed{0};     // inbound: ICV did not verify
  std::atomic<std::uint64_t> malformed{0};      // too short, bad padding or next header
  std::atomic<std::uint64_t> cryptoBusy{0};     // no crypto operation or queue room
  // Outbound: sequence numbers handed out (a packet that fails afterwards
  // has used its number all the same).
  std::atomic<std::uint64_t> sequencesUsed{0};
};

class EspSa {
 public:
  // `firstSequence`: the first sequence number an outbound SA sends (1 for
  // a new SA; past the old active's on a cluster's new active).
  static Result<std::unique_ptr<EspSa>> create(const SaSpec& spec, CryptoDevice& device,
                                               std::uint64_t firstSequence = 1);
  ~EspSa();
  EspSa(const EspSa&) = delete;
  EspSa& operator=(const EspSa&) = delete;

  const SaSpec& spec() const { return spec_; }  // without keys
  rte_ipsec_session& session() { return session_; }
  CryptoDevice& device() const { return device_; }
  SpinLock& lock() { return lock_; }
  SaCounters& counters() { return counters_; }
  const SaCounters& counters() const { return counters_; }
  // Bytes of outer header in front of ESP on the wire (IPv4, and UDP for NAT-T).
  std::uint16_t outerHeaderLength() const { return spec_.udpEncap ? 28 : 20; }
  // Outbound: the highest sequence number handed out so far (0: none).
  std::uint64_t lastSequence() const {
    return sequenceBase_ + counters_.sequencesUsed.load(std::memory_order_relaxed);
  }

 private:
  EspSa(const SaSpec& spec, CryptoDevice& device) : spec_(spec), device_(device) {}
  SaSpec spec_;
  CryptoDevice& device_;
  rte_ipsec_sa* sa_ = nullptr;
  void* cryptoSession_ = nullptr;
  rte_ipsec_session session_{};
  SpinLock lock_;
  SaCounters counters_;
  std::uint64_t sequenceBase_ = 0;  // first sequence number - 1
};

// The Ethernet header size every outbound tunnel header template starts with
// (a placeholder: the packet is routed afterwards and gets its real one).
inline constexpr std::uint16_t kTemplateL2 = 14;

}  // namespace hnv::vpn
