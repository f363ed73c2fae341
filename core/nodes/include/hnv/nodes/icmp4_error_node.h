#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "hnv/base/ip.h"
#include "hnv/dp/packet.h"

namespace hnv::nodes {

// What a node asks icmp4-error for, in the packet's scratch words.
struct Icmp4ErrorRequest {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint16_t mtu = 0;  // next-hop MTU of "fragmentation needed" (type 3 code 4)
  std::uint32_t source = 0;  // the error's IPv4 source (host order); 0: the tenant's gateway address
};
static_assert(sizeof(Icmp4ErrorRequest) <= sizeof(dp::PacketMeta::scratch));

inline void requestIcmp4Error(dp::PacketMeta& pm, std::uint8_t type, std::uint8_t code, Ipv4Addr source,
                              std::uint16_t mtu = 0) {
  const Icmp4ErrorRequest r{type, code, mtu, source.host()};
  std::memcpy(pm.scratch, &r, sizeof r);
}

inline Icmp4ErrorRequest icmp4ErrorRequest(const dp::PacketMeta& pm) {
  Icmp4ErrorRequest r;
  std::memcpy(&r, pm.scratch, sizeof r);
  return r;
}

// icmp4-error: turns a tenant IPv4 packet that cannot be delivered (at meta
// l3Offset, the reason in the scratch words, icmp4ErrorRequest) into the
// ICMP error for its sender (RFC 792, RFC 1812 4.3.2): a new IPv4 header
// from the requested source to the packet's source, the ICMP header (with
// the next-hop MTU for "fragmentation needed", RFC 1191) and as much of the
// original packet as keeps the error within 576 bytes (nodes/icmp_error.h).
// The error is routed back in the tenant's VRF (ip4-lookup); its source is
// the requested one or, when 0, the tenant's gateway address. Never about an ICMP error, a
// non-first fragment or a packet from a group, broadcast or unspecified
// source; each worker sends at most kPerSecond errors a second, in bursts of
// up to kBurst (a token bucket), and counts the rest as rate-limited.
struct Icmp4ErrorNode {
  static constexpr std::string_view kName = "icmp4-error";
  static constexpr std::uint32_t kBurst = 100;
  static constexpr std::uint32_t kPerSecond = 1000;
  enum class Next : std::uint16_t { Drop = 0, Route };
  static constexpr std::array<std::string_view, 2> kNextNames{"drop", "ip4-lookup"};
  enum class Error : std::uint16_t {
    Malformed, AboutIcmpError, NotFirstFragment, BadSource, NotUnicast, NoSource, RateLimited
  };
  static constexpr std::array<std::string_view, 7> kErrorNames{
      "malformed", "about-icmp-error", "not-first-fragment", "bad-source", "not-unicast", "no-source", "rate-limited"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nodes
