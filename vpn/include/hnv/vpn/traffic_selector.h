// Traffic selectors as IKE negotiated them for an SA (RFC 7296 3.13.1),
// checked per packet: an IPv4 address range, an IP protocol (0: any) and a
// port range. For TCP, UDP, SCTP and UDP-Lite the port is the packet's; for
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

struct TrafficSelector {
  Ipv4Addr from, to;
  std::uint8_t protocol = 0;
  std::uint16_t fromPort = 0, toPort = 65535;

  bool contains(const Ipv4Addr& a) const { return from <= a && a <= to; }
  // Whether it looks beyond addresses (a protocol or ports).
  bool narrowed() const { return protocol != 0 || fromPort != 0 || toPort != 65535; }
};

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
bool anyNarrowed(const std::vector<TrafficSelector>& ts);

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
