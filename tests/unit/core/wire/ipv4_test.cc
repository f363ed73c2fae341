#include "hnv/wire/ipv4.h"

#include <gtest/gtest.h>

#include "captures.h"
#include "hnv/wire/builder.h"
#include "wire_test_util.h"

namespace hnv::wire {
namespace {

using test::Bytes;
using test::errorOf;
using test::ip4;
using test::mac;
using test::toBytes;

Bytes ipOf(std::span<const std::uint8_t> frame) { return toBytes(frame.subspan(14)); }

TEST(Ipv4, ParsesCapturedHeader) {
  const Bytes packet = ipOf(test::kIcmpEchoRequest);
  auto h = parseIpv4(packet);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->headerLength, 20);
  EXPECT_EQ(h->totalLength, 36);
  EXPECT_EQ(h->tos, 0);
  EXPECT_EQ(h->id, 0x00a5);
  EXPECT_TRUE(h->df);
  EXPECT_FALSE(h->mf);
  EXPECT_EQ(h->fragmentOffset, 0);
  EXPECT_FALSE(h->isFragment());
  EXPECT_EQ(h->ttl, 64);
  EXPECT_EQ(h->protocol, kIpProtoIcmp);
  EXPECT_EQ(h->checksum, 0xe5c9);
  EXPECT_EQ(h->src, ip4("198.51.100.1"));
  EXPECT_EQ(h->dst, ip4("198.51.100.2"));
  EXPECT_TRUE(h->options.empty());
  ASSERT_EQ(h->payload.size(), 16u);
  EXPECT_EQ(h->payload.data(), packet.data() + 20);
  EXPECT_TRUE(ipv4HeaderChecksumOk(packet));
}

TEST(Ipv4, TosHelpers) {
  // The captured port unreachable has TOS 0xc0: DSCP 48 (CS6), ECN 0.
  auto h = parseIpv4(ipOf(test::kIcmpPortUnreachable));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->tos, 0xc0);
  EXPECT_EQ(h->dscp(), 48);
  EXPECT_EQ(h->ecn(), 0);
  EXPECT_EQ(h->totalLength, 64);
}

TEST(Ipv4, BuilderMatchesCapture) {
  const Bytes frame = PacketBuilder()
                          .eth(mac("e6:95:f5:3f:21:30"), mac("66:97:8e:36:ba:f1"))
                          .ipv4(ip4("198.51.100.1"), ip4("198.51.100.2"))
                          .ipId(0x42c3)
                          .df()
                          .ttl(64)
                          .udp(40000, 5000)
                          .payload("hnv-wire")
                          .build();
  EXPECT_EQ(frame, toBytes(test::kUdp4));
}

TEST(Ipv4, TruncatedAtEveryLength) {
  test::expectTruncatedBelow(parseIpv4, ipOf(test::kIcmpEchoRequest), kIpv4HeaderLen);
}

TEST(Ipv4, RefusesBadVersion) {
  Bytes packet = ipOf(test::kIcmpEchoRequest);
  packet[0] = 0x65;
  EXPECT_EQ(errorOf(parseIpv4(packet)), (WireError{WireErrc::BadVersion, 0}));
  packet[0] = 0x05;
  EXPECT_EQ(errorOf(parseIpv4(packet)), (WireError{WireErrc::BadVersion, 0}));
}

TEST(Ipv4, RefusesBadHeaderLength) {
  Bytes packet = ipOf(test::kIcmpEchoRequest);  // 36 bytes.
  for (std::uint8_t ihl : {0, 1, 4}) {
    packet[0] = static_cast<std::uint8_t>(0x40 | ihl);
    EXPECT_EQ(errorOf(parseIpv4(packet)), (WireError{WireErrc::BadHeaderLength, 0})) << "IHL " << int{ihl};
  }
  packet[0] = 0x4a;  // 40 bytes of header in a 36-byte buffer.
  EXPECT_EQ(errorOf(parseIpv4(packet)), (WireError{WireErrc::BadHeaderLength, 0}));
  packet[0] = 0x46;  // 24 bytes fit the buffer, but total length 36 still covers them: fine.
  EXPECT_TRUE(parseIpv4(packet).ok());
}

TEST(Ipv4, RefusesBadTotalLength) {
  Bytes packet = ipOf(test::kIcmpEchoRequest);
  packet[3] = 37;  // One more than the buffer.
  EXPECT_EQ(errorOf(parseIpv4(packet)), (WireError{WireErrc::BadLength, 2}));
  packet[3] = 19;  // Less than the header.
  EXPECT_EQ(errorOf(parseIpv4(packet)), (WireError{WireErrc::BadLength, 2}));
  packet[3] = 0;
  EXPECT_EQ(errorOf(parseIpv4(packet)), (WireError{WireErrc::BadLength, 2}));
  packet[3] = 20;  // A header alone is legal.
  auto h = parseIpv4(packet);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->payload.empty());
}

TEST(Ipv4, IgnoresEthernetPadding) {
  // A 36-byte packet in a minimum-size (60-byte) frame: 10 padding bytes.
  Bytes packet = ipOf(test::kIcmpEchoRequest);
  packet.resize(46, 0);
  auto h = parseIpv4(packet);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->payload.size(), 16u);
  EXPECT_TRUE(ipv4HeaderChecksumOk(packet));
}

TEST(Ipv4, ChecksumVerification) {
  Bytes packet = ipOf(test::kIcmpEchoRequest);
  packet[8] = 63;                       // TTL changed without updating the checksum.
  EXPECT_TRUE(parseIpv4(packet).ok());  // The parser leaves checksums to the caller.
  EXPECT_FALSE(ipv4HeaderChecksumOk(packet));
  ASSERT_TRUE(setIpv4HeaderChecksum(packet));
  EXPECT_TRUE(ipv4HeaderChecksumOk(packet));
  EXPECT_FALSE(ipv4HeaderChecksumOk(std::span(packet).first(19)));
  EXPECT_FALSE(ipv4HeaderChecksumOk({}));
  packet[0] = 0x4f;  // 60-byte header in a 36-byte buffer.
  EXPECT_FALSE(ipv4HeaderChecksumOk(packet));
  EXPECT_FALSE(setIpv4HeaderChecksum(packet));
  // The builder's corruptChecksum() produces a header that fails.
  const Bytes bad = PacketBuilder().ipv4(ip4("10.0.0.1"), ip4("10.0.0.2")).corruptChecksum().build();
  EXPECT_TRUE(parseIpv4(bad).ok());
  EXPECT_FALSE(ipv4HeaderChecksumOk(bad));
}

TEST(Ipv4, OptionsAndFragments) {
  // Router alert option (RFC 2113): 94 04 00 00.
  const std::uint8_t routerAlert[] = {0x94, 0x04, 0x00, 0x00};
  const Bytes packet = PacketBuilder()
                           .ipv4(ip4("10.0.0.1"), ip4("224.0.0.22"))
                           .ipv4Options(routerAlert)
                           .fragment(185, true)
                           .tos(0xb9)
                           .protocol(2)
                           .payloadFill(8, 0xAB)
                           .build();
  auto h = parseIpv4(packet);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->headerLength, 24);
  EXPECT_EQ(h->totalLength, 32);
  ASSERT_EQ(h->options.size(), 4u);
  EXPECT_EQ(h->options[0], 0x94);
  EXPECT_EQ(h->payload.size(), 8u);
  EXPECT_EQ(h->payload[0], 0xAB);
  EXPECT_EQ(h->protocol, 2);
  EXPECT_TRUE(h->mf);
  EXPECT_FALSE(h->df);
  EXPECT_EQ(h->fragmentOffset, 185);
  EXPECT_EQ(h->fragmentOffsetBytes(), 1480u);
  EXPECT_TRUE(h->isFragment());
  EXPECT_EQ(h->dscp(), 46);
  EXPECT_EQ(h->ecn(), 1);
  EXPECT_TRUE(ipv4HeaderChecksumOk(packet));
}

TEST(Ipv4, WriterProducesKnownHeader) {
  // The classic 192.168.0.1 -> 192.168.0.199 UDP header, checksum 0xb861.
  const Bytes expected = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                          0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  Ipv4Fields f;
  f.totalLength = 0x73;
  f.df = true;
  f.ttl = 64;
  f.protocol = kIpProtoUdp;
  f.src = ip4("192.168.0.1");
  f.dst = ip4("192.168.0.199");
  Bytes out(20);
  auto n = writeIpv4(out, f);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 20u);
  EXPECT_EQ(out, expected);
  EXPECT_EQ(errorOf(writeIpv4(std::span(out).first(19), f)), (WireError{WireErrc::Truncated, 19}));
}

}  // namespace
}  // namespace hnv::wire
