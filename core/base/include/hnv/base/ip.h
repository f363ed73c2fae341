// IPv4 and IPv6 addresses. Ipv4Addr keeps host byte order so that comparisons
// and masks are plain integer operations; both convert to and from network
// byte order explicitly at the wire boundary.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <variant>

#include "hnv/base/result.h"

namespace hnv {

class Ipv4Addr {
 public:
  constexpr Ipv4Addr() = default;
  static constexpr Ipv4Addr fromHost(std::uint32_t v) { return Ipv4Addr(v); }
  // Four bytes in network order.
  static Ipv4Addr fromBytes(const std::uint8_t* p) {
    return Ipv4Addr(std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3]);
  }
  static Result<Ipv4Addr> parse(std::string_view text);

  constexpr std::uint32_t host() const { return v_; }
  void toBytes(std::uint8_t* p) const {
    p[0] = static_cast<std::uint8_t>(v_ >> 24);
    p[1] = static_cast<std::uint8_t>(v_ >> 16);
    p[2] = static_cast<std::uint8_t>(v_ >> 8);
    p[3] = static_cast<std::uint8_t>(v_);
  }
  std::string toString() const;

  constexpr bool isUnspecified() const { return v_ == 0; }
  constexpr bool isBroadcast() const { return v_ == 0xFFFFFFFFu; }
  constexpr bool isMulticast() const { return (v_ >> 28) == 0xE; }
  constexpr bool isLoopback() const { return (v_ >> 24) == 127; }

  constexpr auto operator<=>(const Ipv4Addr&) const = default;

 private:
  constexpr explicit Ipv4Addr(std::uint32_t v) : v_(v) {}
  std::uint32_t v_ = 0;
};

class Ipv6Addr {
 public:
  using Bytes = std::array<std::uint8_t, 16>;
  constexpr Ipv6Addr() = default;
  constexpr explicit Ipv6Addr(const Bytes& b) : b_(b) {}
  static Ipv6Addr fromBytes(const std::uint8_t* p) {
    Bytes b;
    std::memcpy(b.data(), p, b.size());
    return Ipv6Addr(b);
  }
  static Result<Ipv6Addr> parse(std::string_view text);

  const Bytes& bytes() const { return b_; }
  void toBytes(std::uint8_t* p) const { std::memcpy(p, b_.data(), b_.size()); }
  std::string toString() const;

  // ff02::1, the link-local all-nodes group.
  static constexpr Ipv6Addr allNodes() {
    return Ipv6Addr(Bytes{0xFF, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  }
  bool isUnspecified() const;
  bool isLoopback() const;  // ::1
  bool isMulticast() const { return b_[0] == 0xFF; }
  bool isLinkLocal() const { return b_[0] == 0xFE && (b_[1] & 0xC0) == 0x80; }
  // ff02::1:ffXX:XXXX for this address (RFC 4291 2.7.1).
  Ipv6Addr solicitedNode() const;
  bool isSolicitedNodeOf(const Ipv6Addr& target) const;

  constexpr auto operator<=>(const Ipv6Addr&) const = default;

 private:
  Bytes b_{};
};

// Either family, for places where both are legal (a CA, a PA, a next hop).
class IpAddr {
 public:
  IpAddr() : v_(Ipv4Addr()) {}
  IpAddr(Ipv4Addr a) : v_(a) {}  // NOLINT(google-explicit-constructor)
  IpAddr(Ipv6Addr a) : v_(a) {}  // NOLINT(google-explicit-constructor)
  static Result<IpAddr> parse(std::string_view text);

  bool isV4() const { return v_.index() == 0; }
  bool isV6() const { return v_.index() == 1; }
  const Ipv4Addr& v4() const { return std::get<0>(v_); }
  const Ipv6Addr& v6() const { return std::get<1>(v_); }
  std::string toString() const { return isV4() ? v4().toString() : v6().toString(); }
  bool isUnspecified() const { return isV4() ? v4().isUnspecified() : v6().isUnspecified(); }
  bool isMulticast() const { return isV4() ? v4().isMulticast() : v6().isMulticast(); }
  bool sameFamily(const IpAddr& o) const { return isV4() == o.isV4(); }
  auto operator<=>(const IpAddr&) const = default;

 private:
  std::variant<Ipv4Addr, Ipv6Addr> v_;
};

// For unordered containers keyed by address (FNV-1a over the address bytes).
struct IpAddrHash {
  std::size_t operator()(const IpAddr& a) const noexcept {
    std::uint64_t h = 0xCBF29CE484222325ull;
    auto mix = [&h](std::uint8_t b) { h = (h ^ b) * 0x100000001B3ull; };
    if (a.isV4()) {
      std::uint32_t v = a.v4().host();
      for (int i = 0; i < 4; ++i) mix(static_cast<std::uint8_t>(v >> (8 * i)));
    } else {
      for (auto b : a.v6().bytes()) mix(b);
    }
    return static_cast<std::size_t>(h);
  }
};

}  // namespace hnv
