#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::nat {

// nat44-in2out: a tenant's IPv4 packet that its VRF routed to "nat"
// (ip4-lookup, meta tenant and l3Offset set, the packet exactly its IP
// length). Finds or creates its session in the worker's table (an
// endpoint-independent mapping to one of the tenant's external addresses),
// rewrites the source address and port (ICMP echo: identifier), and sends
// it back to ip4-lookup in the outside routing domain, marked translated.
// An ICMP error from inside about a packet that came in through NAT gets
// its outer source and the quoted packet's destination translated. Drops
// are counted per node and per tenant (no instance, quota, ports
// exhausted, table full, non-first fragments, unsupported protocols).
struct Nat44In2OutNode {
  static constexpr std::string_view kName = "nat44-in2out";
  enum class Next : std::uint16_t { Drop = 0, Lookup };
  static constexpr std::array<std::string_view, 2> kNextNames{"drop", "ip4-lookup"};
  enum class Error : std::uint16_t {
    NoInstance, NoSession, QuotaExceeded, PortsExhausted, TableFull, Fragment, Unsupported, Malformed
  };
  static constexpr std::array<std::string_view, 8> kErrorNames{
      "no-instance", "no-session", "quota-exceeded", "ports-exhausted", "table-full", "fragment", "unsupported",
      "malformed"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nat
