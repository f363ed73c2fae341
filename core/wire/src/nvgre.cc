#include "hnv/wire/nvgre.h"

namespace hnv::wire {

WireResult<std::size_t> writeNvgre(std::span<std::uint8_t> out, Vsid vsid, std::uint8_t flowId) {
  if (out.size() < kNvgreHeaderLen) return wireError(WireErrc::Truncated, out.size());
  std::uint8_t* p = out.data();
  store16(p, kNvgreFlags);
  store16(p + 2, kNvgreProtocol);
  store32(p + 4, vsid.key(flowId));
  return kNvgreHeaderLen;
}

}  // namespace hnv::wire
