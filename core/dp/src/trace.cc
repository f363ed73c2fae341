#include "hnv/dp/trace.h"

#include <rte_cycles.h>

#include <algorithm>
#include <cstring>

namespace hnv::dp {

std::uint32_t TraceBuffer::take(const std::uint8_t* frame, std::uint16_t length, std::uint16_t rxPort) {
  std::uint32_t left = budget_.load(std::memory_order_relaxed);
  if (left == 0) return 0;
  budget_.store(left - 1, std::memory_order_relaxed);
  // Worker index in the top byte keeps ids unique across workers.
  std::uint32_t id = (static_cast<std::uint32_t>(worker_ & 0xFF) << 24) | (nextSeq_++ & 0xFFFFFF);
  if ((nextSeq_ & 0xFFFFFF) == 0) nextSeq_ = 1;
  std::uint64_t head = packetHead_.load(std::memory_order_relaxed);
  TracedPacket& p = packets_[head % kPackets];
  p.traceId = id;
  p.rxPort = rxPort;
  p.length = length;
  p.captured = static_cast<std::uint16_t>(std::min<std::size_t>(length, TracedPacket::kSnap));
  std::memcpy(p.bytes, frame, p.captured);
  packetHead_.store(head + 1, std::memory_order_release);
  return id;
}

void TraceBuffer::record(std::uint32_t traceId, std::uint16_t node, std::uint16_t next, bool hasError,
                         std::uint16_t error) {
  std::uint64_t head = recordHead_.load(std::memory_order_relaxed);
  records_[head % kRecords] = TraceRecord{traceId, node, next, error, hasError, rte_rdtsc()};
  recordHead_.store(head + 1, std::memory_order_release);
}

std::vector<TracedPacket> TraceBuffer::packets() const {
  std::uint64_t head = packetHead_.load(std::memory_order_acquire);
  std::uint64_t first = head > kPackets ? head - kPackets : 0;
  std::vector<TracedPacket> out;
  for (std::uint64_t i = first; i < head; ++i) out.push_back(packets_[i % kPackets]);
  return out;
}

std::vector<TraceRecord> TraceBuffer::records() const {
  std::uint64_t head = recordHead_.load(std::memory_order_acquire);
  std::uint64_t first = head > kRecords ? head - kRecords : 0;
  std::vector<TraceRecord> out;
  for (std::uint64_t i = first; i < head; ++i) out.push_back(records_[i % kRecords]);
  return out;
}

void TraceBuffer::clear() {
  // Only called while the worker is not tracing (budget is zero); entries
  // written later simply overwrite old ones.
  recordHead_.store(0, std::memory_order_release);
  packetHead_.store(0, std::memory_order_release);
}

}  // namespace hnv::dp
