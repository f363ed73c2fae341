// Virtual subnet id: 24 bits carried in the upper part of the NVGRE key.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "hnv/base/result.h"

namespace hnv {

class Vsid {
 public:
  static constexpr std::uint32_t kMax = 0xFFFFFF;
  // 0..0xFFF and 0xFFFFFF are reserved by RFC 7637; tenants use the rest.
  static constexpr std::uint32_t kFirstTenant = 0x1000;
  static constexpr std::uint32_t kLastTenant = 0xFFFFFE;

  // Any 24-bit value (what a packet may carry, reserved values included).
  static Result<Vsid> make(std::uint64_t value);
  // A value a tenant's virtual subnet may use.
  static Result<Vsid> forTenant(std::uint64_t value);
  // The VSID of a 32-bit NVGRE key (VSID << 8 | FlowID).
  static constexpr Vsid fromKey(std::uint32_t key) { return Vsid(key >> 8); }

  constexpr std::uint32_t value() const { return value_; }
  constexpr bool isTenantUsable() const { return value_ >= kFirstTenant && value_ <= kLastTenant; }
  constexpr std::uint32_t key(std::uint8_t flowId) const { return (value_ << 8) | flowId; }
  std::string toString() const { return std::to_string(value_); }

  constexpr auto operator<=>(const Vsid&) const = default;

 private:
  constexpr explicit Vsid(std::uint32_t v) : value_(v & kMax) {}
  std::uint32_t value_;
};

}  // namespace hnv
