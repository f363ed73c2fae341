#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::nodes {

// icmp6-local: answers ICMPv6 echo requests to the node's addresses and
// neighbour solicitations for them (RFC 4861 7.2.4, DAD included: a
// solicitation from :: gets an advertisement to all-nodes). Everything else
// addressed to the node is counted and dropped.
struct Icmp6LocalNode {
  static constexpr std::string_view kName = "icmp6-local";
  static constexpr std::uint8_t kEchoHopLimit = 64;
  enum class Next : std::uint16_t { Drop = 0, Tx };
  static constexpr std::array<std::string_view, 2> kNextNames{"drop", "port-tx"};
  enum class Error : std::uint16_t { Malformed, BadChecksum, InvalidNd, NotOurTarget, EchoToMulticast, UnsupportedType };
  static constexpr std::array<std::string_view, 6> kErrorNames{"malformed",      "bad-checksum",      "invalid-nd",
                                                               "not-our-target", "echo-to-multicast", "unsupported-type"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nodes
