#include "inner_frame.h"

#include "hnv/wire/arp.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"

namespace hnv::overlay {
namespace {

constexpr std::size_t kL3 = wire::kEthernetHeaderLen;
constexpr std::uint8_t kEcnNotEct = 0, kEcnEct1 = 1, kEcnEct0 = 2, kEcnCe = 3;

void readPorts(InnerView& v, std::span<const std::uint8_t> l4) {
  if ((v.protocol == wire::kIpProtoTcp || v.protocol == wire::kIpProtoUdp) && l4.size() >= 4) {
    v.srcPort = wire::load16(l4.data());
    v.dstPort = wire::load16(l4.data() + 2);
  }
}

std::uint32_t mix(std::uint32_t h, std::uint32_t k) {
  k *= 0xcc9e2d51u;
  k = (k << 15) | (k >> 17);
  k *= 0x1b873593u;
  h ^= k;
  h = (h << 13) | (h >> 19);
  return h * 5 + 0xe6546b64u;
}

std::uint32_t mixBytes(std::uint32_t h, std::span<const std::uint8_t> b) {
  for (std::size_t i = 0; i + 4 <= b.size(); i += 4) h = mix(h, wire::load32(b.data() + i));
  return h;
}

}  // namespace

InnerView viewInner(std::span<const std::uint8_t> frame) {
  InnerView v;
  if (frame.size() < kL3) return v;
  v.etherType = wire::load16(frame.data() + 12);
  auto l3 = frame.subspan(kL3);
  if (v.etherType == wire::kEtherTypeIpv4 && l3.size() >= wire::kIpv4HeaderLen && (l3[0] >> 4) == 4) {
    const std::size_t ihl = std::size_t{l3[0] & 0x0Fu} * 4;
    v.ip = true;
    v.trafficClass = l3[1];
    v.protocol = l3[9];
    v.src = Ipv4Addr::fromBytes(l3.data() + 12);
    v.dst = Ipv4Addr::fromBytes(l3.data() + 16);
    const bool firstFragment = (wire::load16(l3.data() + 6) & 0x1FFF) == 0;
    if (firstFragment && ihl >= wire::kIpv4HeaderLen && ihl <= l3.size()) readPorts(v, l3.subspan(ihl));
  } else if (v.etherType == wire::kEtherTypeIpv6 && l3.size() >= wire::kIpv6HeaderLen && (l3[0] >> 4) == 6) {
    v.ip = true;
    v.trafficClass = static_cast<std::uint8_t>(wire::load16(l3.data()) >> 4);
    v.protocol = l3[6];
    v.src = Ipv6Addr::fromBytes(l3.data() + 8);
    v.dst = Ipv6Addr::fromBytes(l3.data() + 24);
    readPorts(v, l3.subspan(wire::kIpv6HeaderLen));
  } else if (v.etherType == wire::kEtherTypeArp) {
    if (auto arp = wire::parseArp(l3)) {
      v.src = arp->spa;
      v.dst = arp->tpa;
    }
  }
  return v;
}

std::uint32_t flowHash(const InnerView& v, std::span<const std::uint8_t> frame) {
  std::uint32_t h = 0x9747b28cu;
  if (v.ip && v.src && v.dst) {
    const std::size_t len = v.src->isV4() ? 4 : 16;
    const std::size_t at = v.src->isV4() ? kL3 + 12 : kL3 + 8;
    h = mixBytes(h, frame.subspan(at, 2 * len));
    h = mix(h, (std::uint32_t{v.srcPort} << 16) | v.dstPort);
    h = mix(h, v.protocol);
  } else if (frame.size() >= 12) {
    h = mixBytes(h, frame.first(12));
  }
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  return h;
}

bool decapEcn(std::span<std::uint8_t> frame, std::size_t l3, std::uint8_t outerEcn) {
  if (outerEcn != kEcnCe && outerEcn != kEcnEct1) return true;
  auto ip = frame.subspan(l3);
  const bool v4 = ip.size() >= wire::kIpv4HeaderLen && (ip[0] >> 4) == 4;
  const bool v6 = ip.size() >= wire::kIpv6HeaderLen && (ip[0] >> 4) == 6;
  if (!v4 && !v6) return outerEcn != kEcnCe;  // no ECN field to carry CE: drop
  const std::uint8_t tc = v4 ? ip[1] : static_cast<std::uint8_t>(wire::load16(ip.data()) >> 4);
  const std::uint8_t inner = tc & 0x03;
  std::uint8_t next = inner;
  if (outerEcn == kEcnCe) {
    if (inner == kEcnNotEct) return false;
    next = kEcnCe;
  } else if (inner == kEcnEct0) {
    next = kEcnEct1;  // outer ECT(1), inner ECT(0): ECT(1) (RFC 6040 figure 4)
  }
  if (next == inner) return true;
  const std::uint8_t newTc = static_cast<std::uint8_t>((tc & 0xFC) | next);
  if (v4) {
    const std::uint16_t oldWord = wire::load16(ip.data());
    ip[1] = newTc;
    wire::store16(ip.data() + 10, wire::checksumAdjust16(wire::load16(ip.data() + 10), oldWord, wire::load16(ip.data())));
  } else {
    const std::uint16_t word = wire::load16(ip.data());
    wire::store16(ip.data(), static_cast<std::uint16_t>((word & 0xF00F) | (std::uint16_t{newTc} << 4)));
  }
  return true;
}

MacAddr multicastMac(const IpAddr& group) {
  std::uint8_t b[16] = {};
  if (group.isV4()) {
    group.v4().toBytes(b);
    const std::uint8_t mac[6] = {0x01, 0x00, 0x5e, static_cast<std::uint8_t>(b[1] & 0x7F), b[2], b[3]};
    return MacAddr::fromBytes(mac);
  }
  group.v6().toBytes(b);
  const std::uint8_t mac[6] = {0x33, 0x33, b[12], b[13], b[14], b[15]};
  return MacAddr::fromBytes(mac);
}

}  // namespace hnv::overlay
