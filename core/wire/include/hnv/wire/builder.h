// A fluent packet builder for tests, benchmarks and diagnostics (not for the
// fast path: it allocates). Layers are added outermost first; modifiers such
// as ttl() or vlan() apply to the layer added just before them. build()
// computes every length, EtherType, protocol number and checksum:
//
//   auto frame = PacketBuilder()
//                    .eth(paMac, routerMac).vlan(100)
//                    .ipv4(pa1, pa2).df()
//                    .nvgre(vsid, 7)
//                    .eth(caMac1, caMac2)
//                    .ipv4(ca1, ca2).ttl(64)
//                    .udp(1000, 2000).payload(bytes)
//                    .build();
//
// EtherTypes and IP protocols are inferred from the next layer (253 for IPv4
// and 59 for IPv6 when nothing recognizable follows) unless etherType() or
// protocol() set them. The layers after an ICMP error are its quoted
// datagram. An IPv6 header directly followed by ND gets hop limit 255 unless
// ttl() set one. Misuse (a modifier after the wrong layer, a packet longer
// than 65535 bytes) is a bug in the calling test: it prints the problem and
// aborts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/base/vsid.h"
#include "hnv/wire/nd.h"

namespace hnv::wire {

namespace detail {
struct Layer;
}  // namespace detail

class PacketBuilder {
 public:
  PacketBuilder();
  ~PacketBuilder();
  PacketBuilder(const PacketBuilder& other);
  PacketBuilder& operator=(const PacketBuilder& other);
  PacketBuilder(PacketBuilder&& other) noexcept;
  PacketBuilder& operator=(PacketBuilder&& other) noexcept;

  // Ethernet.
  PacketBuilder& eth(const MacAddr& src, const MacAddr& dst);
  PacketBuilder& vlan(std::uint16_t vid, std::uint8_t pcp = 0);
  // EtherType of the last Ethernet or GRE layer.
  PacketBuilder& etherType(std::uint16_t type);

  // ARP.
  PacketBuilder& arpRequest(const MacAddr& sha, Ipv4Addr spa, Ipv4Addr tpa);
  PacketBuilder& arpReply(const MacAddr& sha, Ipv4Addr spa, const MacAddr& tha, Ipv4Addr tpa);

  // IP. ttl(), tos() and protocol() apply to the last IPv4 or IPv6 header
  // (hop limit, traffic class and next header for IPv6).
  PacketBuilder& ipv4(Ipv4Addr src, Ipv4Addr dst);
  PacketBuilder& ipv6(const Ipv6Addr& src, const Ipv6Addr& dst);
  PacketBuilder& ttl(std::uint8_t ttl);
  PacketBuilder& tos(std::uint8_t tos);
  PacketBuilder& protocol(std::uint8_t protocol);
  PacketBuilder& df(bool set = true);
  PacketBuilder& ipId(std::uint16_t id);
  PacketBuilder& fragment(std::uint16_t offsetUnits, bool more);
  // Options bytes of the last IPv4 header (a multiple of 4, at most 40).
  PacketBuilder& ipv4Options(std::span<const std::uint8_t> options);
  PacketBuilder& flowLabel(std::uint32_t label);
  // An 8-byte hop-by-hop, routing or destination options header (padding
  // only), or a 12-byte AH header with no ICV.
  PacketBuilder& ipv6ExtHeader(std::uint8_t type);
  PacketBuilder& ipv6Fragment(std::uint16_t offsetUnits, bool more, std::uint32_t id);

  // ICMP and ICMPv6.
  PacketBuilder& icmpEchoRequest(std::uint16_t id, std::uint16_t seq);
  PacketBuilder& icmpEchoReply(std::uint16_t id, std::uint16_t seq);
  PacketBuilder& icmpError(std::uint8_t type, std::uint8_t code, std::uint32_t restOfHeader = 0);
  PacketBuilder& icmpv6EchoRequest(std::uint16_t id, std::uint16_t seq);
  PacketBuilder& icmpv6EchoReply(std::uint16_t id, std::uint16_t seq);
  PacketBuilder& icmpv6Error(std::uint8_t type, std::uint8_t code, std::uint32_t word = 0);
  PacketBuilder& routerSolicitation(std::optional<MacAddr> sourceLinkLayer = std::nullopt);
  PacketBuilder& neighborSolicitation(const Ipv6Addr& target, std::optional<MacAddr> sourceLinkLayer = std::nullopt);
  PacketBuilder& neighborAdvertisement(NaFlags flags, const Ipv6Addr& target,
                                       std::optional<MacAddr> targetLinkLayer = std::nullopt);

  // Transport.
  PacketBuilder& udp(std::uint16_t srcPort, std::uint16_t dstPort);
  PacketBuilder& tcp(std::uint16_t srcPort, std::uint16_t dstPort);
  PacketBuilder& tcpFlags(std::uint8_t flags);
  PacketBuilder& tcpSeq(std::uint32_t seq);
  PacketBuilder& tcpAck(std::uint32_t ack);
  PacketBuilder& mss(std::uint16_t mss);

  // Tunnels and IPsec.
  PacketBuilder& gre();
  PacketBuilder& greKey(std::uint32_t key);
  PacketBuilder& greSequence(std::uint32_t sequence);
  PacketBuilder& greChecksum();
  PacketBuilder& nvgre(Vsid vsid, std::uint8_t flowId);
  PacketBuilder& esp(std::uint32_t spi, std::uint32_t sequence);

  // Raw bytes.
  PacketBuilder& payload(std::span<const std::uint8_t> bytes);
  PacketBuilder& payload(std::string_view text);
  PacketBuilder& payloadFill(std::size_t length, std::uint8_t fill);

  // Makes the checksum of the last layer wrong (after it was computed, before
  // the outer layers' checksums are), to test that receivers reject it.
  PacketBuilder& corruptChecksum();

  std::vector<std::uint8_t> build() const;

 private:
  detail::Layer& add(detail::Layer layer);
  std::vector<detail::Layer> layers_;
};

}  // namespace hnv::wire
