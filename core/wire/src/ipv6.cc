#include "hnv/wire/ipv6.h"

namespace hnv::wire {

WireResult<Ipv6UpperLayer> walkExtensionHeaders(std::uint8_t nextHeader, std::span<const std::uint8_t> payload) {
  Ipv6UpperLayer r;
  std::size_t offset = 0;
  std::size_t count = 0;
  while (isIpv6ExtensionHeader(nextHeader)) {
    if (count == kIpv6MaxExtensionHeaders) return wireError(WireErrc::Unsupported, offset);
    if (nextHeader == kIpv6ExtHopByHop && count != 0) return wireError(WireErrc::Malformed, offset);
    ++count;
    if (payload.size() - offset < 2) return wireError(WireErrc::Truncated, offset);
    const std::uint8_t* p = payload.data() + offset;
    std::size_t length = 0;
    if (nextHeader == kIpv6ExtFragment) {
      length = 8;
    } else if (nextHeader == kIpv6ExtAuthentication) {
      length = (std::size_t{p[1]} + 2) * 4;  // RFC 4302: in 4-byte units, minus 2.
    } else {
      length = (std::size_t{p[1]} + 1) * 8;  // RFC 8200: in 8-byte units, minus 1.
    }
    if (payload.size() - offset < length) return wireError(WireErrc::Truncated, offset);
    bool stop = false;
    if (nextHeader == kIpv6ExtFragment) {
      const std::uint16_t offsetFlags = load16(p + 2);
      r.sawFragmentHeader = true;
      r.fragmentOffset = offsetFlags >> 3;
      r.moreFragments = (offsetFlags & 0x0001) != 0;
      r.fragmented = r.fragmentOffset != 0 || r.moreFragments;
      // What follows a non-first fragment header is the middle of the
      // fragmentable part, not a header: stop behind it.
      stop = r.fragmentOffset != 0;
    }
    offset += length;
    nextHeader = p[0];
    if (stop) break;
  }
  r.protocol = nextHeader;
  r.offset = static_cast<std::uint16_t>(offset);
  return r;
}

WireResult<std::size_t> writeIpv6(std::span<std::uint8_t> out, const Ipv6Fields& f) {
  if (out.size() < kIpv6HeaderLen) return wireError(WireErrc::Truncated, out.size());
  std::uint8_t* p = out.data();
  store32(p, 6u << 28 | std::uint32_t{f.trafficClass} << 20 | (f.flowLabel & 0xFFFFF));
  store16(p + 4, f.payloadLength);
  p[6] = f.nextHeader;
  p[7] = f.hopLimit;
  f.src.toBytes(p + 8);
  f.dst.toBytes(p + 24);
  return kIpv6HeaderLen;
}

}  // namespace hnv::wire
