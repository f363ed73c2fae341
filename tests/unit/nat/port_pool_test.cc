#include "hnv/nat/port_pool.h"

#include <gtest/gtest.h>

#include <set>

namespace hnv::nat {
namespace {

TEST(PortPool, KeepsTheInsidePortWhenFreeAndHandsOutEachPortOnce) {
  PortPool p(1024, 1099, 0, 1);
  EXPECT_EQ(p.size(), 76u);
  EXPECT_EQ(p.allocate(1050), 1050);
  std::set<std::uint16_t> seen{1050};
  for (int i = 0; i < 75; ++i) {
    auto port = p.allocate(1050);  // taken: another one
    ASSERT_TRUE(port) << i;
    EXPECT_GE(*port, 1024);
    EXPECT_LE(*port, 1099);
    EXPECT_TRUE(seen.insert(*port).second) << *port << " handed out twice";
  }
  EXPECT_FALSE(p.allocate(1050)) << "every port is taken";
  EXPECT_EQ(p.used(), 76u);
  p.release(1077);
  EXPECT_EQ(p.allocate(5000), 1077) << "the only free port";
}

TEST(PortPool, WorkersShareARangeWithoutOverlap) {
  std::set<std::uint16_t> all;
  std::uint32_t total = 0;
  for (unsigned w = 0; w < 3; ++w) {
    PortPool p(2000, 2100, w, 3);
    total += p.size();
    while (auto port = p.allocate(0)) {
      EXPECT_EQ((*port - 2000) % 3, w);
      EXPECT_TRUE(all.insert(*port).second);
    }
  }
  EXPECT_EQ(total, 101u);
  EXPECT_EQ(all.size(), 101u);
  PortPool p(2000, 2100, 1, 3);
  EXPECT_FALSE(p.take(2000)) << "worker 0's port";
  EXPECT_TRUE(p.take(2001));
  EXPECT_FALSE(p.take(2001)) << "taken already";
}

TEST(PortPool, OnePortRange) {
  PortPool p(80, 80, 0, 1);
  EXPECT_EQ(p.allocate(1), 80);
  EXPECT_FALSE(p.allocate(1));
  PortPool none(80, 80, 1, 2);
  EXPECT_EQ(none.size(), 0u);
  EXPECT_FALSE(none.allocate(80));
}

}  // namespace
}  // namespace hnv::nat
