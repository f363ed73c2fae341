#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::overlay {

// l2-flood: broadcast and multicast of a VSID. From a VM: one copy to each
// other local VM port of the VSID and one NVGRE copy per remote PA hosting
// the VSID, never one per VM (or a single copy to the VSID's PA multicast
// group when it has one). From the overlay: one copy to each local VM port.
struct L2FloodNode {
  static constexpr std::string_view kName = "l2-flood";
  enum class Next : std::uint16_t { Drop = 0, Tx, Encap };
  static constexpr std::array<std::string_view, 3> kNextNames{"drop", "vm-output", "nvgre-encap"};
  enum class Error : std::uint16_t { NoMembers, NoBuffer };
  static constexpr std::array<std::string_view, 2> kErrorNames{"no-members", "no-buffer"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::overlay
