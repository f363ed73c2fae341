#include "hnv/wire/icmpv6.h"

#include <cstring>

#include "hnv/wire/checksum.h"
#include "hnv/wire/ipv4.h"

namespace hnv::wire {
namespace {

std::uint32_t pseudoSum(const Ipv6Addr& src, const Ipv6Addr& dst, std::size_t length) {
  return ipv6PseudoHeaderSum(src, dst, kIpProtoIcmpv6, static_cast<std::uint32_t>(length));
}

WireResult<std::size_t> writeMessage(std::span<std::uint8_t> out, const Ipv6Addr& src, const Ipv6Addr& dst,
                                     std::uint8_t type, std::uint8_t code, std::uint32_t word,
                                     std::span<const std::uint8_t> body) {
  const std::size_t length = kIcmpv6HeaderLen + body.size();
  if (out.size() < length) return wireError(WireErrc::Truncated, out.size());
  std::uint8_t* p = out.data();
  // memmove: the quoted bytes may come from the buffer the error is built in,
  // so they move before the header overwrites them.
  if (!body.empty()) std::memmove(p + kIcmpv6HeaderLen, body.data(), body.size());
  p[0] = type;
  p[1] = code;
  store32(p + 4, word);
  setIcmpv6Checksum(src, dst, out.first(length));
  return length;
}

}  // namespace

bool icmpv6ChecksumOk(const Ipv6Addr& src, const Ipv6Addr& dst, std::span<const std::uint8_t> message) {
  if (message.size() < 4) return false;
  return checksumFold(checksumAdd(pseudoSum(src, dst, message.size()), message)) == 0xFFFF;
}

bool setIcmpv6Checksum(const Ipv6Addr& src, const Ipv6Addr& dst, std::span<std::uint8_t> message) {
  if (message.size() < 4) return false;
  store16(message.data() + 2, 0);
  store16(message.data() + 2, checksumFinish(checksumAdd(pseudoSum(src, dst, message.size()), message)));
  return true;
}

WireResult<std::size_t> writeIcmpv6Echo(std::span<std::uint8_t> out, const Ipv6Addr& src, const Ipv6Addr& dst,
                                        std::uint8_t type, std::uint16_t identifier, std::uint16_t sequence,
                                        std::span<const std::uint8_t> data) {
  return writeMessage(out, src, dst, type, 0, std::uint32_t{identifier} << 16 | sequence, data);
}

WireResult<std::size_t> writeIcmpv6Error(std::span<std::uint8_t> out, const Ipv6Addr& src, const Ipv6Addr& dst,
                                         std::uint8_t type, std::uint8_t code, std::uint32_t word,
                                         std::span<const std::uint8_t> quoted) {
  return writeMessage(out, src, dst, type, code, word, quoted);
}

}  // namespace hnv::wire
