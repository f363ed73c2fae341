// The error convention of core/wire. Parsers and writers run on the packet
// fast path, so their error is two bytes of plain data (what went wrong and
// where) instead of hnv::Error with its strings; toError() converts one for
// the control plane when a message is wanted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hnv/base/result.h"

namespace hnv::wire {

enum class WireErrc : std::uint8_t {
  Truncated,        // The buffer ends before the header (or option) does.
  BadVersion,       // An IP version field that is not the expected one.
  BadHeaderLength,  // A header length field (IHL, TCP data offset) that is too small or too large.
  BadLength,        // A length field (total length, UDP length, option length) that disagrees with the buffer.
  BadChecksum,      // A checksum that does not verify.
  Unsupported,      // Well-formed, but a variant this module does not handle (QinQ, GRE routing, ...).
  Malformed,        // A value the protocol forbids (reserved value, flag combination, zero-length option).
};

inline constexpr std::size_t kWireErrcCount = 7;

// Stable kebab-case names ("truncated", "bad-version", ...). Data-plane nodes
// use them as counter names, so they never change once released.
constexpr std::string_view wireErrcName(WireErrc code) {
  constexpr std::array<std::string_view, kWireErrcCount> kNames = {
      "truncated", "bad-version", "bad-header-length", "bad-length", "bad-checksum", "unsupported", "malformed",
  };
  const auto index = static_cast<std::size_t>(code);
  return index < kNames.size() ? kNames[index] : std::string_view("unknown");
}

struct WireError {
  WireErrc code = WireErrc::Malformed;
  // Byte offset, in the buffer given to the parser, of the element that failed:
  // the field whose value is wrong, or the header or option that does not fit
  // (0 when the whole header is missing). Writers report Truncated at the
  // offset of the first byte that would not fit. Offsets past 65535 saturate.
  std::uint16_t offset = 0;

  // where = layer (e.g. "ipv4"), what = "offset N", why = a readable sentence part.
  Error toError(std::string_view layer) const;

  friend constexpr bool operator==(const WireError&, const WireError&) = default;
};

constexpr WireError wireError(WireErrc code, std::size_t offset) {
  return WireError{code, offset > 0xFFFF ? std::uint16_t{0xFFFF} : static_cast<std::uint16_t>(offset)};
}

template <class T>
using WireResult = Result<T, WireError>;

}  // namespace hnv::wire
