#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::nodes {

// ip4-lookup: an IPv4 packet of a tenant (meta tenant and l3Offset set), from
// its virtual network (nvgre-input, addressed to the gateway) or from one of
// its external interfaces (eth-input). Validates the header like ip4-input,
// looks the destination up in the tenant's VRF (fib::TenantTables) and
// sends it on by the route's target: into the virtual network
// (overlay-output, the customer address to look up in the scratch next
// hop), out of an external interface (iface-output, the neighbour's address
// in the scratch next hop), or to the gateway itself (icmp4-local, for
// echo requests that came in on an external interface), or through NAT44:
// a tenant's route "nat" to nat44-in2out, an external address in an outside
// routing domain to nat44-out2in (both come back here in the other domain;
// the TTL is decremented once, on that second pass), or through IPsec: a
// route into a tunnel to esp-encrypt (after the TTL; the tunnel index in
// the first scratch word), a VPN endpoint of the gateway in an outside
// domain to esp-input (both come back here too). Only unicast is
// routed: broadcast, multicast and class E destinations are dropped
// (not-unicast). The TTL is decremented on
// the way through, and the MSS of TCP SYNs is clamped to what the overlay
// (and the outgoing interface) carries. No route and an expiring TTL are
// counted and answered with ICMP (icmp4-error) from the tenant's gateway
// address, when the tenant has one.
struct Ip4LookupNode {
  static constexpr std::string_view kName = "ip4-lookup";
  enum class Next : std::uint16_t {
    Drop = 0, Overlay, Interface, Local, IcmpError, NatIn2Out, NatOut2In, EspEncrypt, EspInput
  };
  static constexpr std::array<std::string_view, 9> kNextNames{
      "drop",         "overlay-output", "iface-output", "icmp4-local", "icmp4-error", "nat44-in2out", "nat44-out2in",
      "esp-encrypt", "esp-input"};
  enum class Error : std::uint16_t {
    Malformed,
    BadChecksum,
    NotUnicast,
    NoVrf,
    NoRoute,
    TtlExpired,
    LocalUnsupported,
    NatLoop
  };
  static constexpr std::array<std::string_view, 8> kErrorNames{
      "malformed", "bad-checksum", "not-unicast", "no-vrf", "no-route", "ttl-expired", "local-unsupported", "nat-loop"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nodes
