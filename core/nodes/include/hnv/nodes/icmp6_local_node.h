#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::nodes {

// icmp6-local: answers ICMPv6 echo requests to the node's addresses and
// neighbour solicitations for them (RFC 4861 7.2.4, DAD included: a
// solicitation from :: gets an advertisement to all-nodes). Neighbour
// discovery that teaches the underlay's resolver something is punted to it
// (NodesContext::ndPunt), as arp-input does with ARP, only on a port with
// IPv6 provider addresses and about an address on one of their subnets: an
// advertisement with the target's link-layer address, addressed to us (the
// answer to its solicitation) or changing a known neighbour (its MAC only
// with the override flag, RFC 4861 7.2.5), and a copy of a solicitation for
// our address whose sender is new or changed (7.2.3). Everything else addressed to
// the node is counted and dropped, except echo replies, which go to the PA
// ping (NodesContext::echoReplyPunt) when it is set.
// On a tenant's external interface (kMetaFlagExternal, from ip6-lookup) it
// does the same in the interface's scope: answers solicitations for the
// interface's IPv6 address and the tunnel endpoints on its network, and
// echo requests to them, with the interface's MAC and VLAN tag, and punts
// what teaches the resolver about the interface's network or a link-local
// neighbour (a router), marked with the interface (flag, tenant, vlan).
struct Icmp6LocalNode {
  static constexpr std::string_view kName = "icmp6-local";
  static constexpr std::uint8_t kEchoHopLimit = 64;
  enum class Next : std::uint16_t { Drop = 0, Tx, Punt };
  static constexpr std::array<std::string_view, 3> kNextNames{"drop", "port-tx", "punt"};
  enum class Error : std::uint16_t {
    Malformed,
    BadChecksum,
    InvalidNd,
    NotOurTarget,
    EchoToMulticast,
    UnsupportedType,
    AdvertisementIgnored,
    NoInterface
  };
  static constexpr std::array<std::string_view, 8> kErrorNames{
      "malformed",        "bad-checksum",          "invalid-nd",  "not-our-target", "echo-to-multicast",
      "unsupported-type", "advertisement-ignored", "no-interface"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::nodes
