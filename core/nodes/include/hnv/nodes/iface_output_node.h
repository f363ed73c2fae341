#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::nodes {

// iface-output: a tenant IPv4 or IPv6 packet leaving by one of the tenant's
// external interfaces (meta txPort and vlan name it; the next hop is in the
// scratch words). Checks the interface MTU (the gateway never fragments),
// writes the Ethernet header with the interface's MAC and VLAN tag and the
// neighbour's MAC; without a known neighbour the frame goes to the resolver
// (punt), which sends it once the neighbour answers. A packet too big for
// the interface is counted; an IPv4 one with DF set gets "fragmentation
// needed" with the interface's MTU (icmp4-error, RFC 1191), without DF it
// is dropped (the gateway does not fragment); an IPv6 one gets "packet too
// big" with the MTU (icmp6-error, RFC 8201), unless the gateway made it
// (translated: ESP it encrypted), which is only dropped.
struct IfaceOutputNode {
  static constexpr std::string_view kName = "iface-output";
  enum class Next : std::uint16_t { Drop = 0, Tx, Punt, IcmpError, Icmp6Error };
  static constexpr std::array<std::string_view, 5> kNextNames{"drop", "port-tx", "punt", "icmp4-error", "icmp6-error"};
  enum class Error : std::uint16_t { NoInterface, TooBig, NoHeadroom, NoNeighbor };
  static constexpr std::array<std::string_view, 4> kErrorNames{"no-interface", "too-big", "no-headroom",
                                                               "no-neighbor"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nodes
