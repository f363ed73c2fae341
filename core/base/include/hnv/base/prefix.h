// IP prefixes. A Prefix names a network (host bits zero: "10.0.1.0/24"); an
// InterfaceAddress names an address with its on-link length ("192.0.2.1/24").
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <variant>

#include "hnv/base/ip.h"
#include "hnv/base/result.h"

namespace hnv {

Ipv4Addr maskAddress(const Ipv4Addr& a, unsigned len);
Ipv6Addr maskAddress(const Ipv6Addr& a, unsigned len);

// Whether `a` and `b` agree in their first `len` bits (len at most 32 or
// 128). Inline and without building a checked prefix: the packet path's
// on-link test.
inline bool sameNetwork(const Ipv4Addr& a, const Ipv4Addr& b, unsigned len) {
  const std::uint32_t mask = len == 0 ? 0 : len >= 32 ? 0xFFFFFFFFu : ~((1u << (32 - len)) - 1);
  return ((a.host() ^ b.host()) & mask) == 0;
}
// On the two 64-bit halves, in network order.
inline bool sameNetwork(const Ipv6Addr& a, const Ipv6Addr& b, unsigned len) {
  for (unsigned i = 0; i < 2 && len > 64 * i; ++i) {
    std::uint64_t x, y;
    std::memcpy(&x, a.bytes().data() + 8 * i, 8);
    std::memcpy(&y, b.bytes().data() + 8 * i, 8);
    std::uint64_t diff = x ^ y;
    if constexpr (std::endian::native == std::endian::little) diff = __builtin_bswap64(diff);
    const unsigned bits = len - 64 * i >= 64 ? 64 : len - 64 * i;
    const std::uint64_t mask = bits == 64 ? ~std::uint64_t{0} : ~(~std::uint64_t{0} >> bits);
    if ((diff & mask) != 0) return false;
  }
  return true;
}

template <class Addr>
struct AddrTraits;
template <>
struct AddrTraits<Ipv4Addr> {
  static constexpr unsigned kBits = 32;
};
template <>
struct AddrTraits<Ipv6Addr> {
  static constexpr unsigned kBits = 128;
};

template <class Addr>
class PrefixT {
 public:
  static constexpr unsigned kMaxLen = AddrTraits<Addr>::kBits;

  // Refuses a length over kMaxLen and an address with host bits set.
  static Result<PrefixT> make(const Addr& network, unsigned len);
  // "a.b.c.d/len" or "x::/len"; a bare address is a host prefix.
  static Result<PrefixT> parse(std::string_view text);

  const Addr& network() const { return addr_; }
  unsigned length() const { return len_; }
  bool contains(const Addr& a) const { return maskAddress(a, len_) == addr_; }
  std::string toString() const { return addr_.toString() + "/" + std::to_string(len_); }
  auto operator<=>(const PrefixT&) const = default;

 private:
  PrefixT(const Addr& a, unsigned len) : addr_(a), len_(static_cast<std::uint8_t>(len)) {}
  Addr addr_;
  std::uint8_t len_ = 0;
};

using Prefix4 = PrefixT<Ipv4Addr>;
using Prefix6 = PrefixT<Ipv6Addr>;

// An address of this node and the length of its on-link prefix.
template <class Addr>
class InterfaceAddressT {
 public:
  static Result<InterfaceAddressT> parse(std::string_view text);
  const Addr& address() const { return addr_; }
  unsigned length() const { return len_; }
  PrefixT<Addr> subnet() const { return *PrefixT<Addr>::make(maskAddress(addr_, len_), len_); }
  // Whether `a` is on this address's subnet (subnet().contains(a), cheaply).
  bool onLink(const Addr& a) const { return sameNetwork(addr_, a, len_); }
  std::string toString() const { return addr_.toString() + "/" + std::to_string(len_); }
  auto operator<=>(const InterfaceAddressT&) const = default;

 private:
  InterfaceAddressT(const Addr& a, unsigned len) : addr_(a), len_(static_cast<std::uint8_t>(len)) {}
  Addr addr_;
  std::uint8_t len_ = 0;
};

using InterfaceAddress4 = InterfaceAddressT<Ipv4Addr>;
using InterfaceAddress6 = InterfaceAddressT<Ipv6Addr>;

// Either family.
class Prefix {
 public:
  Prefix(Prefix4 p) : v_(p) {}  // NOLINT(google-explicit-constructor)
  Prefix(Prefix6 p) : v_(p) {}  // NOLINT(google-explicit-constructor)
  static Result<Prefix> parse(std::string_view text);
  bool isV4() const { return v_.index() == 0; }
  const Prefix4& v4() const { return std::get<0>(v_); }
  const Prefix6& v6() const { return std::get<1>(v_); }
  std::string toString() const { return isV4() ? v4().toString() : v6().toString(); }
  unsigned length() const { return isV4() ? v4().length() : v6().length(); }
  // False for an address of the other family.
  bool contains(const IpAddr& a) const {
    if (a.isV4() != isV4()) return false;
    return isV4() ? v4().contains(a.v4()) : v6().contains(a.v6());
  }
  // True if the prefixes share an address (same family, one contains the other).
  bool overlaps(const Prefix& o) const {
    if (o.isV4() != isV4()) return false;
    return length() <= o.length() ? contains(o.networkAddress()) : o.contains(networkAddress());
  }
  IpAddr networkAddress() const { return isV4() ? IpAddr(v4().network()) : IpAddr(v6().network()); }
  auto operator<=>(const Prefix&) const = default;

 private:
  std::variant<Prefix4, Prefix6> v_;
};

}  // namespace hnv
