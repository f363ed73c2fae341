// Generic GRE (RFC 2784 with the key and sequence number of RFC 2890).
//
// parseGre() needs 4 bytes (Truncated, 0) and then checks: version 0
// (Unsupported, 1; version 1 is PPTP's enhanced GRE); none of the bits 1-5
// that RFC 2784 tells receivers to refuse, less K and S which RFC 2890 brought
// back: routing present, strict source route, recursion control bit 5
// (Unsupported, 0); the optional fields fit (Truncated, 4). The reserved bits
// 6-12 are ignored on receipt as RFC 2784 requires. NVGRE, a strict profile
// of GRE, is in nvgre.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "hnv/wire/bytes.h"
#include "hnv/wire/error.h"

namespace hnv::wire {

inline constexpr std::size_t kGreBaseHeaderLen = 4;

inline constexpr std::uint16_t kGreFlagChecksum = 0x8000;  // C
inline constexpr std::uint16_t kGreFlagRouting = 0x4000;   // R (RFC 1701 only)
inline constexpr std::uint16_t kGreFlagKey = 0x2000;       // K
inline constexpr std::uint16_t kGreFlagSequence = 0x1000;  // S
// Strict source route (bit 4) and the top bit of recursion control (bit 5):
// RFC 1701 fields that RFC 2784 tells receivers to refuse, like R. Bits 6-12
// are ignored.
inline constexpr std::uint16_t kGreRfc1701Bits = 0x0C00;
inline constexpr std::uint16_t kGreVersionMask = 0x0007;

struct GreHeader {
  std::uint16_t protocol = 0;  // An EtherType.
  std::optional<std::uint16_t> checksum;
  std::optional<std::uint32_t> key;
  std::optional<std::uint32_t> sequence;
  std::uint8_t headerLength = kGreBaseHeaderLen;  // 4 to 16.
};

inline WireResult<GreHeader> parseGre(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kGreBaseHeaderLen) return wireError(WireErrc::Truncated, 0);
  const std::uint8_t* p = bytes.data();
  const std::uint16_t flags = load16(p);
  if ((flags & kGreVersionMask) != 0) return wireError(WireErrc::Unsupported, 1);
  if ((flags & (kGreFlagRouting | kGreRfc1701Bits)) != 0) return wireError(WireErrc::Unsupported, 0);
  GreHeader h;
  h.protocol = load16(p + 2);
  const std::size_t length = kGreBaseHeaderLen + ((flags & kGreFlagChecksum) ? 4 : 0) +
                             ((flags & kGreFlagKey) ? 4 : 0) + ((flags & kGreFlagSequence) ? 4 : 0);
  if (bytes.size() < length) return wireError(WireErrc::Truncated, kGreBaseHeaderLen);
  std::size_t at = kGreBaseHeaderLen;
  if (flags & kGreFlagChecksum) {
    h.checksum = load16(p + at);  // The 16 bits after it are Reserved1.
    at += 4;
  }
  if (flags & kGreFlagKey) {
    h.key = load32(p + at);
    at += 4;
  }
  if (flags & kGreFlagSequence) h.sequence = load32(p + at);
  h.headerLength = static_cast<std::uint8_t>(length);
  return h;
}

// True when the GRE checksum over `message` (GRE header and payload)
// verifies; false when the header has no checksum or does not parse.
bool greChecksumOk(std::span<const std::uint8_t> message);

struct GreFields {
  std::uint16_t protocol = 0;
  bool withChecksum = false;  // The field is written as zero; see setGreChecksum().
  std::optional<std::uint32_t> key;
  std::optional<std::uint32_t> sequence;
};

// Writes the header; returns its length (4 to 16).
WireResult<std::size_t> writeGre(std::span<std::uint8_t> out, const GreFields& fields);

// Computes and stores the checksum over `message` (GRE header and payload);
// false when its header has no checksum field or does not parse.
bool setGreChecksum(std::span<std::uint8_t> message);

}  // namespace hnv::wire
