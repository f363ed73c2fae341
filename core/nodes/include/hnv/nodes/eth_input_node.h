#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::nodes {

// eth-input: parses the Ethernet header (one outer 802.1Q tag allowed) and
// sorts frames by interface. A tagged frame, or an untagged one on a port
// dedicated to a tenant, belongs to the tenant external interface on that
// (port, VLAN): kept when addressed to the interface's MAC or a group,
// marked with the tenant (meta tenant, vlan, kMetaFlagExternal), ARP to
// arp-input, IPv4 to ip4-lookup and, on an interface with an IPv6 address,
// IPv6 to ip6-lookup (group frames: ARP, and IPv6 multicast for neighbour
// discovery). Other untagged frames belong to the
// underlay: kept when addressed to the port's MAC, broadcast or multicast,
// and sent on by EtherType.
struct EthInputNode {
  static constexpr std::string_view kName = "eth-input";
  enum class Next : std::uint16_t { Drop = 0, Arp, Ip4, Ip6, TenantIp4, TenantIp6 };
  static constexpr std::array<std::string_view, 6> kNextNames{"drop",      "arp-input",  "ip4-input",
                                                              "ip6-input", "ip4-lookup", "ip6-lookup"};
  enum class Error : std::uint16_t { Malformed, NotForUs, UnknownEtherType, VlanNotConfigured, TenantEtherType };
  static constexpr std::array<std::string_view, 5> kErrorNames{"malformed", "not-for-us", "unknown-ethertype",
                                                               "vlan-not-configured", "tenant-unsupported-ethertype"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nodes
