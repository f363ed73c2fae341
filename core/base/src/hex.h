// Private helper of core/base's parsers.
#pragma once

namespace hnv::detail {

// The value of one hexadecimal digit, or -1.
inline int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace hnv::detail
