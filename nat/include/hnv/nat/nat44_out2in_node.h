#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::nat {

// nat44-out2in: an IPv4 packet in an outside routing domain addressed to
// a NAT external address (ip4-lookup's NatExternal route). Finds its
// session, or creates one from a mapping the tenant's filtering opens to
// this remote or from a static mapping, rewrites the destination address
// and port, and sends it to ip4-lookup in the tenant's routing domain,
// marked translated (once: a packet translated out2in before is dropped).
// An ICMP error about a packet we translated goes to the inside sender
// with the quoted packet's source translated back.
struct Nat44Out2InNode {
  static constexpr std::string_view kName = "nat44-out2in";
  enum class Next : std::uint16_t { Drop = 0, Lookup };
  static constexpr std::array<std::string_view, 2> kNextNames{"drop", "ip4-lookup"};
  enum class Error : std::uint16_t {
    NoInstance, NoMapping, Filtered, QuotaExceeded, TableFull, Fragment, Unsupported, Malformed, Loop
  };
  static constexpr std::array<std::string_view, 9> kErrorNames{
      "no-instance", "no-mapping", "filtered", "quota-exceeded", "table-full", "fragment", "unsupported", "malformed",
      "loop"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nat
