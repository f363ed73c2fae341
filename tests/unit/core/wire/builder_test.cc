#include "hnv/wire/builder.h"

#include <gtest/gtest.h>

#include "hnv/wire/arp.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/esp.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/icmpv6.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nd.h"
#include "hnv/wire/udp.h"
#include "wire_test_util.h"

namespace hnv::wire {
namespace {

using test::Bytes;
using test::ip4;
using test::ip6;
using test::mac;

TEST(PacketBuilder, TaggedUdpExample) {
  const Bytes payload = {1, 2, 3, 4, 5};
  const Bytes frame = PacketBuilder()
                          .eth(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"))
                          .vlan(100)
                          .ipv4(ip4("10.0.0.1"), ip4("10.0.0.2"))
                          .ttl(17)
                          .df()
                          .udp(1000, 2000)
                          .payload(payload)
                          .build();
  ASSERT_EQ(frame.size(), 18u + 20 + 8 + 5);
  auto eth = parseEthernet(frame);
  ASSERT_TRUE(eth.ok());
  EXPECT_EQ(eth->src, mac("02:00:00:00:00:01"));
  EXPECT_EQ(eth->dst, mac("02:00:00:00:00:02"));
  EXPECT_EQ(eth->vlanId(), 100);
  EXPECT_EQ(eth->etherType, kEtherTypeIpv4);
  const auto l3 = std::span<const std::uint8_t>(frame).subspan(eth->headerLength);
  auto ip = parseIpv4(l3);
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->totalLength, 33);
  EXPECT_EQ(ip->ttl, 17);
  EXPECT_TRUE(ip->df);
  EXPECT_EQ(ip->protocol, kIpProtoUdp);
  EXPECT_TRUE(ipv4HeaderChecksumOk(l3));
  auto udp = parseUdp(ip->payload);
  ASSERT_TRUE(udp.ok());
  EXPECT_EQ(udp->srcPort, 1000);
  EXPECT_EQ(udp->dstPort, 2000);
  EXPECT_EQ(udp->length, 13);
  EXPECT_EQ(test::toBytes(udp->payload), payload);
  EXPECT_TRUE(udpChecksumOk(ip->payload, ipv4PseudoHeaderSum(ip->src, ip->dst, kIpProtoUdp, 13)));
}

TEST(PacketBuilder, InfersProtocolsAndDefaults) {
  // Raw payload after IPv4: 253 (experimentation); after IPv6: 59 (no next header).
  // Parse results are views into the packet, so each packet is kept in a variable.
  const Bytes raw4 = PacketBuilder().ipv4(ip4("10.0.0.1"), ip4("10.0.0.2")).payload("abc").build();
  auto v4 = parseIpv4(raw4);
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->protocol, kIpProtoExperimental);
  EXPECT_EQ(v4->ttl, 64);
  const Bytes six = PacketBuilder().ipv6(ip6("::1"), ip6("::2")).build();
  auto v6 = parseIpv6(six);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->nextHeader, kIpProtoNoNext);
  EXPECT_EQ(v6->payloadLength, 0);
  // IP in IP, both ways.
  const Bytes v6in4 = PacketBuilder().ipv4(ip4("10.0.0.1"), ip4("10.0.0.2")).ipv6(ip6("::1"), ip6("::2")).build();
  auto outer = parseIpv4(v6in4);
  ASSERT_TRUE(outer.ok());
  EXPECT_EQ(outer->protocol, kIpProtoIpv6);
  const Bytes v4in6 = PacketBuilder().ipv6(ip6("::1"), ip6("::2")).ipv4(ip4("10.0.0.1"), ip4("10.0.0.2")).build();
  auto outer6 = parseIpv6(v4in6);
  ASSERT_TRUE(outer6.ok());
  EXPECT_EQ(outer6->nextHeader, kIpProtoIpv4);
  // Explicit values win.
  const Bytes forcedRaw = PacketBuilder().ipv4(ip4("10.0.0.1"), ip4("10.0.0.2")).protocol(99).udp(1, 2).build();
  auto forced = parseIpv4(forcedRaw);
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->protocol, 99);
}

TEST(PacketBuilder, NeighborDiscoveryGetsHopLimit255) {
  const Bytes ns = PacketBuilder()
                       .ipv6(ip6("fe80::1"), ip6("ff02::1:ff00:2"))
                       .neighborSolicitation(ip6("2001:db8::2"), mac("02:00:00:00:00:01"))
                       .build();
  auto ip = parseIpv6(ns);
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->hopLimit, 255);
  EXPECT_TRUE(icmpv6ChecksumOk(ip->src, ip->dst, ip->payload));
  auto parsed = parseNeighborSolicitation(ip->payload);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->sourceLinkLayer, mac("02:00:00:00:00:01"));
  // An explicit hop limit is kept, so tests can build invalid ND packets.
  const Bytes low = PacketBuilder()
                        .ipv6(ip6("fe80::1"), ip6("ff02::1"))
                        .ttl(64)
                        .neighborAdvertisement(NaFlags{}, ip6("fe80::1"))
                        .build();
  EXPECT_EQ(parseIpv6(low)->hopLimit, 64);
}

TEST(PacketBuilder, ArpInVlan) {
  const Bytes frame = PacketBuilder()
                          .eth(mac("02:00:00:00:00:01"), MacAddr::broadcast())
                          .vlan(4094, 7)
                          .arpRequest(mac("02:00:00:00:00:01"), ip4("10.0.0.1"), ip4("10.0.0.9"))
                          .build();
  auto eth = parseEthernet(frame);
  ASSERT_TRUE(eth.ok());
  EXPECT_EQ(eth->vlanId(), 4094);
  EXPECT_EQ(eth->vlanPcp(), 7);
  EXPECT_EQ(eth->etherType, kEtherTypeArp);
  auto arp = parseArp(std::span(frame).subspan(18));
  ASSERT_TRUE(arp.ok());
  EXPECT_EQ(arp->tpa, ip4("10.0.0.9"));
}

TEST(PacketBuilder, EspOverNatTraversal) {
  const Bytes packet = PacketBuilder()
                           .ipv4(ip4("203.0.113.1"), ip4("203.0.113.2"))
                           .udp(kUdpPortIkeNatT, kUdpPortIkeNatT)
                           .esp(0x1000, 1)
                           .payloadFill(32, 0xcc)
                           .build();
  auto ip = parseIpv4(packet);
  ASSERT_TRUE(ip.ok());
  auto udp = parseUdp(ip->payload);
  ASSERT_TRUE(udp.ok());
  EXPECT_EQ(udp->length, 8 + 8 + 32);
  auto esp = parseEsp(udp->payload);
  ASSERT_TRUE(esp.ok());
  EXPECT_EQ(esp->spi, 0x1000u);
  EXPECT_EQ(esp->payload.size(), 32u);
}

TEST(PacketBuilder, IcmpEchoBothFamilies) {
  const Bytes four =
      PacketBuilder().ipv4(ip4("10.0.0.1"), ip4("10.0.0.2")).icmpEchoReply(9, 10).payload("ping").build();
  auto v4 = parseIpv4(four);
  ASSERT_TRUE(v4.ok());
  auto icmp = parseIcmp(v4->payload);
  ASSERT_TRUE(icmp.ok());
  EXPECT_EQ(icmp->type, kIcmpEchoReply);
  EXPECT_EQ(icmp->identifier(), 9);
  EXPECT_EQ(icmp->sequence(), 10);
  EXPECT_TRUE(icmpChecksumOk(v4->payload));
  const Bytes six = PacketBuilder().ipv6(ip6("2001:db8::1"), ip6("2001:db8::2")).icmpv6EchoRequest(3, 4).build();
  auto v6 = parseIpv6(six);
  ASSERT_TRUE(v6.ok());
  auto icmpv6 = parseIcmpv6(v6->payload);
  ASSERT_TRUE(icmpv6.ok());
  EXPECT_EQ(icmpv6->type, kIcmpv6EchoRequest);
  EXPECT_EQ(icmpv6->identifier(), 3);
  EXPECT_TRUE(icmpv6ChecksumOk(v6->src, v6->dst, v6->payload));
}

TEST(PacketBuilder, IsAValue) {
  PacketBuilder base;
  base.ipv4(ip4("10.0.0.1"), ip4("10.0.0.2"));
  PacketBuilder copy = base;
  copy.udp(1, 2);
  base.tcp(3, 4);
  EXPECT_EQ(parseIpv4(copy.build())->protocol, kIpProtoUdp);
  EXPECT_EQ(parseIpv4(base.build())->protocol, kIpProtoTcp);
  PacketBuilder moved = std::move(copy);
  EXPECT_EQ(moved.build().size(), 28u);
  EXPECT_TRUE(PacketBuilder().build().empty());
}

TEST(PacketBuilderDeathTest, MisuseAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(PacketBuilder().ttl(3), "ttl\\(\\) must follow");
  EXPECT_DEATH(PacketBuilder().udp(1, 2).vlan(3), "vlan\\(\\) must follow");
  EXPECT_DEATH(PacketBuilder().eth(MacAddr(), MacAddr()).vlan(4096), "12 bits");
  EXPECT_DEATH(PacketBuilder().eth(MacAddr(), MacAddr()).payload("x").build(), "EtherType");
  EXPECT_DEATH(PacketBuilder().ipv4(ip4("10.0.0.1"), ip4("10.0.0.2")).icmpv6EchoRequest(1, 1).build(), "inside ipv6");
  EXPECT_DEATH(PacketBuilder().payloadFill(70000, 0).build(), "65535");
  EXPECT_DEATH(PacketBuilder().udp(1, 2).payloadFill(65528, 0).build(), "65535");
  EXPECT_DEATH(PacketBuilder().esp(1, 1).corruptChecksum(), "checksum");
}

}  // namespace
}  // namespace hnv::wire
