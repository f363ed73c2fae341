#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::nodes {

// eth-input: parses the Ethernet header (one outer 802.1Q tag allowed), keeps
// frames addressed to the port's MAC, broadcast or multicast, and sends them
// on by EtherType.
struct EthInputNode {
  static constexpr std::string_view kName = "eth-input";
  enum class Next : std::uint16_t { Drop = 0, Arp, Ip4, Ip6 };
  static constexpr std::array<std::string_view, 4> kNextNames{"drop", "arp-input", "ip4-input", "ip6-input"};
  enum class Error : std::uint16_t { Malformed, NotForUs, UnknownEtherType, VlanNotConfigured };
  static constexpr std::array<std::string_view, 4> kErrorNames{"malformed", "not-for-us", "unknown-ethertype",
                                                               "vlan-not-configured"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nodes
