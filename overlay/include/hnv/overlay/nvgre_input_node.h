#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::overlay {

// nvgre-input: GRE addressed to one of our provider addresses. Checks the
// NVGRE framing (RFC 7637: flags 0x2000, protocol 0x6558) and the VSID, drops
// inner 802.1Q frames, applies receive validation (VSID, inner source CA,
// inner source MAC, outer source PA must match a lookup record or the VSID's
// GatewayWildcard; each failure has its own counter), applies RFC 6040 ECN
// decapsulation, strips the outer headers and delivers the customer frame:
// unicast to the VM port with that MAC in that VSID (vm-output), broadcast
// and multicast to l2-flood. On the gateway of the VSID, IPv4 and IPv6
// frames to the gateway's MAC (its GatewayWildcard) are routed in the
// tenant's VRF (ip4-lookup, ip6-lookup); other EtherTypes are dropped.
struct NvgreInputNode {
  static constexpr std::string_view kName = "nvgre-input";
  enum class Next : std::uint16_t { Drop = 0, Deliver, Flood, Route, Route6 };
  static constexpr std::array<std::string_view, 5> kNextNames{"drop", "vm-output", "l2-flood", "ip4-lookup",
                                                              "ip6-lookup"};
  enum class Error : std::uint16_t {
    Truncated, NotNvgre, ReservedVsid, UnknownVsid, InnerVlan, InnerMalformed, NoMatchingRecord, WrongPa,
    EcnCeNotEct, NoLocalPort, GatewayUnsupported, ExtensionDrop
  };
  static constexpr std::array<std::string_view, 12> kErrorNames{
      "truncated", "not-nvgre", "reserved-vsid", "unknown-vsid",    "inner-vlan",
      "inner-malformed", "no-matching-record", "wrong-pa", "ecn-ce-not-ect", "no-local-port",
      "gateway-unsupported-ethertype", "extension-drop"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::overlay
