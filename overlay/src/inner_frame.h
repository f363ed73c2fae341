// What the overlay nodes read from a customer (inner) Ethernet frame: the IP
// source and destination, the transport ports and the traffic class, and the
// flow hash that picks the FlowID and the uplink. Private to the overlay.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"

namespace hnv::overlay {

struct InnerView {
  std::uint16_t etherType = 0;
  std::optional<IpAddr> src;  // IPv4/IPv6 source, or the ARP sender address
  std::optional<IpAddr> dst;
  std::uint8_t protocol = 0;
  std::uint16_t srcPort = 0, dstPort = 0;
  bool ip = false;           // an IPv4 or IPv6 header follows the Ethernet header
  std::uint8_t trafficClass = 0;  // IPv4 TOS or IPv6 traffic class (DSCP and ECN)
};

// `frame` starts with an untagged Ethernet header (callers drop tagged ones).
// Fields that do not fit are left unset; it never reads past the span.
InnerView viewInner(std::span<const std::uint8_t> frame);

// Hash of the inner 5-tuple (the MAC addresses when there is no IP header).
std::uint32_t flowHash(const InnerView& v, std::span<const std::uint8_t> frame);

// RFC 6040 section 4.2 on the inner IP header at `l3` of `frame`, given the
// outer ECN field. False: the packet must be dropped (CE outer, Not-ECT inner).
bool decapEcn(std::span<std::uint8_t> frame, std::size_t l3, std::uint8_t outerEcn);

// The Ethernet group address of an IP multicast group (RFC 1112, RFC 2464).
MacAddr multicastMac(const IpAddr& group);

}  // namespace hnv::overlay
