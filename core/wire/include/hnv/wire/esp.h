// ESP header (RFC 4303): SPI and sequence number. What follows (IV, payload,
// padding, ICV) depends on the SA and is the IPsec code's business.
//
// parseEsp() needs 8 bytes (Truncated, 0) and a non-zero SPI (Malformed, 0):
// SPI 0 is reserved for local use and never sent; over UDP 4500 it is the
// non-ESP marker of an IKE message (RFC 3948). SPIs 1..255 are reserved by
// IANA but accepted here, so that a peer that uses them can be diagnosed by
// the SA lookup rather than dropped as garbage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hnv/wire/bytes.h"
#include "hnv/wire/error.h"

namespace hnv::wire {

inline constexpr std::size_t kEspHeaderLen = 8;

struct EspHeader {
  std::uint32_t spi = 0;
  std::uint32_t sequence = 0;
  std::span<const std::uint8_t> payload;  // Everything after the 8 bytes.
};

inline WireResult<EspHeader> parseEsp(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kEspHeaderLen) return wireError(WireErrc::Truncated, 0);
  EspHeader h;
  h.spi = load32(bytes.data());
  if (h.spi == 0) return wireError(WireErrc::Malformed, 0);
  h.sequence = load32(bytes.data() + 4);
  h.payload = bytes.subspan(kEspHeaderLen);
  return h;
}

// Writes the 8-byte header. Returns 8; Malformed (0) for SPI 0.
WireResult<std::size_t> writeEsp(std::span<std::uint8_t> out, std::uint32_t spi, std::uint32_t sequence);

}  // namespace hnv::wire
