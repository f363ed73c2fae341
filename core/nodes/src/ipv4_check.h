// What every node that takes in an IPv4 packet checks first (ip4-input for
// the node's own addresses, ip4-lookup for tenants): the header parses and
// its checksum holds. Private to the generic nodes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "hnv/wire/ipv4.h"

namespace hnv::nodes {

enum class Ipv4Check : std::uint8_t { Ok, Malformed, BadChecksum };

// The header of the IPv4 packet at the start of `l3` in `header`, or why not.
// `verifyChecksum` false: the graph verified it already and every node since
// kept it right (a packet NAT44 translated back into ip4-lookup).
inline Ipv4Check checkIpv4(std::span<const std::uint8_t> l3, std::optional<wire::Ipv4Header>& header,
                           bool verifyChecksum = true) {
  auto ip = wire::parseIpv4(l3);
  if (!ip) return Ipv4Check::Malformed;
  if (verifyChecksum && !wire::ipv4HeaderChecksumOk(l3)) return Ipv4Check::BadChecksum;
  header = *ip;
  return Ipv4Check::Ok;
}

}  // namespace hnv::nodes
