// TCP header (RFC 9293), its options, and MSS clamping.
//
// parseTcp() needs 20 bytes (Truncated, 0) and a data offset of at least 5
// words that fits the buffer (BadHeaderLength, 12). Checksums take a
// pseudo-header sum like UDP's (see udp.h).
//
// Option walking (findMss, clampMss) follows RFC 9293 section 3.1: EOL (0)
// ends the list, NOP (1) is one byte, every other kind has a length byte
// counting kind and length. A missing length byte, a length below 2 or past
// the end of the options, or an MSS option whose length is not 4 is Malformed
// at the option's offset within `options`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "hnv/wire/bytes.h"
#include "hnv/wire/error.h"

namespace hnv::wire {

inline constexpr std::size_t kTcpHeaderLen = 20;
inline constexpr std::size_t kTcpMaxHeaderLen = 60;

inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;
inline constexpr std::uint8_t kTcpUrg = 0x20;
inline constexpr std::uint8_t kTcpEce = 0x40;
inline constexpr std::uint8_t kTcpCwr = 0x80;

inline constexpr std::uint8_t kTcpOptEol = 0;
inline constexpr std::uint8_t kTcpOptNop = 1;
inline constexpr std::uint8_t kTcpOptMss = 2;
inline constexpr std::size_t kTcpOptMssLen = 4;

struct TcpHeader {
  std::uint16_t srcPort = 0;
  std::uint16_t dstPort = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t dataOffset = 5;  // In 32-bit words.
  std::uint8_t flags = 0;       // kTcpFin .. kTcpCwr.
  std::uint16_t window = 0;
  std::uint16_t checksum = 0;
  std::uint16_t urgent = 0;
  std::span<const std::uint8_t> options;  // 20 .. headerLength().
  std::span<const std::uint8_t> payload;  // headerLength() .. end of the buffer.

  std::size_t headerLength() const { return std::size_t{dataOffset} * 4; }
  bool has(std::uint8_t flag) const { return (flags & flag) != 0; }
};

inline WireResult<TcpHeader> parseTcp(std::span<const std::uint8_t> segment) {
  if (segment.size() < kTcpHeaderLen) return wireError(WireErrc::Truncated, 0);
  const std::uint8_t* p = segment.data();
  TcpHeader h;
  h.dataOffset = static_cast<std::uint8_t>(p[12] >> 4);
  const std::size_t headerLength = h.headerLength();
  if (headerLength < kTcpHeaderLen || headerLength > segment.size()) {
    return wireError(WireErrc::BadHeaderLength, 12);
  }
  h.srcPort = load16(p);
  h.dstPort = load16(p + 2);
  h.seq = load32(p + 4);
  h.ack = load32(p + 8);
  h.flags = p[13];
  h.window = load16(p + 14);
  h.checksum = load16(p + 16);
  h.urgent = load16(p + 18);
  h.options = segment.subspan(kTcpHeaderLen, headerLength - kTcpHeaderLen);
  h.payload = segment.subspan(headerLength);
  return h;
}

struct TcpMss {
  std::uint16_t value = 0;
  std::uint16_t offset = 0;  // Of the 2-byte value within the options.
};

// The first MSS option, or nullopt when there is none.
WireResult<std::optional<TcpMss>> findMss(std::span<const std::uint8_t> options);

// Lowers every MSS option above maxMss to maxMss and updates the checksum
// incrementally (RFC 1624), so a segment whose checksum was right stays
// right. `segment` starts at the TCP header. Returns true if anything
// changed; false, changing nothing, for a header or option list that does
// not parse. It does not look at the flags: MSS options only mean something
// on SYN segments, so callers normally clamp those only.
bool clampMss(std::span<std::uint8_t> segment, std::uint16_t maxMss);

// True when the checksum over pseudo-header + segment verifies.
bool tcpChecksumOk(std::span<const std::uint8_t> segment, std::uint32_t pseudoHeaderSum);

// Computes and stores the checksum (false when shorter than 20 bytes).
bool setTcpChecksum(std::span<std::uint8_t> segment, std::uint32_t pseudoHeaderSum);

struct TcpFields {
  std::uint16_t srcPort = 0;
  std::uint16_t dstPort = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0xFFFF;
  std::uint16_t urgent = 0;
  std::optional<std::uint16_t> mss;  // Adds a 4-byte MSS option.
};

// Writes the header (20 bytes, 24 with MSS) with a zero checksum; the caller
// sets it over the whole segment with setTcpChecksum(). Returns the header length.
WireResult<std::size_t> writeTcp(std::span<std::uint8_t> out, const TcpFields& fields);

}  // namespace hnv::wire
