#include "hnv/base/mac.h"

#include "hex.h"

namespace hnv {
namespace {

using detail::hexValue;

}  // namespace

MacAddr MacAddr::forIpv6Multicast(const Ipv6Addr& group) {
  const auto& g = group.bytes();
  return MacAddr(Bytes{0x33, 0x33, g[12], g[13], g[14], g[15]});
}

MacAddr MacAddr::forIpv4Multicast(const Ipv4Addr& group) {
  std::uint32_t v = group.host();
  return MacAddr(Bytes{0x01, 0x00, 0x5E, static_cast<std::uint8_t>((v >> 16) & 0x7F),
                       static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
}

Result<MacAddr> MacAddr::parse(std::string_view text) {
  auto bad = [&] {
    return makeError(Errc::InvalidArgument, "", std::string(text),
                     "not a MAC address (expected six hex pairs like 02:00:5e:00:53:01)");
  };
  if (text.size() != 17) return bad();
  char sep = text[2];
  if (sep != ':' && sep != '-') return bad();
  Bytes b{};
  for (std::size_t i = 0; i < 6; ++i) {
    std::size_t at = i * 3;
    int hi = hexValue(text[at]);
    int lo = hexValue(text[at + 1]);
    if (hi < 0 || lo < 0) return bad();
    if (i < 5 && text[at + 2] != sep) return bad();
    b[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return MacAddr(b);
}

std::string MacAddr::toString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(17);
  for (std::size_t i = 0; i < b_.size(); ++i) {
    if (i != 0) s.push_back(':');
    s.push_back(kHex[b_[i] >> 4]);
    s.push_back(kHex[b_[i] & 0xF]);
  }
  return s;
}

}  // namespace hnv
