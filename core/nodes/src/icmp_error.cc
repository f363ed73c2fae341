#include "hnv/nodes/icmp_error.h"

#include <rte_cycles.h>

#include <algorithm>

#include "hnv/dp/packet.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/icmpv6.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"

namespace hnv::nodes {
namespace {

constexpr std::size_t kMaxIcmp4Error = 576;   // RFC 1812 4.3.2.3
constexpr std::size_t kMaxIcmp6Error = 1280;  // RFC 4443 2.4 (c)

// Quotes `quoted` bytes of the original and makes room for `headers` in front.
bool makeRoom(rte_mbuf* m, std::size_t quoted, std::size_t headers) {
  dp::PacketMeta& pm = dp::meta(m);
  if (!dp::setLength(m, pm.l3Offset + quoted)) return false;
  if (!dp::resizeL2(m, static_cast<std::uint16_t>(wire::kEthernetHeaderLen + headers))) return false;
  pm.l3Offset = wire::kEthernetHeaderLen;
  pm.l4Offset = 0;
  return true;
}

}  // namespace

ErrorCheck checkIcmp4ErrorAllowed(std::span<const std::uint8_t> l3) {
  auto ip = wire::parseIpv4(l3);
  if (!ip) return ErrorCheck::Malformed;
  if (ip->fragmentOffset != 0) return ErrorCheck::NotFirstFragment;
  if (ip->src.isUnspecified() || ip->src.isMulticast() || ip->src.isBroadcast() || ip->src.isLoopback()) {
    return ErrorCheck::BadSource;
  }
  if (ip->dst.isMulticast() || ip->dst.isBroadcast()) return ErrorCheck::NotUnicast;
  if (ip->protocol == wire::kIpProtoIcmp) {
    // Only queries may be answered with an error; an unreadable type counts as an error.
    if (ip->payload.empty()) return ErrorCheck::AboutIcmpError;
    const std::uint8_t type = ip->payload[0];
    if (type != wire::kIcmpEchoRequest && type != wire::kIcmpEchoReply) return ErrorCheck::AboutIcmpError;
  }
  return ErrorCheck::Ok;
}

ErrorCheck checkIcmp6ErrorAllowed(std::span<const std::uint8_t> l3) {
  auto ip = wire::parseIpv6(l3);
  if (!ip) return ErrorCheck::Malformed;
  if (ip->src.isUnspecified() || ip->src.isMulticast()) return ErrorCheck::BadSource;
  // A packet too big is answered even to a multicast destination (RFC 4443 2.4 (e.2)).
  auto upper = wire::walkExtensionHeaders(ip->nextHeader, ip->payload);
  if (!upper) return ErrorCheck::Malformed;
  if (upper->fragmentOffset != 0) return ErrorCheck::NotFirstFragment;
  if (upper->protocol == wire::kIpProtoIcmpv6) {
    if (upper->offset >= ip->payload.size()) return ErrorCheck::AboutIcmpError;
    // Types below 128 are errors (RFC 4443 2.1).
    if (ip->payload[upper->offset] < 128) return ErrorCheck::AboutIcmpError;
  }
  return ErrorCheck::Ok;
}

bool buildIcmp4Error(rte_mbuf* m, std::uint8_t type, std::uint8_t code, std::uint32_t word, Ipv4Addr source) {
  dp::PacketMeta& pm = dp::meta(m);
  auto original = dp::bytes(m).subspan(pm.l3Offset);
  auto ip = wire::parseIpv4(original);
  if (!ip) return false;
  const Ipv4Addr sender = ip->src;
  constexpr std::size_t kHeaders = wire::kIpv4HeaderLen + wire::kIcmpHeaderLen;
  const std::size_t quoted = std::min<std::size_t>(ip->totalLength, kMaxIcmp4Error - kHeaders);
  if (!makeRoom(m, quoted, kHeaders)) return false;
  auto frame = dp::bytes(m);
  std::uint8_t* icmp = frame.data() + wire::kEthernetHeaderLen + wire::kIpv4HeaderLen;
  icmp[0] = type;
  icmp[1] = code;
  wire::store16(icmp + 2, 0);
  wire::store32(icmp + 4, word);
  const std::size_t icmpLen = wire::kIcmpHeaderLen + quoted;
  wire::store16(icmp + 2, wire::internetChecksum({icmp, icmpLen}));
  wire::Ipv4Fields f;
  f.totalLength = static_cast<std::uint16_t>(wire::kIpv4HeaderLen + icmpLen);
  f.ttl = 64;
  f.protocol = wire::kIpProtoIcmp;
  f.src = source;
  f.dst = sender;
  (void)wire::writeIpv4(frame.subspan(wire::kEthernetHeaderLen), f);
  pm.l4Offset = static_cast<std::uint16_t>(wire::kEthernetHeaderLen + wire::kIpv4HeaderLen);
  return true;
}

bool buildIcmp6Error(rte_mbuf* m, std::uint8_t type, std::uint8_t code, std::uint32_t word, const Ipv6Addr& source) {
  dp::PacketMeta& pm = dp::meta(m);
  auto original = dp::bytes(m).subspan(pm.l3Offset);
  auto ip = wire::parseIpv6(original);
  if (!ip) return false;
  const Ipv6Addr sender = ip->src;
  constexpr std::size_t kHeaders = wire::kIpv6HeaderLen + wire::kIcmpv6HeaderLen;
  const std::size_t quoted =
      std::min<std::size_t>(wire::kIpv6HeaderLen + ip->payloadLength, kMaxIcmp6Error - kHeaders);
  if (!makeRoom(m, quoted, kHeaders)) return false;
  auto frame = dp::bytes(m);
  std::uint8_t* icmp = frame.data() + wire::kEthernetHeaderLen + wire::kIpv6HeaderLen;
  const std::size_t icmpLen = wire::kIcmpv6HeaderLen + quoted;
  icmp[0] = type;
  icmp[1] = code;
  wire::store16(icmp + 2, 0);
  wire::store32(icmp + 4, word);
  const std::uint32_t pseudo =
      wire::ipv6PseudoHeaderSum(source, sender, wire::kIpProtoIcmpv6, static_cast<std::uint32_t>(icmpLen));
  wire::store16(icmp + 2, wire::checksumFinish(wire::checksumAdd(pseudo, {icmp, icmpLen})));
  wire::Ipv6Fields f;
  f.payloadLength = static_cast<std::uint16_t>(icmpLen);
  f.nextHeader = wire::kIpProtoIcmpv6;
  f.hopLimit = 255;
  f.src = source;
  f.dst = sender;
  (void)wire::writeIpv6(frame.subspan(wire::kEthernetHeaderLen), f);
  pm.l4Offset = static_cast<std::uint16_t>(wire::kEthernetHeaderLen + wire::kIpv6HeaderLen);
  return true;
}

bool ErrorBucket::take() {
  const std::uint64_t now = rte_rdtsc();
  if (last_ != 0) {
    const double add = static_cast<double>(now - last_) * perSecond_ / static_cast<double>(rte_get_tsc_hz());
    tokens_ = std::min(burst_, tokens_ + add);
  }
  last_ = now;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

}  // namespace hnv::nodes
