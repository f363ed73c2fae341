#include <gtest/gtest.h>

#include "hnv/dp/trace.h"

namespace hnv::dp {
namespace {

TEST(TraceBuffer, TakesIdsOnlyWhileArmedAndKeepsTheFrameStart) {
  TraceBuffer t(3);
  std::uint8_t frame[200];
  for (int i = 0; i < 200; ++i) frame[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(t.take(frame, 200, 1), 0u);
  t.arm(2);
  std::uint32_t a = t.take(frame, 200, 1);
  std::uint32_t b = t.take(frame, 60, 2);
  EXPECT_EQ(t.take(frame, 60, 2), 0u);  // budget spent
  EXPECT_NE(a, 0u);
  EXPECT_NE(b, a);
  EXPECT_EQ(a >> 24, 3u);  // the worker index is in the id
  auto pkts = t.packets();
  ASSERT_EQ(pkts.size(), 2u);
  EXPECT_EQ(pkts[0].traceId, a);
  EXPECT_EQ(pkts[0].length, 200);
  EXPECT_EQ(pkts[0].captured, TracedPacket::kSnap);
  EXPECT_EQ(pkts[0].bytes[127], 127);
  EXPECT_EQ(pkts[1].captured, 60);
  EXPECT_EQ(pkts[1].rxPort, 2);
}

TEST(TraceBuffer, RecordsWrapAroundKeepingTheNewest) {
  TraceBuffer t(0);
  for (std::size_t i = 0; i < TraceBuffer::kRecords + 10; ++i) {
    t.record(static_cast<std::uint32_t>(i + 1), 1, 2, false, 0);
  }
  auto r = t.records();
  ASSERT_EQ(r.size(), TraceBuffer::kRecords);
  EXPECT_EQ(r.front().traceId, 11u);
  EXPECT_EQ(r.back().traceId, TraceBuffer::kRecords + 10);
  t.clear();
  EXPECT_TRUE(t.records().empty());
}

}  // namespace
}  // namespace hnv::dp
