// Invariant checks shared by the libFuzzer targets. A violated invariant
// traps, which libFuzzer reports as a crash with the input that caused it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "hnv/wire/error.h"

namespace hnv::wire::fuzz {

inline void check(bool ok) {
  if (!ok) __builtin_trap();
}

// A span the parser returned must lie inside the buffer it was given.
inline void checkWithin(std::span<const std::uint8_t> inner, std::span<const std::uint8_t> outer) {
  if (inner.empty()) return;
  const auto begin = reinterpret_cast<std::uintptr_t>(outer.data());
  const auto at = reinterpret_cast<std::uintptr_t>(inner.data());
  check(at >= begin && at - begin <= outer.size() && inner.size() <= outer.size() - (at - begin));
}

// An error must name a known code and an offset inside the buffer or at its
// end (saturated at 65535 for larger buffers).
template <class R>
void checkError(const R& result, std::size_t size) {
  if (result.ok()) return;
  const WireError& e = result.error();
  check(static_cast<std::size_t>(e.code) < kWireErrcCount);
  check(e.offset <= size || (size > 0xFFFF && e.offset == 0xFFFF));
}

inline bool sameBytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace hnv::wire::fuzz
