#include "hnv/vpn/traffic_selector.h"

#include <algorithm>

namespace hnv::vpn {

namespace {

constexpr std::uint8_t kIcmp = 1, kTcp = 6, kUdp = 17, kSctp = 132, kUdpLite = 136;
constexpr std::uint8_t kIcmpUnreachable = 3, kIcmpTimeExceeded = 11, kIcmpParameterProblem = 12;
constexpr std::size_t kIcmpHeaderLen = 8, kIpv4HeaderLen = 20;

// The IPv4 packet an ICMP error quotes (its header and what follows of it),
// or nothing when `ip` is no first fragment of such an error or what it
// quotes is no IPv4 header.
std::span<const std::uint8_t> quotedByError(std::span<const std::uint8_t> ip, const SelectorKey& k) {
  if (k.protocol != kIcmp || !k.ports) return {};
  const std::uint8_t type = static_cast<std::uint8_t>(k.sourcePort >> 8);
  if (type != kIcmpUnreachable && type != kIcmpTimeExceeded && type != kIcmpParameterProblem) return {};
  const std::size_t at = static_cast<std::size_t>(ip[0] & 0x0F) * 4 + kIcmpHeaderLen;
  if (ip.size() < at + kIpv4HeaderLen) return {};
  auto quoted = ip.subspan(at);
  if ((quoted[0] >> 4) != 4 || (quoted[0] & 0x0F) < 5) return {};
  return quoted;
}

}  // namespace

SelectorKey selectorKey(std::span<const std::uint8_t> ip) {
  SelectorKey k;
  k.protocol = ip[9];
  const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0F) * 4;
  const bool laterFragment = ((ip[6] & 0x1F) | ip[7]) != 0;
  if (laterFragment || ihl < 20) return k;
  auto l4 = ip.subspan(std::min(ihl, ip.size()));
  switch (k.protocol) {
    case kTcp:
    case kUdp:
    case kSctp:
    case kUdpLite:
      if (l4.size() < 4) return k;
      k.sourcePort = static_cast<std::uint16_t>(l4[0] << 8 | l4[1]);
      k.destinationPort = static_cast<std::uint16_t>(l4[2] << 8 | l4[3]);
      k.ports = true;
      return k;
    case kIcmp:
      if (l4.size() < 2) return k;
      k.sourcePort = k.destinationPort = static_cast<std::uint16_t>(l4[0] << 8 | l4[1]);
      k.ports = true;
      return k;
    default:
      return k;
  }
}

bool admits(const std::vector<TrafficSelector>& ts, const Ipv4Addr& a, const SelectorKey& k, bool source) {
  if (ts.empty()) return true;
  const std::uint16_t port = source ? k.sourcePort : k.destinationPort;
  for (const auto& s : ts) {
    if (!s.contains(a) || (s.protocol != 0 && s.protocol != k.protocol)) continue;
    if (s.fromPort == 0 && s.toPort == 65535) return true;
    if (k.ports && s.fromPort <= port && port <= s.toPort) return true;
  }
  return false;
}

bool admitsPacket(const std::vector<TrafficSelector>& sourceSide, const std::vector<TrafficSelector>& destinationSide,
                  std::span<const std::uint8_t> ip) {
  // Only the packet itself: what follows its total length (ESP's padding
  // for traffic-flow confidentiality) is no part of what an error quotes.
  const std::size_t total = static_cast<std::size_t>(ip[2] << 8 | ip[3]);
  if (total >= kIpv4HeaderLen && total < ip.size()) ip = ip.first(total);
  const SelectorKey k = selectorKey(ip);
  const Ipv4Addr src = Ipv4Addr::fromBytes(&ip[12]), dst = Ipv4Addr::fromBytes(&ip[16]);
  if (admits(sourceSide, src, k, true) && admits(destinationSide, dst, k, false)) return true;
  auto quoted = quotedByError(ip, k);
  if (quoted.empty()) return false;
  // The error itself comes from the source side's addresses, as any packet
  // of the SA does (an SA without protocol or ports checks only those).
  const bool fromSourceSide = sourceSide.empty() || std::any_of(sourceSide.begin(), sourceSide.end(),
                                                                [&](const auto& s) { return s.contains(src); });
  const SelectorKey q = selectorKey(quoted);
  const Ipv4Addr quotedSrc = Ipv4Addr::fromBytes(&quoted[12]), quotedDst = Ipv4Addr::fromBytes(&quoted[16]);
  return fromSourceSide && quotedSrc == dst && admits(sourceSide, quotedDst, q, false) &&
         admits(destinationSide, quotedSrc, q, true);
}

}  // namespace hnv::vpn
