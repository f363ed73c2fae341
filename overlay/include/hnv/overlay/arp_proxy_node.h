#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::overlay {

// arp-proxy: answers a VM's ARP requests from policy, in place, out of the
// VM's port: the VSID's default gateway CA with the router MAC, a CA with a
// lookup record with the record's MAC. Unknown CAs get no answer and are
// never flooded. A probe (RFC 5227, sender 0.0.0.0) for a CA held by another
// VM is answered so that the prober sees the conflict; a VM's probe or
// announcement of its own CA is not. VMs' ARP replies are absorbed. ARP from a MAC with an L2Only record
// that names a CA policy does not give it is copied to the Learner (punt).
struct ArpProxyNode {
  static constexpr std::string_view kName = "arp-proxy";
  enum class Next : std::uint16_t { Drop = 0, Tx, Punt };
  static constexpr std::array<std::string_view, 3> kNextNames{"drop", "port-tx", "punt"};
  enum class Error : std::uint16_t { Malformed, UnknownTarget, OwnAddress, Announcement, ReplyAbsorbed };
  static constexpr std::array<std::string_view, 5> kErrorNames{"malformed", "unknown-target", "own-address",
                                                               "announcement", "reply-absorbed"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::overlay
