// An open-addressing hash index from a 16-byte key to a 32-bit value, sized
// once: linear probing, deletion by backward shift (no tombstones, so a
// table that churns does not slow down), no allocation after construction.
// The session tables of one worker use it; nothing here is thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace hnv::nat {

struct Key16 {
  std::uint32_t w[4]{0, 0, 0, 0};
  bool operator==(const Key16&) const = default;
};

class FlatIndex {
 public:
  // Holds at least `entries` keys at a load factor of at most 1/2.
  explicit FlatIndex(std::uint32_t entries) {
    std::uint32_t slots = 16;
    while (slots < 2 * entries) slots <<= 1;
    slots_.resize(slots);
    mask_ = slots - 1;
  }

  std::optional<std::uint32_t> find(const Key16& k) const {
    for (std::uint32_t i = hash(k) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.used) return std::nullopt;
      if (s.key == k) return s.value;
    }
  }
  // False when the key is there already (the value is left as it was).
  bool insert(const Key16& k, std::uint32_t value) {
    for (std::uint32_t i = hash(k) & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used) {
        s = Slot{k, value, true};
        ++size_;
        return true;
      }
      if (s.key == k) return false;
    }
  }
  bool erase(const Key16& k) {
    std::uint32_t i = hash(k) & mask_;
    for (;; i = (i + 1) & mask_) {
      if (!slots_[i].used) return false;
      if (slots_[i].key == k) break;
    }
    // Backward shift: move later members of the probe run into the hole
    // when their home slot does not lie between the hole and them.
    std::uint32_t hole = i;
    for (std::uint32_t j = (i + 1) & mask_; slots_[j].used; j = (j + 1) & mask_) {
      const std::uint32_t home = hash(slots_[j].key) & mask_;
      const bool between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!between) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole].used = false;
    --size_;
    return true;
  }
  std::uint32_t size() const { return size_; }
  std::size_t memoryBytes() const { return slots_.size() * sizeof(Slot); }

  static std::uint32_t hash(const Key16& k) {
    std::uint64_t a = (std::uint64_t{k.w[0]} << 32 | k.w[1]) * 0x9E3779B97F4A7C15ULL;
    std::uint64_t b = (std::uint64_t{k.w[2]} << 32 | k.w[3]) * 0xC2B2AE3D27D4EB4FULL;
    std::uint64_t h = a ^ (b >> 29) ^ (b << 17);
    h ^= h >> 32;
    return static_cast<std::uint32_t>(h);
  }

 private:
  struct Slot {
    Key16 key;
    std::uint32_t value = 0;
    bool used = false;
  };
  std::vector<Slot> slots_;
  std::uint32_t mask_ = 0;
  std::uint32_t size_ = 0;
};

}  // namespace hnv::nat
