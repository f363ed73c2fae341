#include "hnv/base/flat_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace hnv {
namespace {

struct Identity {
  std::size_t operator()(std::uint64_t k) const { return k; }
};
struct Constant {  // every key collides: correctness must not depend on the hash
  std::size_t operator()(std::uint64_t) const { return 7; }
};

TEST(FlatMap, FindsWhatWasInsertedAndNothingElse) {
  FlatMap<std::uint64_t, std::string, Identity> m;
  EXPECT_EQ(m.find(1), nullptr);
  m.insertOrAssign(1, "one");
  m.insertOrAssign(2, "two");
  ASSERT_NE(m.find(1), nullptr);
  EXPECT_EQ(*m.find(1), "one");
  EXPECT_EQ(*m.find(2), "two");
  EXPECT_EQ(m.find(3), nullptr);
  EXPECT_EQ(m.size(), 2u);
}

TEST(FlatMap, InsertOrAssignReplacesAndTryEmplaceKeepsTheFirst) {
  FlatMap<std::uint64_t, std::string, Identity> m;
  m.insertOrAssign(5, "a");
  m.insertOrAssign(5, "b");
  EXPECT_EQ(*m.find(5), "b");
  EXPECT_FALSE(m.tryEmplace(5, "c"));
  EXPECT_EQ(*m.find(5), "b");
  EXPECT_TRUE(m.tryEmplace(6, "d"));
  EXPECT_EQ(m.size(), 2u);
}

// Keys that differ only in high bits, or all hash the same: the table grows
// past many rehashes and still agrees with std::map on every key.
template <class Hash>
void agreesWithStdMap(std::uint64_t stride, int count) {
  FlatMap<std::uint64_t, std::uint64_t, Hash> m;
  std::map<std::uint64_t, std::uint64_t> want;
  std::mt19937_64 rng(42);
  for (int i = 0; i < count; ++i) {
    const std::uint64_t k = (rng() % (count / 2 + 1)) * stride;
    const std::uint64_t v = rng();
    m.insertOrAssign(k, v);
    want[k] = v;
  }
  EXPECT_EQ(m.size(), want.size());
  for (const auto& [k, v] : want) {
    ASSERT_NE(m.find(k), nullptr) << k;
    EXPECT_EQ(*m.find(k), v);
  }
  EXPECT_EQ(m.find(stride * (count + 7)), nullptr);
  std::size_t seen = 0;
  m.forEach([&](std::uint64_t k, std::uint64_t v) {
    ++seen;
    EXPECT_EQ(want.at(k), v);
  });
  EXPECT_EQ(seen, want.size());
  EXPECT_GE(m.memoryBytes(), 2 * m.size() * sizeof(std::uint64_t)) << "load factor at most 1/2";
}

TEST(FlatMap, ManyKeysWithOnlyHighBitsSetSpreadAndAreAllFound) {
  agreesWithStdMap<Identity>(std::uint64_t{1} << 40, 50000);
}

TEST(FlatMap, AllKeysCollidingIsSlowButCorrect) { agreesWithStdMap<Constant>(3, 600); }

}  // namespace
}  // namespace hnv
