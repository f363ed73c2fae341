// Big-endian loads and stores at raw positions. Callers check bounds first;
// these helpers only exist so that wire code never casts a byte pointer to a
// wider integer type (unaligned access, aliasing).
#pragma once

#include <cstdint>

namespace hnv::wire {

constexpr std::uint16_t load16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(std::uint16_t{p[0]} << 8 | p[1]);
}

constexpr std::uint32_t load32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

constexpr void store16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

constexpr void store32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace hnv::wire
