#include "hnv/vpn/traffic_selector.h"

namespace hnv::vpn {

namespace {

constexpr std::uint8_t kIcmp = 1, kTcp = 6, kUdp = 17, kSctp = 132, kUdpLite = 136;

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

bool anyNarrowed(const std::vector<TrafficSelector>& ts) {
  for (const auto& s : ts) {
    if (s.narrowed()) return true;
  }
  return false;
}

}  // namespace hnv::vpn
