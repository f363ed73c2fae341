#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::overlay {

// overlay-output: a tenant IP packet routed by the gateway into the tenant's
// virtual network (ip4-lookup, ip6-lookup; meta tenant, l3Offset, the customer address
// to reach in the scratch next hop). The CA's record in the tenant's
// routing domain gives the VSID, the VM's MAC and its PA; the packet gets an
// inner Ethernet header from the gateway's MAC in that VSID (its
// GatewayWildcard, which the receiving host's validation expects) to the
// VM's MAC, and goes to nvgre-encap toward the PA.
struct OverlayOutputNode {
  static constexpr std::string_view kName = "overlay-output";
  enum class Next : std::uint16_t { Drop = 0, Encap };
  static constexpr std::array<std::string_view, 2> kNextNames{"drop", "nvgre-encap"};
  enum class Error : std::uint16_t { NoRecord, NotGatewayOfVsid, NoHeadroom, LocalPa };
  static constexpr std::array<std::string_view, 4> kErrorNames{"no-record", "not-gateway-of-vsid", "no-headroom",
                                                               "record-on-own-pa"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::overlay
