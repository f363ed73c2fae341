#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::overlay {

// vm-icmp-error: a VM's frame that does not fit the underlay after
// encapsulation (from nvgre-encap, the inner MTU in the scratch words,
// reportedMtu). The VM learns the path MTU the way it would from a router
// (spec section 6, pain point 1: guests keep 1500): IPv4 with DF gets
// "fragmentation needed" (RFC 1191), IPv6 "packet too big" (RFC 8201), both
// from the VSID's distributed router (its address and MAC) out of the VM's
// own port. IPv4 without DF is dropped (the overlay never fragments). At most
// kPerSecond errors a second per worker (bursts of kBurst).
struct VmIcmpErrorNode {
  static constexpr std::string_view kName = "vm-icmp-error";
  static constexpr double kPerSecond = 1000;
  static constexpr double kBurst = 100;
  enum class Next : std::uint16_t { Drop = 0, Tx };
  static constexpr std::array<std::string_view, 2> kNextNames{"drop", "port-tx"};
  enum class Error : std::uint16_t {
    NotDf, NotIp, NoRouterAddress, Malformed, AboutIcmpError, NotFirstFragment, BadSource, NotUnicast, RateLimited
  };
  static constexpr std::array<std::string_view, 9> kErrorNames{
      "ipv4-without-df", "not-ip",     "no-router-address", "malformed",   "about-icmp-error", "not-first-fragment",
      "bad-source",      "not-unicast", "rate-limited"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::overlay
