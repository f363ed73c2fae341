#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::overlay {

// nd-proxy: answers a VM's neighbour solicitations (RFC 4861) from policy,
// as arp-proxy does for ARP: the default gateway (Router flag set) and CAs
// with a lookup record; silence for unknown targets. Duplicate address
// detection (source ::) for a CA held by another VM is answered to all-nodes
// (RFC 4862 5.4.3); for the VM's own CA it is not. DAD from a MAC with an
// L2Only record for a CA policy does not give it is copied to the Learner.
struct NdProxyNode {
  static constexpr std::string_view kName = "nd-proxy";
  enum class Next : std::uint16_t { Drop = 0, Tx, Punt };
  static constexpr std::array<std::string_view, 3> kNextNames{"drop", "port-tx", "punt"};
  enum class Error : std::uint16_t { Malformed, UnknownTarget, OwnAddress, NoBuffer };
  static constexpr std::array<std::string_view, 4> kErrorNames{"malformed", "unknown-target", "own-address",
                                                               "no-buffer"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::overlay
