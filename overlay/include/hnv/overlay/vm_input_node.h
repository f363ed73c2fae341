#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::overlay {

// vm-input: every frame a VM sends. Finds the port's binding (VSID, MAC),
// drops 802.1Q-tagged frames, frames whose source MAC is not the VM's and,
// when the port has allowed CAs, IPv4, IPv6 and ARP frames whose source
// address is not among them (spoofed-source-ca), then: ARP to arp-proxy, neighbour solicitations to nd-proxy, broadcast and
// multicast to l2-flood, frames to the VSID's distributed-router MAC are
// routed inside the routing domain (or sent to the VSID's GatewayWildcard),
// and unicast goes out of a local VM port (vm-output) or into the overlay
// (nvgre-encap, the destination PA in the scratch words). A DHCP request of
// a VM that learns its addresses is copied to the Learner (punt), which
// pairs it with the server's DHCPACK.
struct VmInputNode {
  static constexpr std::string_view kName = "vm-input";
  enum class Next : std::uint16_t { Drop = 0, Deliver, Encap, ArpProxy, NdProxy, Flood, Punt };
  static constexpr std::array<std::string_view, 7> kNextNames{"drop",     "vm-output", "nvgre-encap", "arp-proxy",
                                                              "nd-proxy", "l2-flood",  "punt"};
  enum class Error : std::uint16_t {
    UnboundPort, UnknownVsid, Malformed, TaggedFrame, SpoofedSourceMac, UnknownDestination, Hairpin,
    NoRoute, TtlExpired, ToRouter, NotIp, SpoofedSourceCa, ExtensionDrop
  };
  static constexpr std::array<std::string_view, 13> kErrorNames{
      "unbound-port", "unknown-vsid", "malformed", "tagged-frame", "spoofed-source-mac", "unknown-destination",
      "hairpin",      "no-route",     "ttl-expired", "to-router",  "not-ip",     "spoofed-source-ca",
      "extension-drop"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::overlay
