#include "hnv/nat/translate.h"

#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"

namespace hnv::nat {
namespace {

using wire::load16;
using wire::load32;
using wire::store16;
using wire::store32;

constexpr std::uint8_t kEchoReply = 0, kUnreachable = 3, kEchoRequest = 8, kTimeExceeded = 11, kParamProblem = 12;

std::size_t headerLength(std::span<const std::uint8_t> ip) { return std::size_t{ip[0] & 0x0Fu} * 4; }
bool isLaterFragment(std::span<const std::uint8_t> ip) { return (load16(&ip[6]) & 0x1FFF) != 0; }

// Where the L4 checksum is, from the start of the L4 header; 0 for none.
std::size_t checksumOffset(Proto p) {
  switch (p) {
    case Proto::Tcp:
      return 16;
    case Proto::Udp:
      return 6;
    case Proto::Icmp:
      return 2;
  }
  return 0;
}

// Reads the ports (or echo id) of an L4 header; false if it is too short.
bool ports(Proto p, std::span<const std::uint8_t> l4, std::uint16_t& src, std::uint16_t& dst) {
  if (p == Proto::Icmp) {
    if (l4.size() < 8) return false;
    src = dst = load16(&l4[4]);
    return true;
  }
  if (l4.size() < (p == Proto::Udp ? 8u : 4u)) return false;
  src = load16(&l4[0]);
  dst = load16(&l4[2]);
  return true;
}

// Changes the address at `addrAt` and the port at `portAt` of one IPv4
// packet whose header starts at `ip`, fixing the header checksum and the
// L4 checksum at `l4` (when `l4Checksum`: it is there in full).
void setEndpoint(std::span<std::uint8_t> ip, std::size_t addrAt, Proto p, std::span<std::uint8_t> l4, std::size_t portAt,
                 const Ipv4Addr& addr, std::uint16_t port, bool l4Checksum) {
  const std::uint32_t oldAddr = load32(&ip[addrAt]);
  const std::uint32_t newAddr = addr.host();
  store32(&ip[addrAt], newAddr);
  store16(&ip[10], wire::checksumAdjust32(load16(&ip[10]), oldAddr, newAddr));
  const std::uint16_t oldPort = load16(&l4[portAt]);
  store16(&l4[portAt], port);
  const std::size_t at = checksumOffset(p);
  if (!l4Checksum || l4.size() < at + 2) return;
  std::uint16_t sum = load16(&l4[at]);
  if (p == Proto::Udp && sum == 0) return;  // no checksum
  if (p != Proto::Icmp) sum = wire::checksumAdjust32(sum, oldAddr, newAddr);  // the pseudo-header
  sum = wire::checksumAdjust16(sum, oldPort, port);
  if (p == Proto::Udp && sum == 0) sum = 0xFFFF;
  store16(&l4[at], sum);
}

}  // namespace

Classified classify(std::span<const std::uint8_t> ip) {
  Classified c;
  c.src = Ipv4Addr::fromHost(load32(&ip[12]));
  c.dst = Ipv4Addr::fromHost(load32(&ip[16]));
  auto proto = protoOf(ip[9]);
  if (!proto) return c;
  c.proto = *proto;
  if (isLaterFragment(ip)) {
    c.kind = PacketKind::Fragment;
    return c;
  }
  auto l4 = ip.subspan(headerLength(ip));
  c.kind = PacketKind::Malformed;
  if (!ports(c.proto, l4, c.srcPort, c.dstPort)) return c;
  if (c.proto == Proto::Tcp) {
    if (l4.size() < 20) return c;
    c.tcpFlags = l4[13];
  }
  if (c.proto != Proto::Icmp) {
    c.kind = PacketKind::Flow;
    return c;
  }
  const std::uint8_t type = l4[0];
  if (type == kEchoRequest || type == kEchoReply) {
    c.echoRequest = type == kEchoRequest;
    c.kind = PacketKind::Flow;
    return c;
  }
  if (type != kUnreachable && type != kTimeExceeded && type != kParamProblem) {
    c.kind = PacketKind::Unsupported;
    return c;
  }
  // The embedded packet: an IPv4 header and at least 8 bytes of its L4.
  auto inner = l4.subspan(8);
  if (inner.size() < 20 || (inner[0] >> 4) != 4 || headerLength(inner) < 20 || inner.size() < headerLength(inner) + 8) {
    return c;
  }
  auto innerProto = protoOf(inner[9]);
  if (!innerProto || isLaterFragment(inner)) {
    c.kind = PacketKind::Unsupported;
    return c;
  }
  c.innerProto = *innerProto;
  c.innerSrc = Ipv4Addr::fromHost(load32(&inner[12]));
  c.innerDst = Ipv4Addr::fromHost(load32(&inner[16]));
  (void)ports(c.innerProto, inner.subspan(headerLength(inner)), c.innerSrcPort, c.innerDstPort);
  // Only errors about TCP, UDP and echo are translated.
  if (c.innerProto == Proto::Icmp) {
    const std::uint8_t innerType = inner[headerLength(inner)];
    if (innerType != kEchoRequest && innerType != kEchoReply) {
      c.kind = PacketKind::Unsupported;
      return c;
    }
  }
  c.innerOffset = static_cast<std::uint16_t>(headerLength(ip) + 8);
  c.kind = PacketKind::IcmpError;
  return c;
}

void rewrite(std::span<std::uint8_t> ip, bool source, const Ipv4Addr& addr, std::uint16_t port) {
  const auto p = *protoOf(ip[9]);
  auto l4 = ip.subspan(headerLength(ip));
  const std::size_t portAt = p == Proto::Icmp ? 4 : (source ? 0 : 2);
  setEndpoint(ip, source ? 12 : 16, p, l4, portAt, addr, port, true);
}

void rewriteIcmpError(std::span<std::uint8_t> ip, const Classified& c, bool outbound, const Ipv4Addr& outerAddr,
                      const Ipv4Addr& addr, std::uint16_t port) {
  // Outer address: the IPv4 header checksum only (ICMP has no pseudo-header).
  const std::size_t outerAt = outbound ? 12 : 16;
  const std::uint32_t oldOuter = load32(&ip[outerAt]);
  store32(&ip[outerAt], outerAddr.host());
  store16(&ip[10], wire::checksumAdjust32(load16(&ip[10]), oldOuter, outerAddr.host()));
  // The embedded packet: out2in its source was the external endpoint; in2out
  // its destination is the inside endpoint. Only 8 bytes of its L4 header
  // are sure to be quoted: a TCP checksum (at 16) is fixed only when there.
  auto inner = ip.subspan(c.innerOffset);
  auto innerL4 = inner.subspan(headerLength(inner));
  const bool innerSource = !outbound;
  const std::size_t portAt = c.innerProto == Proto::Icmp ? 4 : (innerSource ? 0 : 2);
  setEndpoint(inner, innerSource ? 12 : 16, c.innerProto, innerL4, portAt, addr, port, true);
  // The ICMP checksum covers everything after the outer header: recompute it
  // (an error quotes at most a few hundred bytes).
  auto icmp = ip.subspan(headerLength(ip));
  store16(&icmp[2], 0);
  store16(&icmp[2], wire::internetChecksum(icmp));
}

}  // namespace hnv::nat
