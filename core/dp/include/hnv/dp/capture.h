// Packet capture at ports: port-rx copies what a port receives, port-tx what
// it sends, for the ports the control thread armed. Copies go through one
// multi-producer ring to the control thread, which writes them (pcapng,
// daemon::CaptureSession). At a VM port a capture sees the customer frames;
// at an uplink, the NVGRE packets. Cost when nothing is armed: one relaxed
// load per burst and port.
//
// Threads: armed()/copy() on workers; everything else on the control thread.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hnv/base/result.h"

namespace hnv::dp {

enum class CaptureDirection : std::uint8_t { In = 1, Out = 2 };

class CaptureTap {
 public:
  static constexpr std::size_t kMaxPorts = 64;
  static constexpr std::uint32_t kSnapLen = 2048;

  static Result<std::unique_ptr<CaptureTap>> create(const std::string& name, unsigned ringSize = 4096);
  ~CaptureTap();
  CaptureTap(const CaptureTap&) = delete;
  CaptureTap& operator=(const CaptureTap&) = delete;

  bool armed(std::uint16_t port) const {
    return port < kMaxPorts && armed_[port].load(std::memory_order_relaxed) != 0;
  }
  // Copies (the first kSnapLen bytes of) `m` for the control thread.
  void copy(const rte_mbuf* m, std::uint16_t port, CaptureDirection dir);

  void arm(std::uint16_t port) { if (port < kMaxPorts) armed_[port].store(1); }
  void disarm(std::uint16_t port) { if (port < kMaxPorts) armed_[port].store(0); }
  // Calls `sink(copy, port, direction, tsc)` for up to `max` copies; the sink
  // does not own the copy (it is freed after the call).
  unsigned drain(const std::function<void(const rte_mbuf*, std::uint16_t, CaptureDirection, std::uint64_t)>& sink,
                 unsigned max = 512);
  std::uint64_t lost() const { return lost_.load(std::memory_order_relaxed); }

 private:
  CaptureTap() = default;
  std::array<std::atomic<std::uint8_t>, kMaxPorts> armed_{};
  rte_ring* ring_ = nullptr;
  std::atomic<std::uint64_t> lost_{0};  // no mbuf or a full ring
};

}  // namespace hnv::dp
