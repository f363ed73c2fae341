// ESP: SPI 0 never parses; a header that parses writes back to the same 8 bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.h"
#include "hnv/wire/esp.h"

using namespace hnv::wire;
using hnv::wire::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  auto h = parseEsp(in);
  fuzz::checkError(h, size);
  if (!h) return 0;
  check(h->spi != 0);
  check(h->payload.size() == size - kEspHeaderLen);
  fuzz::checkWithin(h->payload, in);
  std::uint8_t out[kEspHeaderLen];
  auto n = writeEsp(out, h->spi, h->sequence);
  check(n.ok() && *n == kEspHeaderLen);
  check(fuzz::sameBytes(out, in.first(kEspHeaderLen)));
  return 0;
}
