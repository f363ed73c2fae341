#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "hnv/dp/packet.h"

namespace hnv::nodes {

// What a node asks icmp6-error for, in the packet's scratch words.
struct Icmp6ErrorRequest {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t word = 0;  // the field after the checksum: the MTU of "packet too big" (type 2)
};
static_assert(sizeof(Icmp6ErrorRequest) <= sizeof(dp::PacketMeta::scratch));

inline void requestIcmp6Error(dp::PacketMeta& pm, std::uint8_t type, std::uint8_t code, std::uint32_t word = 0) {
  const Icmp6ErrorRequest r{type, code, word};
  std::memcpy(pm.scratch, &r, sizeof r);
}

inline Icmp6ErrorRequest icmp6ErrorRequest(const dp::PacketMeta& pm) {
  Icmp6ErrorRequest r;
  std::memcpy(&r, pm.scratch, sizeof r);
  return r;
}

// icmp6-error: turns a tenant IPv6 packet the gateway cannot deliver (at
// meta l3Offset, the reason in the scratch words, icmp6ErrorRequest) into
// the ICMPv6 error for its sender (RFC 4443): from the tenant's IPv6 gateway
// address (its VRF's icmpSource6: the first IPv6 default gateway of its
// virtual subnets) to the packet's source, with as much of the packet as
// keeps the error within 1280 bytes (nodes/icmp_error.h), routed back in the
// tenant's VRF (ip6-lookup). Never about an ICMPv6 error, a non-first
// fragment, or a packet from a group or the unspecified address (RFC 4443
// 2.4; "packet too big" may answer a packet to a group, and ip6-lookup
// routes none, so not-unicast is not counted here); each worker sends at
// most kPerSecond errors a second, in bursts of up to kBurst, and counts the
// rest as rate-limited. A tenant without an IPv6 gateway address gets none
// (no-source: ip6-lookup itself only counts its drops then, nvgre-encap's
// "packet too big" is counted here).
//
// The source is one address per tenant: an error about a site's packet
// goes back into the tunnel only when the interface's localPrefixes hold
// it (the site checks its selectors), and a VM of another virtual subnet
// gets it from that first subnet's gateway address.
struct Icmp6ErrorNode {
  static constexpr std::string_view kName = "icmp6-error";
  static constexpr std::uint32_t kBurst = 100;
  static constexpr std::uint32_t kPerSecond = 1000;
  enum class Next : std::uint16_t { Drop = 0, Route };
  static constexpr std::array<std::string_view, 2> kNextNames{"drop", "ip6-lookup"};
  enum class Error : std::uint16_t {
    Malformed,
    AboutIcmpError,
    NotFirstFragment,
    BadSource,
    NotUnicast,
    NoSource,
    RateLimited
  };
  static constexpr std::array<std::string_view, 7> kErrorNames{
      "malformed", "about-icmp-error", "not-first-fragment", "bad-source", "not-unicast", "no-source", "rate-limited"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nodes
