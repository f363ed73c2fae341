// ICMPv6 (RFC 4443). Neighbor Discovery messages are in nd.h.
//
// parseIcmpv6() needs 8 bytes (Truncated, 0): every message type this
// gateway handles has a 4-byte type-specific word after type, code and
// checksum. The checksum covers an IPv6 pseudo-header, so verifying it needs
// the addresses: icmpv6ChecksumOk().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hnv/base/ip.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/error.h"

namespace hnv::wire {

inline constexpr std::size_t kIcmpv6HeaderLen = 8;

inline constexpr std::uint8_t kIcmpv6DestUnreachable = 1;
inline constexpr std::uint8_t kIcmpv6PacketTooBig = 2;
inline constexpr std::uint8_t kIcmpv6TimeExceeded = 3;
inline constexpr std::uint8_t kIcmpv6ParameterProblem = 4;
inline constexpr std::uint8_t kIcmpv6EchoRequest = 128;
inline constexpr std::uint8_t kIcmpv6EchoReply = 129;
inline constexpr std::uint8_t kIcmpv6RouterSolicitation = 133;
inline constexpr std::uint8_t kIcmpv6RouterAdvertisement = 134;
inline constexpr std::uint8_t kIcmpv6NeighborSolicitation = 135;
inline constexpr std::uint8_t kIcmpv6NeighborAdvertisement = 136;
inline constexpr std::uint8_t kIcmpv6Redirect = 137;

// IPv6 requires every link to carry 1280-byte packets (RFC 8200 section 5).
inline constexpr std::uint32_t kIpv6MinMtu = 1280;

struct Icmpv6Header {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint16_t checksum = 0;
  std::uint32_t word = 0;              // Bytes 4..7: echo id/seq, MTU, pointer, flags.
  std::span<const std::uint8_t> body;  // After the 8 bytes.

  bool isEcho() const { return type == kIcmpv6EchoRequest || type == kIcmpv6EchoReply; }
  // Meaningful for echo request/reply only.
  std::uint16_t identifier() const { return static_cast<std::uint16_t>(word >> 16); }
  std::uint16_t sequence() const { return static_cast<std::uint16_t>(word); }
  // Meaningful for kIcmpv6PacketTooBig only.
  std::uint32_t mtu() const { return word; }
};

inline WireResult<Icmpv6Header> parseIcmpv6(std::span<const std::uint8_t> message) {
  if (message.size() < kIcmpv6HeaderLen) return wireError(WireErrc::Truncated, 0);
  const std::uint8_t* p = message.data();
  Icmpv6Header h;
  h.type = p[0];
  h.code = p[1];
  h.checksum = load16(p + 2);
  h.word = load32(p + 4);
  h.body = message.subspan(kIcmpv6HeaderLen);
  return h;
}

// True when the checksum over the pseudo-header and the whole message verifies.
bool icmpv6ChecksumOk(const Ipv6Addr& src, const Ipv6Addr& dst, std::span<const std::uint8_t> message);

// Computes and stores the checksum of a whole message (at least 4 bytes, else false).
bool setIcmpv6Checksum(const Ipv6Addr& src, const Ipv6Addr& dst, std::span<std::uint8_t> message);

// Writes an echo request or reply (`type`) with `data` and its checksum.
// Returns 8 + data.size().
WireResult<std::size_t> writeIcmpv6Echo(std::span<std::uint8_t> out, const Ipv6Addr& src, const Ipv6Addr& dst,
                                        std::uint8_t type, std::uint16_t identifier, std::uint16_t sequence,
                                        std::span<const std::uint8_t> data);

// Writes an error message (packet too big: word = MTU) quoting `quoted`.
// Returns 8 + quoted.size().
WireResult<std::size_t> writeIcmpv6Error(std::span<std::uint8_t> out, const Ipv6Addr& src, const Ipv6Addr& dst,
                                         std::uint8_t type, std::uint8_t code, std::uint32_t word,
                                         std::span<const std::uint8_t> quoted);

}  // namespace hnv::wire
