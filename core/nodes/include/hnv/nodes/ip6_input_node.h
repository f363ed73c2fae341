#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::nodes {

// ip6-input: validates the IPv6 header, accepts packets for the node's own
// addresses, their solicited-node groups and all-nodes, and NVGRE to the
// PA multicast groups the node has joined (NodesContext::groups), skips
// extension headers safely and delivers by upper-layer protocol.
struct Ip6InputNode {
  static constexpr std::string_view kName = "ip6-input";
  enum class Next : std::uint16_t { Drop = 0, Icmp, Gre };
  static constexpr std::array<std::string_view, 3> kNextNames{"drop", "icmp6-local", "nvgre-input"};
  enum class Error : std::uint16_t { Malformed, NotLocal, Fragment, UnknownProtocol };
  static constexpr std::array<std::string_view, 4> kErrorNames{"malformed", "not-local", "fragment",
                                                               "unknown-protocol"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nodes
