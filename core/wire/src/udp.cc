#include "hnv/wire/udp.h"

#include "hnv/wire/checksum.h"

namespace hnv::wire {
namespace {

// The datagram limited to its length field, or an empty span when invalid.
template <class Byte>
std::span<Byte> covered(std::span<Byte> datagram) {
  if (datagram.size() < kUdpHeaderLen) return {};
  const std::uint16_t length = load16(datagram.data() + 4);
  if (length < kUdpHeaderLen || length > datagram.size()) return {};
  return datagram.first(length);
}

}  // namespace

bool udpChecksumOk(std::span<const std::uint8_t> datagram, std::uint32_t pseudoHeaderSum) {
  const auto bytes = covered(datagram);
  if (bytes.empty() || load16(bytes.data() + 6) == 0) return false;
  return checksumFold(checksumAdd(pseudoHeaderSum, bytes)) == 0xFFFF;
}

bool setUdpChecksum(std::span<std::uint8_t> datagram, std::uint32_t pseudoHeaderSum) {
  const auto bytes = covered(datagram);
  if (bytes.empty()) return false;
  store16(bytes.data() + 6, 0);
  const std::uint16_t checksum = checksumFinish(checksumAdd(pseudoHeaderSum, bytes));
  store16(bytes.data() + 6, checksum == 0 ? std::uint16_t{0xFFFF} : checksum);
  return true;
}

WireResult<std::size_t> writeUdp(std::span<std::uint8_t> out, std::uint16_t srcPort, std::uint16_t dstPort,
                                 std::size_t payloadLength) {
  if (out.size() < kUdpHeaderLen) return wireError(WireErrc::Truncated, out.size());
  if (payloadLength > 0xFFFF - kUdpHeaderLen) return wireError(WireErrc::BadLength, 4);
  std::uint8_t* p = out.data();
  store16(p, srcPort);
  store16(p + 2, dstPort);
  store16(p + 4, static_cast<std::uint16_t>(kUdpHeaderLen + payloadLength));
  store16(p + 6, 0);
  return kUdpHeaderLen;
}

}  // namespace hnv::wire
