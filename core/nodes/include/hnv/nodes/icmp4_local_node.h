#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::nodes {

// icmp4-local: answers ICMP echo requests addressed to the node, in place;
// echo replies go to the control thread (PA ping) when a punt kind is set.
struct Icmp4LocalNode {
  static constexpr std::string_view kName = "icmp4-local";
  static constexpr std::uint8_t kReplyTtl = 64;
  enum class Next : std::uint16_t { Drop = 0, Tx, Punt };
  static constexpr std::array<std::string_view, 3> kNextNames{"drop", "port-tx", "punt"};
  enum class Error : std::uint16_t { Malformed, BadChecksum, UnsupportedType };
  static constexpr std::array<std::string_view, 3> kErrorNames{"malformed", "bad-checksum", "unsupported-type"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nodes
