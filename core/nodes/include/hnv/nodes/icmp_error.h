// Building ICMP errors about a packet, in place in its mbuf: what icmp4-error
// (the gateway) and the overlay's vm-icmp-error (a host) share.
//
// The original packet starts at meta l3Offset. On success the mbuf holds
// [14 bytes for an Ethernet header, left for the caller][new IP header]
// [ICMP header][as much of the original as the limit allows], meta l3Offset
// is 14 and l4Offset points at the ICMP header. Whether an error may be sent
// at all (never about an ICMP error, a non-first fragment, or a packet from
// a group, broadcast or unspecified source, nor about a packet to a group or
// broadcast address: RFC 1812 4.3.2.7, RFC 4443 2.4)
// is answered by the check functions first. ErrorBucket limits the rate.
//
// Thread: any (workers); no state but the caller's bucket.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <span>

#include "hnv/base/ip.h"

namespace hnv::nodes {

enum class ErrorCheck : std::uint8_t { Ok, Malformed, AboutIcmpError, NotFirstFragment, BadSource, NotUnicast };

// A refusal of the check functions as the error of a node that sends ICMP
// errors (each names them alike: Malformed, AboutIcmpError,
// NotFirstFragment, BadSource, NotUnicast).
template <typename E>
constexpr E errorCheckAs(ErrorCheck c) {
  switch (c) {
    case ErrorCheck::AboutIcmpError:
      return E::AboutIcmpError;
    case ErrorCheck::NotFirstFragment:
      return E::NotFirstFragment;
    case ErrorCheck::BadSource:
      return E::BadSource;
    case ErrorCheck::NotUnicast:
      return E::NotUnicast;
    default:
      return E::Malformed;
  }
}

// About the IPv4 packet (and its payload) at the start of `l3`.
ErrorCheck checkIcmp4ErrorAllowed(std::span<const std::uint8_t> l3);
// About the IPv6 packet at the start of `l3`.
ErrorCheck checkIcmp6ErrorAllowed(std::span<const std::uint8_t> l3);

// ICMPv4 error (RFC 792): `word` is the 32-bit field after the checksum
// (RFC 1191: the next-hop MTU in its low 16 bits for "fragmentation needed").
// The error is at most 576 bytes (RFC 1812 4.3.2.3). False: no headroom.
bool buildIcmp4Error(rte_mbuf* m, std::uint8_t type, std::uint8_t code, std::uint32_t word, Ipv4Addr source);
// ICMPv6 error (RFC 4443), at most 1280 bytes, hop limit 255 toward the
// original source. False: no headroom.
bool buildIcmp6Error(rte_mbuf* m, std::uint8_t type, std::uint8_t code, std::uint32_t word, const Ipv6Addr& source);

// A token bucket per worker: `perSecond` errors a second, bursts of `burst`.
class ErrorBucket {
 public:
  ErrorBucket(double perSecond, double burst) : perSecond_(perSecond), burst_(burst), tokens_(burst) {}
  bool take();

 private:
  double perSecond_, burst_, tokens_;
  std::uint64_t last_ = 0;
};

}  // namespace hnv::nodes
