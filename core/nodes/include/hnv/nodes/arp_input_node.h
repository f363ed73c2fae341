#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::nodes {

// arp-input: answers ARP requests for the receiving port's own IPv4
// addresses, in place, and sends the reply out of the same port. Requests for
// any other address get no answer. ARP that teaches the neighbour resolver
// something (a reply to us, a request for one of our addresses from a sender
// not yet known, a known sender with a new MAC) goes to the control thread
// ("punt"); a request we answer is copied there. For the underlay only on a
// port with provider addresses and from a sender on one of their subnets.
struct ArpInputNode {
  static constexpr std::string_view kName = "arp-input";
  enum class Next : std::uint16_t { Drop = 0, Tx, Punt };
  static constexpr std::array<std::string_view, 3> kNextNames{"drop", "port-tx", "punt"};
  enum class Error : std::uint16_t { Malformed, NotOurAddress, ReplyIgnored };
  static constexpr std::array<std::string_view, 3> kErrorNames{"malformed", "not-our-address", "reply-ignored"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nodes
