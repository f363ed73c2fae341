// FlatIndex against std::unordered_map under random inserts and erases
// (backward-shift deletion must keep every other key findable).
#include "hnv/nat/flat_index.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace hnv::nat {
namespace {

Key16 keyOf(std::uint32_t n) { return Key16{{n % 7, n, n * 3u, n ^ 0x5a5a}}; }

TEST(FlatIndex, MatchesAReferenceMapUnderChurn) {
  FlatIndex index(1000);
  std::unordered_map<std::uint32_t, std::uint32_t> ref;
  std::mt19937 rng(7);
  for (int step = 0; step < 200000; ++step) {
    const std::uint32_t n = rng() % 1500;
    if (rng() % 3 == 0 || ref.size() >= 1000) {
      EXPECT_EQ(index.erase(keyOf(n)), ref.erase(n) == 1) << step;
    } else {
      EXPECT_EQ(index.insert(keyOf(n), n + 1), ref.emplace(n, n + 1).second) << step;
    }
    if (step % 1000 == 0) {
      for (std::uint32_t k = 0; k < 1500; ++k) {
        auto it = ref.find(k);
        auto v = index.find(keyOf(k));
        ASSERT_EQ(v.has_value(), it != ref.end()) << "key " << k << " at step " << step;
        if (v) {
          EXPECT_EQ(*v, it->second);
        }
      }
    }
  }
  EXPECT_EQ(index.size(), ref.size());
}

TEST(FlatIndex, InsertKeepsTheFirstValue) {
  FlatIndex index(4);
  EXPECT_TRUE(index.insert(keyOf(1), 10));
  EXPECT_FALSE(index.insert(keyOf(1), 20));
  EXPECT_EQ(index.find(keyOf(1)), 10u);
  EXPECT_FALSE(index.erase(keyOf(2)));
}

}  // namespace
}  // namespace hnv::nat
