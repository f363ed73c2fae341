#include "hnv/wire/udp.h"

#include <gtest/gtest.h>

#include <string_view>

#include "captures.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/ipv4.h"
#include "wire_test_util.h"

namespace hnv::wire {
namespace {

using test::Bytes;
using test::errorOf;
using test::ip4;
using test::ip6;
using test::mac;
using test::toBytes;

std::uint32_t pseudo4(std::size_t length) {
  return ipv4PseudoHeaderSum(ip4("198.51.100.1"), ip4("198.51.100.2"), kIpProtoUdp, static_cast<std::uint16_t>(length));
}

std::uint32_t pseudo6(std::size_t length) {
  return ipv6PseudoHeaderSum(ip6("2001:db8::1"), ip6("2001:db8::2"), kIpProtoUdp, static_cast<std::uint32_t>(length));
}

TEST(Udp, ParsesCapturedDatagrams) {
  const Bytes v4 = toBytes(std::span<const std::uint8_t>(test::kUdp4).subspan(34));
  auto h = parseUdp(v4);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->srcPort, 40000);
  EXPECT_EQ(h->dstPort, 5000);
  EXPECT_EQ(h->length, 16);
  EXPECT_EQ(h->checksum, 0x3330);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(h->payload.data()), h->payload.size()), "hnv-wire");
  EXPECT_TRUE(udpChecksumOk(v4, pseudo4(v4.size())));

  const Bytes v6 = toBytes(std::span<const std::uint8_t>(test::kUdp6).subspan(54));
  h = parseUdp(v6);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->length, 17);
  EXPECT_EQ(h->checksum, 0xf621);
  EXPECT_TRUE(udpChecksumOk(v6, pseudo6(v6.size())));
  EXPECT_FALSE(udpChecksumOk(v6, pseudo4(v6.size())));
}

TEST(Udp, BuilderMatchesIpv6Capture) {
  const Bytes frame = PacketBuilder()
                          .eth(mac("e6:95:f5:3f:21:30"), mac("66:97:8e:36:ba:f1"))
                          .ipv6(ip6("2001:db8::1"), ip6("2001:db8::2"))
                          .flowLabel(0xd959a)
                          .udp(40001, 5001)
                          .payload("hnv-wire6")
                          .build();
  EXPECT_EQ(frame, toBytes(test::kUdp6));
}

TEST(Udp, TruncatedAtEveryLength) {
  test::expectTruncatedBelow(parseUdp, std::span<const std::uint8_t>(test::kUdp4).subspan(34), kUdpHeaderLen);
}

TEST(Udp, RefusesBadLength) {
  Bytes d = toBytes(std::span<const std::uint8_t>(test::kUdp4).subspan(34));  // 16 bytes.
  d[5] = 7;
  EXPECT_EQ(errorOf(parseUdp(d)), (WireError{WireErrc::BadLength, 4}));
  d[5] = 0;
  EXPECT_EQ(errorOf(parseUdp(d)), (WireError{WireErrc::BadLength, 4}));
  d[5] = 17;
  EXPECT_EQ(errorOf(parseUdp(d)), (WireError{WireErrc::BadLength, 4}));
  EXPECT_FALSE(udpChecksumOk(d, pseudo4(16)));
  EXPECT_FALSE(setUdpChecksum(d, pseudo4(16)));
  d[5] = 12;  // Shorter than the buffer: the rest is not payload.
  auto h = parseUdp(d);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->payload.size(), 4u);
  d[5] = 8;
  h = parseUdp(d);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->payload.empty());
}

TEST(Udp, ChecksumZeroMeansNone) {
  Bytes d = toBytes(std::span<const std::uint8_t>(test::kUdp4).subspan(34));
  d[6] = d[7] = 0;
  EXPECT_TRUE(parseUdp(d).ok());
  EXPECT_FALSE(udpChecksumOk(d, pseudo4(16)));  // The caller decides whether zero is acceptable.
  ASSERT_TRUE(setUdpChecksum(d, pseudo4(16)));
  EXPECT_EQ(d[6], 0x33);
  EXPECT_EQ(d[7], 0x30);
  d[12] ^= 0x10;
  EXPECT_FALSE(udpChecksumOk(d, pseudo4(16)));
}

TEST(Udp, ComputedZeroIsSentAsAllOnes) {
  // Ports 0, length 10 and a payload word of 0xfff5 sum to 0xffff: the
  // checksum computes to 0 and must go out as 0xffff (RFC 768).
  Bytes d = {0, 0, 0, 0, 0, 10, 0, 0, 0xff, 0xf5};
  ASSERT_TRUE(setUdpChecksum(d, 0));
  EXPECT_EQ(d[6], 0xff);
  EXPECT_EQ(d[7], 0xff);
  EXPECT_TRUE(udpChecksumOk(d, 0));
}

TEST(Udp, Writer) {
  Bytes out(8);
  auto n = writeUdp(out, kUdpPortIkeNatT, kUdpPortIkeNatT, 100);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 8u);
  EXPECT_EQ(out, (Bytes{0x11, 0x94, 0x11, 0x94, 0x00, 108, 0, 0}));
  EXPECT_EQ(errorOf(writeUdp(out, 1, 2, 65528)), (WireError{WireErrc::BadLength, 4}));
  EXPECT_TRUE(writeUdp(out, 1, 2, 65527).ok());
  EXPECT_EQ(errorOf(writeUdp(std::span(out).first(7), 1, 2, 0)), (WireError{WireErrc::Truncated, 7}));
  EXPECT_EQ(kUdpPortIke, 500);
}

TEST(Udp, BuilderCorruptChecksum) {
  const Bytes packet = PacketBuilder().ipv4(ip4("10.0.0.1"), ip4("10.0.0.2")).udp(1, 2).corruptChecksum().build();
  auto ip = parseIpv4(packet);
  ASSERT_TRUE(ip.ok());
  auto h = parseUdp(ip->payload);
  ASSERT_TRUE(h.ok());
  EXPECT_NE(h->checksum, 0);
  EXPECT_FALSE(udpChecksumOk(ip->payload, ipv4PseudoHeaderSum(ip->src, ip->dst, kIpProtoUdp, 8)));
}

}  // namespace
}  // namespace hnv::wire
