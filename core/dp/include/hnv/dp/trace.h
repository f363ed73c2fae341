// Packet trace: which nodes a packet visited, the edge it took out of each,
// and the error that dropped it.
//
// The control thread asks a worker to trace its next N received packets;
// port-rx gives each such packet a trace id and keeps its first bytes; every
// node's Dispatch appends one record per traced packet. Each worker has its
// own buffer (one writer); the control thread reads it.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

namespace hnv::dp {

struct TraceRecord {
  std::uint32_t traceId = 0;
  std::uint16_t node = 0;   // NodeCatalog index
  std::uint16_t next = 0;   // edge taken
  std::uint16_t error = 0;  // error enum value, meaningful when hasError
  bool hasError = false;
  std::uint64_t tsc = 0;
};

struct TracedPacket {
  static constexpr std::size_t kSnap = 128;
  std::uint32_t traceId = 0;
  std::uint16_t rxPort = 0;
  std::uint16_t length = 0;  // full frame length
  std::uint16_t captured = 0;
  std::uint8_t bytes[kSnap] = {};
};

class TraceBuffer {
 public:
  static constexpr std::size_t kRecords = 4096;
  static constexpr std::size_t kPackets = 256;

  explicit TraceBuffer(unsigned worker) : worker_(worker), records_(kRecords), packets_(kPackets) {}

  // Thread: control. Trace the next `count` packets this worker receives.
  void arm(std::uint32_t count) { budget_.store(count, std::memory_order_relaxed); }
  std::uint32_t armed() const { return budget_.load(std::memory_order_relaxed); }

  // Thread: worker. Returns a new trace id, or 0 when not tracing.
  std::uint32_t take(const std::uint8_t* frame, std::uint16_t length, std::uint16_t rxPort);
  void record(std::uint32_t traceId, std::uint16_t node, std::uint16_t next, bool hasError, std::uint16_t error);

  // Thread: control. Copies of what was written so far (oldest first).
  std::vector<TracedPacket> packets() const;
  std::vector<TraceRecord> records() const;
  void clear();

 private:
  unsigned worker_;
  std::atomic<std::uint32_t> budget_{0};
  std::uint32_t nextSeq_ = 1;
  std::vector<TraceRecord> records_;
  std::vector<TracedPacket> packets_;
  std::atomic<std::uint64_t> recordHead_{0};
  std::atomic<std::uint64_t> packetHead_{0};
};

}  // namespace hnv::dp
