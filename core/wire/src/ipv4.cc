#include "hnv/wire/ipv4.h"

#include "hnv/wire/checksum.h"

namespace hnv::wire {
namespace {

// The header length named by the IHL, or 0 when it is invalid or does not fit.
std::size_t checkedHeaderLength(std::span<const std::uint8_t> packet) {
  if (packet.empty()) return 0;
  const std::size_t length = std::size_t{packet[0] & 0x0Fu} * 4;
  if (length < kIpv4HeaderLen || length > packet.size()) return 0;
  return length;
}

}  // namespace

bool ipv4HeaderChecksumOk(std::span<const std::uint8_t> packet) {
  const std::size_t length = checkedHeaderLength(packet);
  if (length == 0) return false;
  return checksumFold(checksumAdd(0, packet.first(length))) == 0xFFFF;
}

bool setIpv4HeaderChecksum(std::span<std::uint8_t> packet) {
  const std::size_t length = checkedHeaderLength(packet);
  if (length == 0) return false;
  store16(packet.data() + 10, 0);
  store16(packet.data() + 10, internetChecksum(packet.first(length)));
  return true;
}

WireResult<std::size_t> writeIpv4(std::span<std::uint8_t> out, const Ipv4Fields& f) {
  if (out.size() < kIpv4HeaderLen) return wireError(WireErrc::Truncated, out.size());
  std::uint8_t* p = out.data();
  p[0] = 0x45;
  p[1] = f.tos;
  store16(p + 2, f.totalLength);
  store16(p + 4, f.id);
  std::uint16_t flagsOffset = f.fragmentOffset & 0x1FFF;
  if (f.df) flagsOffset |= 0x4000;
  if (f.mf) flagsOffset |= 0x2000;
  store16(p + 6, flagsOffset);
  p[8] = f.ttl;
  p[9] = f.protocol;
  store16(p + 10, 0);
  f.src.toBytes(p + 12);
  f.dst.toBytes(p + 16);
  store16(p + 10, internetChecksum(out.first(kIpv4HeaderLen)));
  return kIpv4HeaderLen;
}

}  // namespace hnv::wire
