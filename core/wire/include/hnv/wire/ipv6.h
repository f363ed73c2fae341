// IPv6 fixed header (RFC 8200) and a bounded walk over its extension headers.
//
// parseIpv6() checks: at least 40 bytes (Truncated, 0); version 6
// (BadVersion, 0); 40 + payload length within the buffer (BadLength, 4).
// Trailing bytes (Ethernet padding) are left out of `payload`. Jumbograms
// (payload length 0 with a Jumbo option) are not supported: their payload is
// seen as empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hnv/base/ip.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/error.h"
#include "hnv/wire/ipv4.h"

namespace hnv::wire {

inline constexpr std::size_t kIpv6HeaderLen = 40;

inline constexpr std::uint8_t kIpv6ExtHopByHop = 0;
inline constexpr std::uint8_t kIpv6ExtRouting = 43;
inline constexpr std::uint8_t kIpv6ExtFragment = 44;
inline constexpr std::uint8_t kIpv6ExtDestinationOptions = 60;
inline constexpr std::uint8_t kIpv6ExtAuthentication = kIpProtoAh;
// walkExtensionHeaders() gives up (Unsupported) after this many headers.
inline constexpr std::size_t kIpv6MaxExtensionHeaders = 8;

struct Ipv6Header {
  std::uint8_t trafficClass = 0;
  std::uint32_t flowLabel = 0;  // 20 bits.
  std::uint16_t payloadLength = 0;
  std::uint8_t nextHeader = 0;
  std::uint8_t hopLimit = 0;
  Ipv6Addr src;
  Ipv6Addr dst;
  std::span<const std::uint8_t> payload;  // 40 .. 40 + payloadLength.

  std::uint8_t dscp() const { return static_cast<std::uint8_t>(trafficClass >> 2); }
  std::uint8_t ecn() const { return static_cast<std::uint8_t>(trafficClass & 0x03); }
};

inline WireResult<Ipv6Header> parseIpv6(std::span<const std::uint8_t> packet) {
  if (packet.size() < kIpv6HeaderLen) return wireError(WireErrc::Truncated, 0);
  const std::uint8_t* p = packet.data();
  if ((p[0] >> 4) != 6) return wireError(WireErrc::BadVersion, 0);
  const std::uint16_t payloadLength = load16(p + 4);
  if (kIpv6HeaderLen + payloadLength > packet.size()) return wireError(WireErrc::BadLength, 4);
  Ipv6Header h;
  const std::uint32_t word0 = load32(p);
  h.trafficClass = static_cast<std::uint8_t>(word0 >> 20);
  h.flowLabel = word0 & 0xFFFFF;
  h.payloadLength = payloadLength;
  h.nextHeader = p[6];
  h.hopLimit = p[7];
  h.src = Ipv6Addr::fromBytes(p + 8);
  h.dst = Ipv6Addr::fromBytes(p + 24);
  h.payload = packet.subspan(kIpv6HeaderLen, payloadLength);
  return h;
}

// Where the upper-layer header starts behind the extension headers.
struct Ipv6UpperLayer {
  std::uint8_t protocol = kIpProtoNoNext;  // 59 when the chain ends with No Next Header.
  std::uint16_t offset = 0;                // From the start of the span given to the walk.
  bool sawFragmentHeader = false;
  // A fragment header with a non-zero offset or the M flag: the packet is a
  // fragment. For a non-first fragment (fragmentOffset != 0) the walk stops
  // behind the fragment header, since what follows is not a header.
  bool fragmented = false;
  std::uint16_t fragmentOffset = 0;  // In 8-byte units.
  bool moreFragments = false;
};

// Walks hop-by-hop (only first, else Malformed), routing, fragment,
// destination options and AH headers from `nextHeader` (the fixed header's)
// over `payload` (the fixed header's payload). Any other value is taken as
// the upper-layer protocol. Errors: a header that does not fit (Truncated, at
// its offset); more than kIpv6MaxExtensionHeaders headers (Unsupported, at the
// offset of the one too many).
WireResult<Ipv6UpperLayer> walkExtensionHeaders(std::uint8_t nextHeader, std::span<const std::uint8_t> payload);

inline bool isIpv6ExtensionHeader(std::uint8_t nextHeader) {
  return nextHeader == kIpv6ExtHopByHop || nextHeader == kIpv6ExtRouting || nextHeader == kIpv6ExtFragment ||
         nextHeader == kIpv6ExtDestinationOptions || nextHeader == kIpv6ExtAuthentication;
}

struct Ipv6Fields {
  std::uint8_t trafficClass = 0;
  std::uint32_t flowLabel = 0;  // The low 20 bits are used.
  std::uint16_t payloadLength = 0;
  std::uint8_t nextHeader = kIpProtoNoNext;
  std::uint8_t hopLimit = 64;
  Ipv6Addr src;
  Ipv6Addr dst;
};

// Writes the 40-byte fixed header. Returns 40.
WireResult<std::size_t> writeIpv6(std::span<std::uint8_t> out, const Ipv6Fields& fields);

}  // namespace hnv::wire
