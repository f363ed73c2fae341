// The packet side of NAT44: what a packet's 5-tuple is, and rewriting it.
// Functions take an IPv4 packet from its first header byte to the end of
// its IP length (the caller has validated the IPv4 header and its
// checksum) and fix every checksum they touch incrementally (RFC 1624).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "hnv/base/ip.h"
#include "hnv/nat/config.h"

namespace hnv::nat {

enum class PacketKind : std::uint8_t {
  Flow,        // TCP, UDP, ICMP echo request or reply: translated by its session
  IcmpError,   // ICMP destination unreachable, time exceeded or parameter problem: by the session of the packet inside
  Fragment,    // not the first fragment: no ports to translate (no reassembly here)
  Unsupported, // another protocol or ICMP type
  Malformed,   // too short for its L4 header
};

struct Classified {
  PacketKind kind = PacketKind::Unsupported;
  Proto proto = Proto::Udp;
  Ipv4Addr src, dst;
  std::uint16_t srcPort = 0, dstPort = 0;  // ICMP echo: the identifier in both
  std::uint8_t tcpFlags = 0;
  bool echoRequest = false;  // ICMP echo request (only those start a session from inside)
  // IcmpError: the embedded packet's 5-tuple (as it was sent: src is who
  // sent it) and its offset in the packet.
  Proto innerProto = Proto::Udp;
  Ipv4Addr innerSrc, innerDst;
  std::uint16_t innerSrcPort = 0, innerDstPort = 0;
  std::uint16_t innerOffset = 0;
};

Classified classify(std::span<const std::uint8_t> ip);

// Sets the source (or destination) address and port of a TCP or UDP packet
// or the address and identifier of an ICMP echo; fixes the IPv4 and L4
// checksums (a UDP checksum of 0, "none", stays 0). A first fragment's
// L4 checksum is fixed the same way: it covers the whole datagram, and the
// change is the same.
void rewrite(std::span<std::uint8_t> ip, bool source, const Ipv4Addr& addr, std::uint16_t port);

// An ICMP error's outer destination (out2in) or source (in2out) becomes
// `outerAddr`; the embedded packet's source (out2in: it was ours, sent from
// the external address) or destination (in2out) becomes addr:port; the
// embedded IPv4 checksum, its L4 checksum when it is within the quoted
// bytes, and the ICMP checksum are fixed.
void rewriteIcmpError(std::span<std::uint8_t> ip, const Classified& c, bool outbound, const Ipv4Addr& outerAddr,
                      const Ipv4Addr& addr, std::uint16_t port);

}  // namespace hnv::nat
