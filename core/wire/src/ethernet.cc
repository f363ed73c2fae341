#include "hnv/wire/ethernet.h"

namespace hnv::wire {

WireResult<std::size_t> writeEthernet(std::span<std::uint8_t> out, const MacAddr& dst, const MacAddr& src,
                                      std::uint16_t etherType, std::optional<std::uint16_t> vlanTci) {
  const std::size_t length = vlanTci ? kEthernetVlanHeaderLen : kEthernetHeaderLen;
  if (out.size() < length) return wireError(WireErrc::Truncated, out.size());
  std::uint8_t* p = out.data();
  dst.toBytes(p);
  src.toBytes(p + 6);
  if (vlanTci) {
    store16(p + 12, kEtherTypeVlan);
    store16(p + 14, *vlanTci);
    p += 4;
  }
  store16(p + 12, etherType);
  return length;
}

}  // namespace hnv::wire
