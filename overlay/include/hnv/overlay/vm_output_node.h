#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::overlay {

// vm-output: every customer frame forwarded to a local VM port (meta txPort
// set): from vm-input (the same host), nvgre-input (decapsulated) and
// l2-flood's local copies. (The host's own answers, arp-proxy, nd-proxy and
// vm-icmp-error, go to port-tx directly.) It takes out the echo reply of a running CA
// connectivity test (punt to the CaTester) and sends a copy of a DHCP reply
// to a VM whose MAC learns its addresses (an L2Only record) to the Learner,
// which learns the address of a DHCPACK (spec section 3). Then port-tx.
struct VmOutputNode {
  static constexpr std::string_view kName = "vm-output";
  enum class Next : std::uint16_t { Drop = 0, Tx, Punt };
  static constexpr std::array<std::string_view, 3> kNextNames{"drop", "port-tx", "punt"};
  enum class Error : std::uint16_t { NotAVmPort, ExtensionDrop };
  static constexpr std::array<std::string_view, 2> kErrorNames{"not-a-vm-port", "extension-drop"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::overlay
