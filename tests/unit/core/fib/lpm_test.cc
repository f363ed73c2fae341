// LpmTrie against a brute-force longest-prefix search, for IPv4 and IPv6,
// on hand-picked edge cases and on random tables.
#include "hnv/fib/lpm.h"

#include <gtest/gtest.h>

#include <random>

namespace hnv::fib {
namespace {

template <std::size_t N>
using Bytes = std::array<std::uint8_t, N>;

template <std::size_t N>
bool covers(const typename LpmTrie<N>::Prefix& p, const Bytes<N>& a) {
  for (unsigned bit = 0; bit < p.length; ++bit) {
    const unsigned byte = bit / 8, shift = 7 - bit % 8;
    if (((p.network[byte] >> shift) & 1) != ((a[byte] >> shift) & 1)) return false;
  }
  return true;
}

// The value of the longest covering prefix; the later one among equals.
template <std::size_t N>
std::optional<std::uint32_t> bruteForce(const std::vector<typename LpmTrie<N>::Prefix>& ps, const Bytes<N>& a) {
  std::optional<std::uint32_t> best;
  int bestLen = -1;
  for (const auto& p : ps) {
    if (covers<N>(p, a) && static_cast<int>(p.length) >= bestLen) {
      best = p.value;
      bestLen = p.length;
    }
  }
  return best;
}

Lpm4::Prefix p4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t len, std::uint32_t v) {
  return {{a, b, c, d}, len, v};
}

std::optional<std::uint32_t> at(const Lpm4& t, std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t addr[4] = {a, b, c, d};
  return t.lookup(addr);
}

TEST(Lpm, EmptyTableFindsNothing) {
  Lpm4 t;
  EXPECT_EQ(at(t, 10, 0, 0, 1), std::nullopt);
  EXPECT_EQ(t.plyCount(), 1u);
}

TEST(Lpm, DefaultRouteAndLongerPrefixes) {
  auto t = Lpm4::build({p4(10, 0, 1, 0, 24, 3), p4(0, 0, 0, 0, 0, 1), p4(10, 0, 0, 0, 8, 2), p4(10, 0, 1, 7, 32, 4),
                        p4(10, 0, 1, 128, 25, 5)});
  EXPECT_EQ(at(t, 192, 0, 2, 1), 1u);
  EXPECT_EQ(at(t, 10, 9, 9, 9), 2u);
  EXPECT_EQ(at(t, 10, 0, 1, 6), 3u);
  EXPECT_EQ(at(t, 10, 0, 1, 7), 4u);
  EXPECT_EQ(at(t, 10, 0, 1, 8), 3u);
  EXPECT_EQ(at(t, 10, 0, 1, 200), 5u);
  EXPECT_EQ(at(t, 10, 0, 2, 0), 2u);
}

TEST(Lpm, ValueZeroIsARoute) {
  auto t = Lpm4::build({p4(198, 51, 100, 0, 24, 0)});
  EXPECT_EQ(at(t, 198, 51, 100, 9), 0u);
  EXPECT_EQ(at(t, 198, 51, 101, 9), std::nullopt);
}

TEST(Lpm, HostBitsBeyondTheLengthAreIgnored) {
  auto t = Lpm4::build({p4(10, 0, 1, 99, 24, 7)});
  EXPECT_EQ(at(t, 10, 0, 1, 1), 7u);
}

TEST(Lpm, SameNetworkTwiceLaterWins) {
  auto t = Lpm4::build({p4(10, 0, 0, 0, 16, 1), p4(10, 0, 0, 0, 16, 2)});
  EXPECT_EQ(at(t, 10, 0, 3, 3), 2u);
}

TEST(Lpm, OddLengthsSpanPartOfAPly) {
  auto t = Lpm4::build({p4(10, 0, 0, 0, 13, 1), p4(10, 8, 0, 0, 13, 2)});
  EXPECT_EQ(at(t, 10, 7, 255, 255), 1u);
  EXPECT_EQ(at(t, 10, 8, 0, 0), 2u);
  EXPECT_EQ(at(t, 10, 15, 255, 255), 2u);
  EXPECT_EQ(at(t, 10, 16, 0, 0), std::nullopt);
}

TEST(Lpm, ASmallTableIsSmall) {
  // A tenant's typical table: a few subnets, an external network, a default route.
  auto t = Lpm4::build({p4(10, 0, 1, 0, 24, 0), p4(10, 0, 2, 0, 24, 1), p4(198, 51, 100, 0, 24, 2),
                        p4(198, 51, 100, 1, 32, 3), p4(0, 0, 0, 0, 0, 4)});
  EXPECT_LE(t.plyCount(), 8u);
  EXPECT_LE(t.memoryBytes(), 8u * 1024);
}

template <std::size_t N>
void randomAgainstBruteForce(unsigned seed, std::size_t prefixes, std::size_t lookups) {
  std::mt19937 rng(seed);
  std::vector<typename LpmTrie<N>::Prefix> ps;
  // Addresses from a small pool so that prefixes nest and overlap often.
  std::vector<Bytes<N>> pool(16);
  for (auto& a : pool) {
    for (auto& b : a) b = static_cast<std::uint8_t>(rng());
  }
  for (std::size_t i = 0; i < prefixes; ++i) {
    typename LpmTrie<N>::Prefix p;
    p.network = pool[rng() % pool.size()];
    p.length = static_cast<std::uint8_t>(rng() % (N * 8 + 1));
    p.value = static_cast<std::uint32_t>(i);
    ps.push_back(p);
  }
  auto t = LpmTrie<N>::build(ps);
  for (std::size_t i = 0; i < lookups; ++i) {
    Bytes<N> a = pool[rng() % pool.size()];
    // Flip a few bits so that lookups fall off the prefixes at every depth.
    for (int k = 0; k < 2; ++k) a[rng() % N] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    ASSERT_EQ(t.lookup(a.data()), bruteForce<N>(ps, a)) << "seed " << seed << " lookup " << i;
  }
}

TEST(Lpm, RandomIpv4TablesMatchBruteForce) {
  for (unsigned seed = 1; seed <= 20; ++seed) randomAgainstBruteForce<4>(seed, 200, 2000);
}

TEST(Lpm, RandomIpv6TablesMatchBruteForce) {
  for (unsigned seed = 1; seed <= 10; ++seed) randomAgainstBruteForce<16>(seed, 200, 2000);
}

}  // namespace
}  // namespace hnv::fib
