// IPv4 header (RFC 791).
//
// parseIpv4() checks, in this order: at least 20 bytes (Truncated, 0); version
// 4 (BadVersion, 0); IHL >= 5 and IHL * 4 within the buffer (BadHeaderLength,
// 0); header length <= total length <= buffer size (BadLength, 2). Bytes after
// the total length (Ethernet padding of short frames) are allowed and left out
// of `payload`. The checksum is not verified here: ipv4HeaderChecksumOk() does
// that, so that a node can decide whether to spend the cycles (a NIC may have
// verified it already). The reserved flag bit is neither checked nor exposed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hnv/base/ip.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/error.h"

namespace hnv::wire {

inline constexpr std::size_t kIpv4HeaderLen = 20;
inline constexpr std::size_t kIpv4MaxHeaderLen = 60;

inline constexpr std::uint8_t kIpProtoIcmp = 1;
inline constexpr std::uint8_t kIpProtoIpv4 = 4;  // IPv4-in-IP.
inline constexpr std::uint8_t kIpProtoTcp = 6;
inline constexpr std::uint8_t kIpProtoUdp = 17;
inline constexpr std::uint8_t kIpProtoIpv6 = 41;  // IPv6-in-IP.
inline constexpr std::uint8_t kIpProtoGre = 47;
inline constexpr std::uint8_t kIpProtoEsp = 50;
inline constexpr std::uint8_t kIpProtoAh = 51;
inline constexpr std::uint8_t kIpProtoIcmpv6 = 58;
inline constexpr std::uint8_t kIpProtoNoNext = 59;
inline constexpr std::uint8_t kIpProtoExperimental = 253;  // RFC 3692.

struct Ipv4Header {
  std::uint8_t tos = 0;
  std::uint8_t headerLength = kIpv4HeaderLen;  // In bytes: IHL * 4.
  std::uint16_t totalLength = 0;
  std::uint16_t id = 0;
  bool df = false;
  bool mf = false;
  std::uint16_t fragmentOffset = 0;  // In 8-byte units, as on the wire.
  std::uint8_t ttl = 0;
  std::uint8_t protocol = 0;
  std::uint16_t checksum = 0;
  Ipv4Addr src;
  Ipv4Addr dst;
  std::span<const std::uint8_t> options;  // Bytes 20 .. headerLength.
  std::span<const std::uint8_t> payload;  // headerLength .. totalLength.

  std::uint8_t dscp() const { return static_cast<std::uint8_t>(tos >> 2); }
  std::uint8_t ecn() const { return static_cast<std::uint8_t>(tos & 0x03); }
  std::uint32_t fragmentOffsetBytes() const { return std::uint32_t{fragmentOffset} * 8; }
  // True for every fragment, the first one included.
  bool isFragment() const { return mf || fragmentOffset != 0; }
};

inline WireResult<Ipv4Header> parseIpv4(std::span<const std::uint8_t> packet) {
  if (packet.size() < kIpv4HeaderLen) return wireError(WireErrc::Truncated, 0);
  const std::uint8_t* p = packet.data();
  if ((p[0] >> 4) != 4) return wireError(WireErrc::BadVersion, 0);
  const std::size_t headerLength = std::size_t{p[0] & 0x0Fu} * 4;
  if (headerLength < kIpv4HeaderLen || headerLength > packet.size()) {
    return wireError(WireErrc::BadHeaderLength, 0);
  }
  const std::uint16_t totalLength = load16(p + 2);
  if (totalLength < headerLength || totalLength > packet.size()) return wireError(WireErrc::BadLength, 2);
  Ipv4Header h;
  h.tos = p[1];
  h.headerLength = static_cast<std::uint8_t>(headerLength);
  h.totalLength = totalLength;
  h.id = load16(p + 4);
  const std::uint16_t flagsOffset = load16(p + 6);
  h.df = (flagsOffset & 0x4000) != 0;
  h.mf = (flagsOffset & 0x2000) != 0;
  h.fragmentOffset = flagsOffset & 0x1FFF;
  h.ttl = p[8];
  h.protocol = p[9];
  h.checksum = load16(p + 10);
  h.src = Ipv4Addr::fromBytes(p + 12);
  h.dst = Ipv4Addr::fromBytes(p + 16);
  h.options = packet.subspan(kIpv4HeaderLen, headerLength - kIpv4HeaderLen);
  h.payload = packet.subspan(headerLength, totalLength - headerLength);
  return h;
}

// True when the header checksum verifies. Reads the IHL from the packet and
// returns false when the header does not fit, so it is safe on any input.
bool ipv4HeaderChecksumOk(std::span<const std::uint8_t> packet);

// Fields of a 20-byte header without options, for writeIpv4().
struct Ipv4Fields {
  std::uint8_t tos = 0;
  std::uint16_t totalLength = kIpv4HeaderLen;
  std::uint16_t id = 0;
  bool df = false;
  bool mf = false;
  std::uint16_t fragmentOffset = 0;  // In 8-byte units; the low 13 bits are used.
  std::uint8_t ttl = 64;
  std::uint8_t protocol = 0;
  Ipv4Addr src;
  Ipv4Addr dst;
};

// Writes a 20-byte header and its checksum. Returns 20.
WireResult<std::size_t> writeIpv4(std::span<std::uint8_t> out, const Ipv4Fields& fields);

// Recomputes the header checksum of a header of any IHL in place. Returns
// false (and writes nothing) when the IHL is invalid or does not fit.
bool setIpv4HeaderChecksum(std::span<std::uint8_t> packet);

}  // namespace hnv::wire
