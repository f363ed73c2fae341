// Ethernet MAC address.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "hnv/base/ip.h"
#include "hnv/base/result.h"

namespace hnv {

class MacAddr {
 public:
  using Bytes = std::array<std::uint8_t, 6>;
  constexpr MacAddr() = default;
  constexpr explicit MacAddr(const Bytes& b) : b_(b) {}
  static MacAddr fromBytes(const std::uint8_t* p) {
    Bytes b;
    std::memcpy(b.data(), p, b.size());
    return MacAddr(b);
  }
  static constexpr MacAddr broadcast() { return MacAddr(Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}); }
  // 33:33 + low 32 bits of the group (RFC 2464 section 7).
  static MacAddr forIpv6Multicast(const Ipv6Addr& group);
  // 01:00:5e + low 23 bits of the group (RFC 1112 section 6.4).
  static MacAddr forIpv4Multicast(const Ipv4Addr& group);
  // "aa:bb:cc:dd:ee:ff" or "aa-bb-cc-dd-ee-ff", any case.
  static Result<MacAddr> parse(std::string_view text);

  const Bytes& bytes() const { return b_; }
  void toBytes(std::uint8_t* p) const { std::memcpy(p, b_.data(), b_.size()); }
  std::string toString() const;

  constexpr bool isBroadcast() const { return *this == broadcast(); }
  constexpr bool isMulticast() const { return (b_[0] & 0x01) != 0; }
  constexpr bool isZero() const { return *this == MacAddr(); }
  // 33:33:xx:xx:xx:xx, where IPv6 multicast goes (RFC 2464 7).
  constexpr bool isIpv6Multicast() const { return b_[0] == 0x33 && b_[1] == 0x33; }

  constexpr auto operator<=>(const MacAddr&) const = default;
  // Two loads and compares (the defaulted one became a memcmp call per
  // lookup on the data path).
  constexpr bool operator==(const MacAddr& o) const {
    if (std::is_constant_evaluated()) return b_ == o.b_;
    std::uint32_t a, b;
    std::uint16_t c, d;
    std::memcpy(&a, b_.data(), 4);
    std::memcpy(&b, o.b_.data(), 4);
    std::memcpy(&c, b_.data() + 4, 2);
    std::memcpy(&d, o.b_.data() + 4, 2);
    return a == b && c == d;
  }

 private:
  Bytes b_{};
};

}  // namespace hnv
