#include "hnv/base/guid.h"

#include "hex.h"

namespace hnv {
namespace {

using detail::hexValue;

}  // namespace

Result<Guid> Guid::parse(std::string_view text) {
  std::string_view s = text;
  if (s.size() == 38 && s.front() == '{' && s.back() == '}') s = s.substr(1, 36);
  auto bad = [&](std::string why) {
    return makeError(Errc::InvalidArgument, "guid", std::string(text), std::move(why));
  };
  if (s.size() != 36) return bad("a GUID has 36 characters: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  std::array<std::uint8_t, 16> bytes{};
  std::size_t out = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return bad("expected '-' at position " + std::to_string(i + 1));
      ++i;
      continue;
    }
    int hi = hexValue(s[i]);
    int lo = hexValue(s[i + 1]);
    if (hi < 0 || lo < 0) return bad("not a hexadecimal digit at position " + std::to_string(hi < 0 ? i + 1 : i + 2));
    bytes[out++] = static_cast<std::uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return Guid(bytes);
}

std::string Guid::toString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (std::size_t i = 0; i < bytes_.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[bytes_[i] >> 4]);
    s.push_back(kHex[bytes_[i] & 0xF]);
  }
  return s;
}

bool Guid::isNil() const {
  for (auto b : bytes_) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace hnv
