// Traffic selectors as IKE negotiated them for an SA (RFC 7296 3.13.1),
// checked per packet: an address range (IPv4 or IPv6), an IP protocol
// (0: any) and a port range. For TCP, UDP, SCTP and UDP-Lite the port is the packet's; for
// ICMP it is type << 8 | code (both ends of the selector). A packet whose
// ports cannot be read (a later fragment, a truncated header) matches only
// selectors that leave the ports open, as RFC 4301 has it for fragments
// without a port. An ICMP error (destination unreachable, among them
// "fragmentation needed", time exceeded, parameter problem) about traffic
// of the SA is admitted by the packet it quotes (RFC 4301 6.2), so that
// path-MTU discovery works through a tunnel narrowed to a protocol or ports.
//
// Thread: any (plain values).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hnv/base/ip.h"

namespace hnv::vpn {

template <typename Addr>
struct BasicSelector {
  Addr from, to;
  std::uint8_t protocol = 0;
  std::uint16_t fromPort = 0, toPort = 65535;

  bool contains(const Addr& a) const { return from <= a && a <= to; }
  // Whether it looks beyond addresses (a protocol or ports).
  bool narrowed() const { return protocol != 0 || fromPort != 0 || toPort != 65535; }
};
// An SA carries one inner family (librte_ipsec's tunnel-mode SA has one
// next-header value): the selectors of an IPv6 SA are TrafficSelector6.
// Per packet, only IPv4 selectors are checked beyond addresses (protocol
// and ports); an IPv6 SA with a protocol or ports is refused when it is
// installed (VpnManager).
using TrafficSelector = BasicSelector<Ipv4Addr>;
using TrafficSelector6 = BasicSelector<Ipv6Addr>;

// Whether one of `ranges` holds `a` (addresses only); no ranges: every address.
template <typename Addr>
bool inRanges(const std::vector<BasicSelector<Addr>>& ranges, const Addr& a) {
  if (ranges.empty()) return true;
  for (const auto& r : ranges) {
    if (r.contains(a)) return true;
  }
  return false;
}

// What a selector sees of a packet beyond its addresses.
struct SelectorKey {
  std::uint8_t protocol = 0;
  std::uint16_t sourcePort = 0, destinationPort = 0;
  bool ports = false;  // the ports were read
};

// The key of an IPv4 packet (`ip` starts at its header, checked by the caller
// to be at least 20 bytes of IPv4).
SelectorKey selectorKey(std::span<const std::uint8_t> ip);

// Whether one of `ts` admits address `a` with the packet's protocol and its
// source (or destination) port; no selectors: everything.
bool admits(const std::vector<TrafficSelector>& ts, const Ipv4Addr& a, const SelectorKey& k, bool source);
template <typename Addr>
bool anyNarrowed(const std::vector<BasicSelector<Addr>>& ts) {
  for (const auto& s : ts) {
    if (s.narrowed()) return true;
  }
  return false;
}

// Whether an SA admits an IPv4 packet (`ip`: at least 20 bytes of IPv4):
// `sourceSide` covers its source, `destinationSide` its destination (an
// outbound SA: our side and the site's; an inbound one: the reverse). An
// ICMP error that these do not admit is admitted when the packet it quotes
// travelled the SA's traffic the other way: the quoted destination on the
// source side and the quoted source, to which the error goes, on the
// destination side, with the quoted packet's protocol and ports; the
// error's own source must be in the source side's address ranges (any
// protocol or port), as an SA without protocol or ports would check.
bool admitsPacket(const std::vector<TrafficSelector>& sourceSide, const std::vector<TrafficSelector>& destinationSide,
                  std::span<const std::uint8_t> ip);

}  // namespace hnv::vpn
