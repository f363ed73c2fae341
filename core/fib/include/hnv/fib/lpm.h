// Longest-prefix match for one routing table: a multibit trie with 8-bit
// strides (at most 4 steps for IPv4, 16 for IPv6), built once on the control
// thread and then only read. Every step is one load from a 256-entry ply,
// and a table with a handful of prefixes costs a few KiB, so thousands of
// tenant tables fit where one DIR-24-8 table (64 MiB) would not.
//
// An entry is empty (0), a leaf (value + 1) or a child ply (kChild | index).
// Building inserts prefixes shortest first, so a range filled for a shorter
// prefix never covers a child created for a longer one; each longer prefix
// then splits the leaf it falls in into a child ply that inherits the leaf.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace hnv::fib {

template <std::size_t kBytes>
class LpmTrie {
 public:
  static constexpr unsigned kMaxLength = kBytes * 8;
  static constexpr std::uint32_t kMaxValue = 0x7FFFFFFEu;

  struct Prefix {
    std::array<std::uint8_t, kBytes> network{};  // big-endian; bits past `length` are ignored
    std::uint8_t length = 0;
    std::uint32_t value = 0;  // up to kMaxValue
  };

  LpmTrie() : plies_(kFanout, 0) {}

  // The same network and length twice: the later one wins.
  static LpmTrie build(std::vector<Prefix> prefixes) {
    std::stable_sort(prefixes.begin(), prefixes.end(),
                     [](const Prefix& a, const Prefix& b) { return a.length < b.length; });
    LpmTrie t;
    for (const auto& p : prefixes) t.insert(p);
    return t;
  }

  // The value of the longest prefix containing `address` (kBytes, big-endian).
  std::optional<std::uint32_t> lookup(const std::uint8_t* address) const {
    std::uint32_t ply = 0;
    for (std::size_t i = 0; i < kBytes; ++i) {
      const std::uint32_t e = plies_[ply * kFanout + address[i]];
      if ((e & kChild) == 0) {
        if (e == 0) return std::nullopt;
        return e - 1;
      }
      ply = e & ~kChild;
    }
    return std::nullopt;  // not reached: the last ply holds only leaves
  }

  std::size_t plyCount() const { return plies_.size() / kFanout; }
  std::size_t memoryBytes() const { return plies_.capacity() * sizeof(std::uint32_t); }

 private:
  static constexpr std::uint32_t kChild = 0x80000000u;
  static constexpr std::size_t kFanout = 256;

  void insert(const Prefix& p) {
    const std::uint32_t leaf = std::min(p.value, kMaxValue) + 1;
    const unsigned length = std::min<unsigned>(p.length, kMaxLength);
    std::uint32_t ply = 0;
    for (std::size_t i = 0;; ++i) {
      const unsigned covered = static_cast<unsigned>(8 * (i + 1));
      if (length <= covered) {
        // The prefix ends in this ply: fill the entries it spans.
        const unsigned free = covered - length;  // low bits of this byte that vary
        const std::uint32_t first = static_cast<std::uint32_t>(p.network[i] >> free << free);
        for (std::uint32_t j = 0; j < (1u << free); ++j) plies_[ply * kFanout + first + j] = leaf;
        return;
      }
      std::uint32_t& e = plies_[ply * kFanout + p.network[i]];
      if ((e & kChild) == 0) {
        // Split: the new ply inherits what the entry said so far.
        const std::uint32_t inherited = e;
        const auto child = static_cast<std::uint32_t>(plies_.size() / kFanout);
        plies_.resize(plies_.size() + kFanout, inherited);
        plies_[ply * kFanout + p.network[i]] = kChild | child;  // `e` may dangle after the resize
        ply = child;
      } else {
        ply = e & ~kChild;
      }
    }
  }

  std::vector<std::uint32_t> plies_;
};

using Lpm4 = LpmTrie<4>;
using Lpm6 = LpmTrie<16>;

}  // namespace hnv::fib
