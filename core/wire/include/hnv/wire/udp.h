// UDP (RFC 768).
//
// parseUdp() needs 8 bytes (Truncated, 0) and a length field between 8 and
// the buffer size (BadLength, 4); bytes past the length are left out of
// `payload`. Checksums: the caller starts from a pseudo-header sum
// (ipv4PseudoHeaderSum / ipv6PseudoHeaderSum with kIpProtoUdp and the UDP
// length), so one function serves both families. A zero checksum field means
// "not computed": legal over IPv4, illegal over IPv6 except for tunnels that
// opt in (RFC 6935); udpChecksumOk() does not decide that, it returns false
// for it, so check `checksum != 0` first where zero is allowed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hnv/wire/bytes.h"
#include "hnv/wire/error.h"

namespace hnv::wire {

inline constexpr std::size_t kUdpHeaderLen = 8;
inline constexpr std::uint16_t kUdpPortIke = 500;
inline constexpr std::uint16_t kUdpPortIkeNatT = 4500;

struct UdpHeader {
  std::uint16_t srcPort = 0;
  std::uint16_t dstPort = 0;
  std::uint16_t length = 0;  // Header and payload.
  std::uint16_t checksum = 0;
  std::span<const std::uint8_t> payload;  // 8 .. length.
};

inline WireResult<UdpHeader> parseUdp(std::span<const std::uint8_t> datagram) {
  if (datagram.size() < kUdpHeaderLen) return wireError(WireErrc::Truncated, 0);
  const std::uint8_t* p = datagram.data();
  UdpHeader h;
  h.srcPort = load16(p);
  h.dstPort = load16(p + 2);
  h.length = load16(p + 4);
  h.checksum = load16(p + 6);
  if (h.length < kUdpHeaderLen || h.length > datagram.size()) return wireError(WireErrc::BadLength, 4);
  h.payload = datagram.subspan(kUdpHeaderLen, h.length - kUdpHeaderLen);
  return h;
}

// True when the checksum over pseudo-header + datagram (its length field's
// worth of bytes) verifies. False for a zero checksum field and for a
// datagram whose length field is invalid.
bool udpChecksumOk(std::span<const std::uint8_t> datagram, std::uint32_t pseudoHeaderSum);

// Computes and stores the checksum over the datagram's length field's worth
// of bytes; a computed 0 is sent as 0xFFFF. False, writing nothing, when the
// length field is invalid.
bool setUdpChecksum(std::span<std::uint8_t> datagram, std::uint32_t pseudoHeaderSum);

// Writes the header with length = 8 + payloadLength and a zero checksum.
// Returns 8; BadLength (4) when the length does not fit in 16 bits.
WireResult<std::size_t> writeUdp(std::span<std::uint8_t> out, std::uint16_t srcPort, std::uint16_t dstPort,
                                 std::size_t payloadLength);

}  // namespace hnv::wire
