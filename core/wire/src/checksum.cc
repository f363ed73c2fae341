#include "hnv/wire/checksum.h"

#include "hnv/wire/bytes.h"

namespace hnv::wire {

std::uint32_t checksumAdd(std::uint32_t acc, std::span<const std::uint8_t> bytes) {
  // A 64-bit sum cannot overflow for any buffer that fits in memory; it is
  // folded back to 32 bits with end-around carries, which keeps its value
  // modulo 0xFFFF (all the ones-complement sum cares about).
  std::uint64_t sum = acc;
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  while (n >= 8) {
    sum += load32(p);
    sum += load32(p + 4);
    p += 8;
    n -= 8;
  }
  while (n >= 2) {
    sum += load16(p);
    p += 2;
    n -= 2;
  }
  if (n == 1) sum += std::uint64_t{p[0]} << 8;
  sum = (sum & 0xFFFFFFFFu) + (sum >> 32);
  sum = (sum & 0xFFFFFFFFu) + (sum >> 32);
  return static_cast<std::uint32_t>(sum);
}

std::uint32_t ipv4PseudoHeaderSum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol, std::uint16_t length) {
  std::uint32_t acc = 0;
  acc = checksumAdd32(acc, src.host());
  acc = checksumAdd32(acc, dst.host());
  acc = checksumAdd16(acc, protocol);
  return checksumAdd16(acc, length);
}

std::uint32_t ipv6PseudoHeaderSum(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t nextHeader,
                                  std::uint32_t length) {
  std::uint32_t acc = checksumAdd(0, src.bytes());
  acc = checksumAdd(acc, dst.bytes());
  acc = checksumAdd32(acc, length);
  return checksumAdd16(acc, nextHeader);
}

}  // namespace hnv::wire
