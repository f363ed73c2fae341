#include "hnv/wire/icmp.h"

#include <cstring>

#include "hnv/wire/checksum.h"

namespace hnv::wire {
namespace {

WireResult<std::size_t> writeMessage(std::span<std::uint8_t> out, std::uint8_t type, std::uint8_t code,
                                     std::uint32_t restOfHeader, std::span<const std::uint8_t> body) {
  const std::size_t length = kIcmpHeaderLen + body.size();
  if (out.size() < length) return wireError(WireErrc::Truncated, out.size());
  std::uint8_t* p = out.data();
  // memmove: the quoted bytes may come from the buffer the error is built in,
  // so they move before the header overwrites them.
  if (!body.empty()) std::memmove(p + kIcmpHeaderLen, body.data(), body.size());
  p[0] = type;
  p[1] = code;
  store16(p + 2, 0);
  store32(p + 4, restOfHeader);
  store16(p + 2, internetChecksum(out.first(length)));
  return length;
}

}  // namespace

bool icmpChecksumOk(std::span<const std::uint8_t> message) {
  if (message.size() < 4) return false;
  return checksumFold(checksumAdd(0, message)) == 0xFFFF;
}

bool setIcmpChecksum(std::span<std::uint8_t> message) {
  if (message.size() < 4) return false;
  store16(message.data() + 2, 0);
  store16(message.data() + 2, internetChecksum(message));
  return true;
}

WireResult<std::size_t> writeIcmpEcho(std::span<std::uint8_t> out, std::uint8_t type, std::uint16_t identifier,
                                      std::uint16_t sequence, std::span<const std::uint8_t> data) {
  return writeMessage(out, type, 0, std::uint32_t{identifier} << 16 | sequence, data);
}

WireResult<std::size_t> writeIcmpError(std::span<std::uint8_t> out, std::uint8_t type, std::uint8_t code,
                                       std::uint32_t restOfHeader, std::span<const std::uint8_t> quoted) {
  return writeMessage(out, type, code, restOfHeader, quoted);
}

}  // namespace hnv::wire
