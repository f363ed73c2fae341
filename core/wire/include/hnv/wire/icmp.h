// ICMP for IPv4 (RFC 792, RFC 1191 for "fragmentation needed").
//
// parseIcmp() needs the 8-byte header (Truncated, 0) and checks nothing else:
// the checksum, over the whole message, is verified by icmpChecksumOk().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hnv/wire/bytes.h"
#include "hnv/wire/error.h"

namespace hnv::wire {

inline constexpr std::size_t kIcmpHeaderLen = 8;

inline constexpr std::uint8_t kIcmpEchoReply = 0;
inline constexpr std::uint8_t kIcmpDestUnreachable = 3;
inline constexpr std::uint8_t kIcmpEchoRequest = 8;
inline constexpr std::uint8_t kIcmpTimeExceeded = 11;

// Codes of kIcmpDestUnreachable.
inline constexpr std::uint8_t kIcmpCodeNetUnreachable = 0;
inline constexpr std::uint8_t kIcmpCodeHostUnreachable = 1;
inline constexpr std::uint8_t kIcmpCodeProtocolUnreachable = 2;
inline constexpr std::uint8_t kIcmpCodePortUnreachable = 3;
inline constexpr std::uint8_t kIcmpCodeFragNeeded = 4;  // Carries the next-hop MTU.
inline constexpr std::uint8_t kIcmpCodeAdminProhibited = 13;
// Codes of kIcmpTimeExceeded.
inline constexpr std::uint8_t kIcmpCodeTtlExceeded = 0;
inline constexpr std::uint8_t kIcmpCodeReassemblyExceeded = 1;

struct IcmpHeader {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint16_t checksum = 0;
  std::uint32_t restOfHeader = 0;      // Bytes 4..7, whatever the type puts there.
  std::span<const std::uint8_t> body;  // After the 8-byte header: echo data or the quoted datagram.

  bool isEcho() const { return type == kIcmpEchoRequest || type == kIcmpEchoReply; }
  bool isFragNeeded() const { return type == kIcmpDestUnreachable && code == kIcmpCodeFragNeeded; }
  // Meaningful for echo request/reply only.
  std::uint16_t identifier() const { return static_cast<std::uint16_t>(restOfHeader >> 16); }
  std::uint16_t sequence() const { return static_cast<std::uint16_t>(restOfHeader); }
  // Meaningful for isFragNeeded() only (RFC 1191).
  std::uint16_t nextHopMtu() const { return static_cast<std::uint16_t>(restOfHeader); }
};

inline WireResult<IcmpHeader> parseIcmp(std::span<const std::uint8_t> message) {
  if (message.size() < kIcmpHeaderLen) return wireError(WireErrc::Truncated, 0);
  const std::uint8_t* p = message.data();
  IcmpHeader h;
  h.type = p[0];
  h.code = p[1];
  h.checksum = load16(p + 2);
  h.restOfHeader = load32(p + 4);
  h.body = message.subspan(kIcmpHeaderLen);
  return h;
}

// True when the checksum over the whole message verifies.
bool icmpChecksumOk(std::span<const std::uint8_t> message);

// Computes and stores the checksum of a whole message (at least 4 bytes,
// else false).
bool setIcmpChecksum(std::span<std::uint8_t> message);

// Writes an echo request or reply (`type`) with `data` behind the header and
// its checksum. Returns 8 + data.size().
WireResult<std::size_t> writeIcmpEcho(std::span<std::uint8_t> out, std::uint8_t type, std::uint16_t identifier,
                                      std::uint16_t sequence, std::span<const std::uint8_t> data);

// Writes an error message (destination unreachable, time exceeded) quoting
// `quoted` (the offending datagram's header and first bytes), with the given
// rest-of-header word (the next-hop MTU in its low 16 bits for
// "fragmentation needed"). Returns 8 + quoted.size().
WireResult<std::size_t> writeIcmpError(std::span<std::uint8_t> out, std::uint8_t type, std::uint8_t code,
                                       std::uint32_t restOfHeader, std::span<const std::uint8_t> quoted);

}  // namespace hnv::wire
