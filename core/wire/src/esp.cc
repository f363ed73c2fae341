#include "hnv/wire/esp.h"

namespace hnv::wire {

WireResult<std::size_t> writeEsp(std::span<std::uint8_t> out, std::uint32_t spi, std::uint32_t sequence) {
  if (out.size() < kEspHeaderLen) return wireError(WireErrc::Truncated, out.size());
  if (spi == 0) return wireError(WireErrc::Malformed, 0);
  store32(out.data(), spi);
  store32(out.data() + 4, sequence);
  return kEspHeaderLen;
}

}  // namespace hnv::wire
