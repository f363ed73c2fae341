#include "hnv/wire/gre.h"

#include "hnv/wire/checksum.h"

namespace hnv::wire {

bool greChecksumOk(std::span<const std::uint8_t> message) {
  auto header = parseGre(message);
  if (!header || !header->checksum) return false;
  return checksumFold(checksumAdd(0, message)) == 0xFFFF;
}

bool setGreChecksum(std::span<std::uint8_t> message) {
  auto header = parseGre(message);
  if (!header || !header->checksum) return false;
  store16(message.data() + 4, 0);
  store16(message.data() + 4, internetChecksum(message));
  return true;
}

WireResult<std::size_t> writeGre(std::span<std::uint8_t> out, const GreFields& f) {
  const std::size_t length = kGreBaseHeaderLen + (f.withChecksum ? 4 : 0) + (f.key ? 4 : 0) + (f.sequence ? 4 : 0);
  if (out.size() < length) return wireError(WireErrc::Truncated, out.size());
  std::uint8_t* p = out.data();
  std::uint16_t flags = 0;
  if (f.withChecksum) flags |= kGreFlagChecksum;
  if (f.key) flags |= kGreFlagKey;
  if (f.sequence) flags |= kGreFlagSequence;
  store16(p, flags);
  store16(p + 2, f.protocol);
  std::size_t at = kGreBaseHeaderLen;
  if (f.withChecksum) {
    store32(p + at, 0);
    at += 4;
  }
  if (f.key) {
    store32(p + at, *f.key);
    at += 4;
  }
  if (f.sequence) store32(p + at, *f.sequence);
  return length;
}

}  // namespace hnv::wire
