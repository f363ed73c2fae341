// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
//
// A running sum is a 32-bit accumulator of 16-bit big-endian words. It can be
// extended piece by piece: every piece except the last must have an even
// length, because an odd piece is summed as if padded with one zero byte.
// checksumFold() reduces an accumulator to 16 bits; the value written into a
// header is its ones complement, checksumFinish(). A message that carries a
// correct checksum sums (checksum field included) to 0xFFFF.
#pragma once

#include <cstdint>
#include <span>

#include "hnv/base/ip.h"

namespace hnv::wire {

// Adds the bytes to a running sum.
std::uint32_t checksumAdd(std::uint32_t acc, std::span<const std::uint8_t> bytes);

inline std::uint32_t checksumAdd16(std::uint32_t acc, std::uint16_t word) {
  const std::uint64_t sum = std::uint64_t{acc} + word;
  return static_cast<std::uint32_t>((sum & 0xFFFFFFFFu) + (sum >> 32));
}

inline std::uint32_t checksumAdd32(std::uint32_t acc, std::uint32_t word) {
  return checksumAdd16(checksumAdd16(acc, static_cast<std::uint16_t>(word >> 16)), static_cast<std::uint16_t>(word));
}

constexpr std::uint16_t checksumFold(std::uint32_t acc) {
  acc = (acc & 0xFFFFu) + (acc >> 16);
  acc = (acc & 0xFFFFu) + (acc >> 16);
  return static_cast<std::uint16_t>(acc);
}

constexpr std::uint16_t checksumFinish(std::uint32_t acc) { return static_cast<std::uint16_t>(~checksumFold(acc)); }

// The checksum of a whole buffer: checksumFinish(checksumAdd(0, bytes)).
inline std::uint16_t internetChecksum(std::span<const std::uint8_t> bytes) {
  return checksumFinish(checksumAdd(0, bytes));
}

// Sum of the pseudo-header of RFC 768/793 (IPv4) to start a UDP/TCP sum with.
std::uint32_t ipv4PseudoHeaderSum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol, std::uint16_t length);

// Sum of the IPv6 pseudo-header (RFC 8200 section 8.1): the upper-layer
// length is 32 bits there.
std::uint32_t ipv6PseudoHeaderSum(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t nextHeader,
                                  std::uint32_t length);

// RFC 1624 equation 3: the new checksum field after one 16-bit word covered
// by it changed from oldValue to newValue: HC' = ~(~HC + ~m + m').
constexpr std::uint16_t checksumAdjust16(std::uint16_t oldChecksum, std::uint16_t oldValue, std::uint16_t newValue) {
  std::uint32_t acc = static_cast<std::uint16_t>(~oldChecksum);
  acc += static_cast<std::uint16_t>(~oldValue);
  acc += newValue;
  return checksumFinish(acc);
}

// The same for a 32-bit word aligned on a 16-bit boundary (an IPv4 address
// in a pseudo-header, a TCP sequence number).
constexpr std::uint16_t checksumAdjust32(std::uint16_t oldChecksum, std::uint32_t oldValue, std::uint32_t newValue) {
  std::uint32_t acc = static_cast<std::uint16_t>(~oldChecksum);
  acc += static_cast<std::uint16_t>(~(oldValue >> 16));
  acc += static_cast<std::uint16_t>(~oldValue);
  acc += newValue >> 16;
  acc += newValue & 0xFFFFu;
  return checksumFinish(acc);
}

}  // namespace hnv::wire
