#include "hnv/wire/arp.h"

#include "hnv/wire/ethernet.h"

namespace hnv::wire {

WireResult<std::size_t> writeArp(std::span<std::uint8_t> out, const ArpPacket& arp) {
  if (out.size() < kArpLen) return wireError(WireErrc::Truncated, out.size());
  std::uint8_t* p = out.data();
  store16(p, kArpHardwareEthernet);
  store16(p + 2, kEtherTypeIpv4);
  p[4] = 6;
  p[5] = 4;
  store16(p + 6, static_cast<std::uint16_t>(arp.op));
  arp.sha.toBytes(p + 8);
  arp.spa.toBytes(p + 14);
  arp.tha.toBytes(p + 18);
  arp.tpa.toBytes(p + 24);
  return kArpLen;
}

}  // namespace hnv::wire
