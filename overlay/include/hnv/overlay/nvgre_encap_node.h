#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::overlay {

// nvgre-encap: wraps a customer frame (meta.vsid, destination PA in the
// scratch words, fib::setNextHop) in outer Ethernet, IP of the PA's family
// (IPv4 with DF set; IPv6 with the inner flow's hash as flow label, RFC 6438)
// and GRE with key VSID << 8 | FlowID (RFC 7637); FlowID and the egress
// uplink come from the inner flow hash, so flows spread over every uplink on
// the destination's subnet (teaming); the outer source is the PA of the
// sending VM's record (a record PA of the other family than the destination
// PA cannot be carried: pa-family-mismatch). DSCP is copied to the outer
// header and ECN set per RFC 6040 as configured. A frame that would exceed the uplink MTU is never
// fragmented: it is counted (too-big) and its sender told the MTU that fits,
// a VM of this host by vm-icmp-error, a tenant packet routed by the gateway
// (IPv4 with DF) by icmp4-error, IPv6 by icmp6-error ("packet too big");
// anything else is dropped. Without a known underlay neighbour the frame goes to
// the control thread's resolver (punt), which sends it once resolved.
// Offloads in software: a TSO frame from a VM (RTE_MBUF_F_TX_TCP_SEG, up to
// 64 KB, chained) is cut into segments that fit the uplink after
// encapsulation, each with full outer headers; inner checksums left to the
// NIC (RTE_MBUF_F_TX_*_CKSUM) are computed.
struct NvgreEncapNode {
  static constexpr std::string_view kName = "nvgre-encap";
  enum class Next : std::uint16_t { Drop = 0, Tx, Punt, VmError, GatewayError, GatewayError6 };
  static constexpr std::array<std::string_view, 6> kNextNames{"drop",          "port-tx",     "punt",
                                                              "vm-icmp-error", "icmp4-error", "icmp6-error"};
  enum class Error : std::uint16_t {
    NoUnderlayRoute,
    TooBig,
    NoHeadroom,
    NoNeighbor,
    BadOffload,
    NoBuffer,
    ExtensionDrop,
    PaFamilyMismatch
  };
  static constexpr std::array<std::string_view, 8> kErrorNames{"no-underlay-route", "too-big",           "no-headroom",
                                                               "no-neighbor",       "bad-offload",       "no-buffer",
                                                               "extension-drop",    "pa-family-mismatch"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::overlay
