// The health probe behind the watchdog: a worker whose walk count stays put
// for the stall time is named, one that moves is not, whoever asks and
// however often.
#include "hnv/daemon/worker_progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hnv::daemon {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST(WorkerProgress, NamesOnlyTheWorkerThatStoppedWalking) {
  WorkerProgress p(2000ms);
  const auto t0 = WorkerProgress::Clock::time_point{} + 100s;
  EXPECT_EQ(p.check({10, 20}, t0), "") << "the first look has nothing to compare with";
  EXPECT_EQ(p.check({50, 20}, t0 + 1500ms), "") << "worker 1 still, but not for 2 s yet";
  const auto problem = p.check({90, 20}, t0 + 2100ms);
  EXPECT_EQ(problem, "data-plane worker 1 has not walked its graph for over 2000 ms (stuck at walk 20)");
  EXPECT_EQ(p.check({95, 20}, t0 + 4000ms), problem) << "the same words while it lasts: the watchdog logs it once";
  EXPECT_EQ(p.check({91, 21}, t0 + 2200ms), "") << "moving again";
}

TEST(WorkerProgress, FrequentChecksDoNotResetTheStallClock) {
  WorkerProgress p(1000ms);
  const auto t0 = WorkerProgress::Clock::time_point{} + 100s;
  p.check({7}, t0);
  for (int i = 1; i <= 9; ++i) EXPECT_EQ(p.check({7}, t0 + i * 100ms), "") << i;
  EXPECT_THAT(p.check({7}, t0 + 1000ms), HasSubstr("worker 0"));
}

TEST(WorkerProgress, EveryStuckWorkerIsListedAndANewWorkerSetStartsAfresh) {
  WorkerProgress p(500ms);
  const auto t0 = WorkerProgress::Clock::time_point{} + 100s;
  p.check({1, 2, 3}, t0);
  const auto problem = p.check({1, 5, 3}, t0 + 600ms);
  EXPECT_THAT(problem, HasSubstr("worker 0 "));
  EXPECT_THAT(problem, HasSubstr("; data-plane worker 2 "));
  EXPECT_EQ(p.check({1, 5}, t0 + 700ms), "") << "two workers now: a fresh baseline";
}

}  // namespace
}  // namespace hnv::daemon
