#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::nodes {

// ip6-lookup: an IPv6 packet of a tenant (meta tenant and l3Offset set),
// from its virtual network (nvgre-input, addressed to the gateway), from an
// external interface with an IPv6 address (eth-input) or out of a
// site-to-site tunnel (esp-input). Looks the destination up in the IPv6
// table of the tenant's VRF (fib::TenantTables) and sends it on by the
// route's target: into the virtual network (overlay-output, the customer
// address to look up in the scratch next hop), out of an external interface
// (iface-output, the next hop in the scratch words, txPort and vlan) or into
// a tunnel (esp-encrypt, the tunnel index in the first scratch word). The
// hop limit is decremented on the way through and the MSS of TCP SYNs is
// clamped to what the path carries (the node's tenant MSS less the 20 bytes
// IPv6's header is longer; an external interface's MTU less 60).
// A packet to one of the gateway's VPN endpoints (a VpnLocal route) goes
// to esp-input. Neighbour discovery from an external interface, and an echo request
// there to the gateway's own address on it, go to icmp6-local. Otherwise
// only global unicast is routed: multicast, unspecified, loopback and
// link-local destinations (RFC 4291 2.5.6: never forwarded) are dropped
// (not-unicast), as are such sources; a jumbogram (payload length 0) is
// malformed. The gateway's IPv6 gateway addresses in the virtual network
// answer nothing (an echo to one is routed like any packet, into the
// overlay, where no record holds it); other packets to its own addresses
// are local-unsupported. NAT44 is IPv4 only: a route into it is counted
// (unsupported-target). No route and an expiring hop limit are counted
// (no-route, hop-limit-exceeded) and answered with ICMPv6 "destination
// unreachable (no route)" and "time exceeded" through icmp6-error, when the
// tenant has an address to send them from (fib::Vrf::icmpSource6).
struct Ip6LookupNode {
  static constexpr std::string_view kName = "ip6-lookup";
  enum class Next : std::uint16_t { Drop = 0, Overlay, EspEncrypt, IcmpError, Interface, Local, EspInput };
  static constexpr std::array<std::string_view, 7> kNextNames{
      "drop", "overlay-output", "esp-encrypt", "icmp6-error", "iface-output", "icmp6-local", "esp-input"};
  enum class Error : std::uint16_t {
    Malformed,
    NotUnicast,
    NoVrf,
    NoRoute,
    HopLimitExceeded,
    UnsupportedTarget,
    LocalUnsupported
  };
  static constexpr std::array<std::string_view, 7> kErrorNames{
      "malformed",          "not-unicast",        "no-vrf",           "no-route",
      "hop-limit-exceeded", "unsupported-target", "local-unsupported"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nodes
