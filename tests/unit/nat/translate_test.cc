// Translation checked against packets built from scratch: a rewritten packet
// must be byte for byte the packet the builder makes with the new addresses
// (so every checksum is right, not just self-consistent).
#include "hnv/nat/translate.h"

#include <gtest/gtest.h>

#include "hnv/wire/builder.h"

namespace hnv::nat {
namespace {

using wire::PacketBuilder;
Ipv4Addr ip(const char* s) { return *Ipv4Addr::parse(s); }

std::vector<std::uint8_t> udpPacket(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport) {
  return PacketBuilder().ipv4(ip(src), ip(dst)).df().udp(sport, dport).payload("some payload bytes").build();
}
std::vector<std::uint8_t> tcpPacket(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport) {
  return PacketBuilder().ipv4(ip(src), ip(dst)).tcp(sport, dport).tcpFlags(0x12).tcpSeq(77).payload("x").build();
}

TEST(Translate, ClassifiesFlows) {
  auto u = classify(udpPacket("10.0.1.10", 5000, "198.51.100.1", 53));
  EXPECT_EQ(u.kind, PacketKind::Flow);
  EXPECT_EQ(u.proto, Proto::Udp);
  EXPECT_EQ(u.srcPort, 5000);
  EXPECT_EQ(u.dstPort, 53);
  auto t = classify(tcpPacket("10.0.1.10", 5000, "198.51.100.1", 80));
  EXPECT_EQ(t.tcpFlags, 0x12);
  auto e = classify(PacketBuilder().ipv4(ip("10.0.1.10"), ip("198.51.100.1")).icmpEchoRequest(0x1234, 1).build());
  EXPECT_EQ(e.kind, PacketKind::Flow);
  EXPECT_TRUE(e.echoRequest);
  EXPECT_EQ(e.srcPort, 0x1234);
  auto frag = classify(PacketBuilder().ipv4(ip("10.0.1.10"), ip("198.51.100.1")).fragment(10, false).udp(1, 2).build());
  EXPECT_EQ(frag.kind, PacketKind::Fragment);
  auto gre = classify(PacketBuilder().ipv4(ip("10.0.1.10"), ip("198.51.100.1")).protocol(47).payload("grebytes").build());
  EXPECT_EQ(gre.kind, PacketKind::Unsupported);
  auto cut = udpPacket("10.0.1.10", 5000, "198.51.100.1", 53);
  cut.resize(22);
  EXPECT_EQ(classify(cut).kind, PacketKind::Malformed);
  auto bare = classify(PacketBuilder().ipv4(ip("10.0.1.10"), ip("198.51.100.1")).icmpError(3, 1).build());
  EXPECT_EQ(bare.kind, PacketKind::Malformed) << "an error without a quoted packet";
  auto advert = classify(PacketBuilder().ipv4(ip("10.0.1.10"), ip("198.51.100.1")).icmpError(9, 0).build());
  EXPECT_EQ(advert.kind, PacketKind::Unsupported) << "a router advertisement is not translated";
}

TEST(Translate, RewritesUdpAndTcpEndpointsWithRightChecksums) {
  auto u = udpPacket("10.0.1.10", 5000, "198.51.100.1", 53);
  rewrite(u, true, ip("203.0.113.10"), 61000);
  EXPECT_EQ(u, udpPacket("203.0.113.10", 61000, "198.51.100.1", 53));
  rewrite(u, false, ip("10.9.9.9"), 7);
  EXPECT_EQ(u, udpPacket("203.0.113.10", 61000, "10.9.9.9", 7));
  auto t = tcpPacket("198.51.100.1", 80, "203.0.113.10", 61000);
  rewrite(t, false, ip("10.0.1.10"), 40000);
  EXPECT_EQ(t, tcpPacket("198.51.100.1", 80, "10.0.1.10", 40000));
}

TEST(Translate, UdpWithoutChecksumStaysWithout) {
  auto u = udpPacket("10.0.1.10", 5000, "198.51.100.1", 53);
  u[26] = u[27] = 0;  // "no checksum"
  rewrite(u, true, ip("203.0.113.10"), 61000);
  EXPECT_EQ(u[26], 0);
  EXPECT_EQ(u[27], 0);
}

TEST(Translate, RewritesTheEchoIdentifier) {
  auto e = PacketBuilder().ipv4(ip("10.0.1.10"), ip("198.51.100.1")).icmpEchoRequest(0x1234, 9).payload("ping").build();
  rewrite(e, true, ip("203.0.113.10"), 0x0400);
  EXPECT_EQ(e, PacketBuilder().ipv4(ip("203.0.113.10"), ip("198.51.100.1")).icmpEchoRequest(0x0400, 9).payload("ping").build());
}

// An ICMP error from `router` to `to` quoting `quoted`.
std::vector<std::uint8_t> icmpError(const char* router, const char* to, const std::vector<std::uint8_t>& quoted) {
  return PacketBuilder().ipv4(ip(router), ip(to)).icmpError(3, 3).payload(quoted).build();
}

TEST(Translate, IcmpErrorFromOutsideReachesTheInsideSender) {
  // We sent 203.0.113.10:61000 -> 198.51.100.1:53 for 10.0.1.10:5000; the port was closed.
  auto e = icmpError("198.51.100.1", "203.0.113.10", udpPacket("203.0.113.10", 61000, "198.51.100.1", 53));
  auto c = classify(e);
  ASSERT_EQ(c.kind, PacketKind::IcmpError);
  EXPECT_EQ(c.innerProto, Proto::Udp);
  EXPECT_EQ(c.innerSrc, ip("203.0.113.10"));
  EXPECT_EQ(c.innerSrcPort, 61000);
  EXPECT_EQ(c.innerDstPort, 53);
  rewriteIcmpError(e, c, false, ip("10.0.1.10"), ip("10.0.1.10"), 5000);
  EXPECT_EQ(e, icmpError("198.51.100.1", "10.0.1.10", udpPacket("10.0.1.10", 5000, "198.51.100.1", 53)));
}

TEST(Translate, IcmpErrorFromInsideQuotesTheExternalEndpoint) {
  // 198.51.100.1:53 -> 203.0.113.10:61000 arrived at 10.0.1.10:5000, which answers port unreachable.
  auto e = icmpError("10.0.1.10", "198.51.100.1", udpPacket("198.51.100.1", 53, "10.0.1.10", 5000));
  auto c = classify(e);
  ASSERT_EQ(c.kind, PacketKind::IcmpError);
  rewriteIcmpError(e, c, true, ip("203.0.113.10"), ip("203.0.113.10"), 61000);
  EXPECT_EQ(e, icmpError("203.0.113.10", "198.51.100.1", udpPacket("198.51.100.1", 53, "203.0.113.10", 61000)));
}

TEST(Translate, IcmpErrorQuotingAnEchoOrAShortTcpHeader) {
  auto echo = PacketBuilder().ipv4(ip("203.0.113.10"), ip("198.51.100.1")).ttl(1).icmpEchoRequest(0x0400, 1).build();
  auto e = PacketBuilder().ipv4(ip("192.0.2.1"), ip("203.0.113.10")).icmpError(11, 0).payload(echo).build();
  auto c = classify(e);
  ASSERT_EQ(c.kind, PacketKind::IcmpError);
  EXPECT_EQ(c.innerProto, Proto::Icmp);
  EXPECT_EQ(c.innerSrcPort, 0x0400);
  rewriteIcmpError(e, c, false, ip("10.0.1.10"), ip("10.0.1.10"), 0x1234);
  auto echoInside = PacketBuilder().ipv4(ip("10.0.1.10"), ip("198.51.100.1")).ttl(1).icmpEchoRequest(0x1234, 1).build();
  EXPECT_EQ(e, PacketBuilder().ipv4(ip("192.0.2.1"), ip("10.0.1.10")).icmpError(11, 0).payload(echoInside).build());

  // A router quoting only 8 bytes of TCP: ports translated, no checksum to fix.
  auto t = tcpPacket("203.0.113.10", 61000, "198.51.100.1", 80);
  t.resize(28);
  auto te = PacketBuilder().ipv4(ip("192.0.2.1"), ip("203.0.113.10")).icmpError(3, 4, 1400).payload(t).build();
  auto tc = classify(te);
  ASSERT_EQ(tc.kind, PacketKind::IcmpError);
  rewriteIcmpError(te, tc, false, ip("10.0.1.10"), ip("10.0.1.10"), 40000);
  auto tInside = tcpPacket("10.0.1.10", 40000, "198.51.100.1", 80);
  tInside.resize(28);
  // The quoted IPv4 header's checksum is right for the new source.
  auto expectInside = tcpPacket("10.0.1.10", 40000, "198.51.100.1", 80);
  expectInside.resize(28);
  EXPECT_EQ(te, PacketBuilder().ipv4(ip("192.0.2.1"), ip("10.0.1.10")).icmpError(3, 4, 1400).payload(expectInside).build());
}

}  // namespace
}  // namespace hnv::nat
