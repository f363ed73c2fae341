#include "hnv/wire/summary.h"

#include <gtest/gtest.h>

#include "hnv/wire/builder.h"

namespace hnv::wire {
namespace {

const MacAddr kA = *MacAddr::parse("02:00:00:00:00:0a");
const MacAddr kB = *MacAddr::parse("02:00:00:00:00:0b");
const Ipv4Addr k1 = *Ipv4Addr::parse("192.0.2.1");
const Ipv4Addr k2 = *Ipv4Addr::parse("192.0.2.100");

TEST(Summary, ArpRequestAndReply) {
  EXPECT_EQ(summarizeFrame(PacketBuilder().eth(kA, MacAddr::broadcast()).arpRequest(kA, k2, k1).build()),
            "02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff arp who-has 192.0.2.1 tell 192.0.2.100");
  EXPECT_EQ(summarizeFrame(PacketBuilder().eth(kB, kA).arpReply(kB, k1, kA, k2).build()),
            "02:00:00:00:00:0b > 02:00:00:00:00:0a arp reply 192.0.2.1 is-at 02:00:00:00:00:0b");
}

TEST(Summary, NvgreNamesVsidAndFlow) {
  auto f = PacketBuilder().eth(kA, kB).vlan(7).ipv4(k2, k1).nvgre(*Vsid::forTenant(5001), 9).eth(kA, kB)
               .etherType(0x88B5).payloadFill(46, 0).build();
  EXPECT_EQ(summarizeFrame(f),
            "02:00:00:00:00:0a > 02:00:00:00:00:0b vlan 7 ipv4 192.0.2.100 > 192.0.2.1 nvgre vsid 5001 flow 9");
}

TEST(Summary, Ipv6IcmpAcrossExtensionHeaders) {
  auto f = PacketBuilder().eth(kA, kB).ipv6(*Ipv6Addr::parse("2001:db8::100"), *Ipv6Addr::parse("2001:db8::1"))
               .ipv6ExtHeader(0).icmpv6EchoRequest(1, 1).build();
  EXPECT_EQ(summarizeFrame(f), "02:00:00:00:00:0a > 02:00:00:00:00:0b ipv6 2001:db8::100 > 2001:db8::1 icmpv6 type 128");
}

TEST(Summary, MalformedAndUnknownAreNamed) {
  EXPECT_EQ(summarizeFrame(std::vector<std::uint8_t>(5, 0)), "malformed ethernet (5 bytes)");
  auto f = PacketBuilder().eth(kA, kB).etherType(0x88B5).payloadFill(46, 0).build();
  EXPECT_EQ(summarizeFrame(f), "02:00:00:00:00:0a > 02:00:00:00:00:0b ethertype 0x88b5");
  auto ip = PacketBuilder().eth(kA, kB).ipv4(k2, k1).udp(1, 2).build();
  ip.resize(14 + 10);
  EXPECT_EQ(summarizeFrame(ip), "02:00:00:00:00:0a > 02:00:00:00:00:0b ipv4 (malformed)");
}

}  // namespace
}  // namespace hnv::wire
