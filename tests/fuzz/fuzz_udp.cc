// UDP: the length field bounds the payload; a recomputed checksum verifies
// and is never zero.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/udp.h"

using namespace hnv::wire;
using hnv::wire::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  // Any 32-bit value may start the sum; take it from the input when there is one.
  const std::uint32_t pseudo = size >= 12 ? load32(data + size - 4) : 0x12345678u;
  (void)udpChecksumOk(in, pseudo);
  auto h = parseUdp(in);
  fuzz::checkError(h, size);
  if (!h) return 0;
  check(h->length >= kUdpHeaderLen && h->length <= size);
  check(h->payload.size() == h->length - kUdpHeaderLen);
  fuzz::checkWithin(h->payload, in);
  std::vector<std::uint8_t> copy(in.begin(), in.end());
  check(setUdpChecksum(copy, pseudo));
  check(load16(copy.data() + 6) != 0);
  check(udpChecksumOk(copy, pseudo));
  // Only the checksum field may change, and nothing past the length field.
  check(fuzz::sameBytes(std::span(copy).first(6), in.first(6)));
  check(fuzz::sameBytes(std::span(copy).subspan(8), in.subspan(8)));
  return 0;
}
