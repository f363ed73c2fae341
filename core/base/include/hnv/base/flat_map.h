// A hash map for the data plane's read-mostly tables: open addressing with
// linear probing, keys and values stored inline in one array of slots.
//
// Why not std::unordered_map: its lookup reads a bucket, then follows a
// pointer to a separately allocated node (and along a chain): at a million
// records those are two or more cache misses per packet. Here a lookup
// lands on its slot, which holds the key and the value, and probes the
// next slots of the same or the following cache line. prefetch() starts
// that one line's load early, so that a node can ask for the slots of a
// whole burst before it reads the first (bench/: host-encap at scale).
//
// The caller's hash is mixed (Fibonacci hashing: multiply, keep the high
// bits), so hashes that differ only in their low or high bits still spread.
// The load factor stays at or below 1/2: probe runs stay short. Erasure is
// not offered: tables are built on the control thread, published, and
// replaced whole.
//
// Thread: build on one thread; after that, const member functions may run
// on any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace hnv {

template <class Key, class Value, class Hash>
class FlatMap {
 public:
  FlatMap() { rehash(16); }

  const Value* find(const Key& k) const {
    for (std::size_t i = home(k);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.key == k) return &s.value;
    }
  }
  bool contains(const Key& k) const { return find(k) != nullptr; }
  // Starts loading k's home slot into the cache.
  void prefetch(const Key& k) const { __builtin_prefetch(&slots_[home(k)], 0, 3); }

  // Inserts or replaces.
  void insertOrAssign(const Key& k, Value v) {
    if (Slot* s = slotFor(k); s->used) {
      s->value = std::move(v);
    } else {
      *s = Slot{k, std::move(v), true};
      ++size_;
    }
  }
  // Inserts unless the key is there; true when it inserted.
  bool tryEmplace(const Key& k, Value v) {
    Slot* s = slotFor(k);
    if (s->used) return false;
    *s = Slot{k, std::move(v), true};
    ++size_;
    return true;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t memoryBytes() const { return slots_.size() * sizeof(Slot); }

  // Every entry, in slot order (no particular order).
  template <class F>
  void forEach(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.used) f(s.key, s.value);
    }
  }

 private:
  struct Slot {
    Key key{};
    Value value{};
    bool used = false;
  };

  std::size_t home(const Key& k) const {
    return static_cast<std::size_t>((static_cast<std::uint64_t>(Hash{}(k)) * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  // The slot holding k, or the free slot where it would go (growing first
  // if one more key would pass the load factor).
  Slot* slotFor(const Key& k) {
    if (2 * (size_ + 1) > slots_.size()) rehash(2 * slots_.size());
    for (std::size_t i = home(k);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used || s.key == k) return &s;
    }
  }
  void rehash(std::size_t slots) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(slots, Slot{});
    mask_ = slots - 1;
    shift_ = 64;
    for (std::size_t n = slots; n > 1; n >>= 1) --shift_;
    for (Slot& s : old) {
      if (!s.used) continue;
      std::size_t i = home(s.key);
      while (slots_[i].used) i = (i + 1) & mask_;
      slots_[i] = std::move(s);
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace hnv
