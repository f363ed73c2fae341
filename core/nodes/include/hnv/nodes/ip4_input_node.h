#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::nodes {

// ip4-input: validates the IPv4 header (version, lengths, checksum) and
// delivers packets addressed to the node's own addresses by protocol: ICMP to
// icmp4-local, GRE to nvgre-input. Forwarding arrives with the tenant VRFs.
struct Ip4InputNode {
  static constexpr std::string_view kName = "ip4-input";
  enum class Next : std::uint16_t { Drop = 0, Icmp, Gre };
  static constexpr std::array<std::string_view, 3> kNextNames{"drop", "icmp4-local", "nvgre-input"};
  enum class Error : std::uint16_t { Malformed, BadChecksum, NotLocal, Fragment, UnknownProtocol };
  static constexpr std::array<std::string_view, 5> kErrorNames{"malformed", "bad-checksum", "not-local",
                                                               "fragment", "unknown-protocol"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nodes
