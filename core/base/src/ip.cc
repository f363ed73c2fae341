#include "hnv/base/ip.h"

#include <algorithm>

#include <arpa/inet.h>

namespace hnv {

Result<Ipv4Addr> Ipv4Addr::parse(std::string_view text) {
  // inet_pton accepts exactly the dotted-quad form (no octal, no short forms).
  std::string s(text);
  std::uint8_t buf[4];
  // inet_pton stops at a NUL, so text with one inside would be cut short silently.
  if (s.size() > 15 || s.find('\0') != std::string::npos || inet_pton(AF_INET, s.c_str(), buf) != 1) {
    return makeError(Errc::InvalidArgument, "", s, "not an IPv4 address (expected dotted quad, e.g. 192.0.2.1)");
  }
  return fromBytes(buf);
}

std::string Ipv4Addr::toString() const {
  std::uint8_t b[4];
  toBytes(b);
  char out[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, b, out, sizeof out);
  return out;
}

Result<Ipv6Addr> Ipv6Addr::parse(std::string_view text) {
  std::string s(text);
  Bytes b;
  if (s.size() > 45 || s.find('\0') != std::string::npos || inet_pton(AF_INET6, s.c_str(), b.data()) != 1) {
    return makeError(Errc::InvalidArgument, "", s, "not an IPv6 address (e.g. 2001:db8::1)");
  }
  return Ipv6Addr(b);
}

std::string Ipv6Addr::toString() const {
  char out[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, b_.data(), out, sizeof out);
  return out;
}

bool Ipv6Addr::isLoopback() const {
  return std::all_of(b_.begin(), b_.end() - 1, [](std::uint8_t x) { return x == 0; }) && b_.back() == 1;
}

bool Ipv6Addr::isUnspecified() const {
  for (auto x : b_) {
    if (x != 0) return false;
  }
  return true;
}

Ipv6Addr Ipv6Addr::solicitedNode() const {
  Bytes b{0xFF, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xFF, b_[13], b_[14], b_[15]};
  return Ipv6Addr(b);
}

bool Ipv6Addr::isSolicitedNodeOf(const Ipv6Addr& target) const { return *this == target.solicitedNode(); }

Result<IpAddr> IpAddr::parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    auto a = Ipv6Addr::parse(text);
    if (!a) return a.error();
    return IpAddr(*a);
  }
  auto a = Ipv4Addr::parse(text);
  if (!a) return a.error();
  return IpAddr(*a);
}

}  // namespace hnv
