#include "hnv/wire/nvgre.h"

#include <gtest/gtest.h>

#include "captures.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/udp.h"
#include "wire_test_util.h"

namespace hnv::wire {
namespace {

using test::Bytes;
using test::errorOf;
using test::ip4;
using test::ip6;
using test::mac;
using test::toBytes;

Bytes nvgreOf(std::span<const std::uint8_t> frame) { return toBytes(frame.subspan(34)); }

TEST(Nvgre, ParsesHandWrittenFrame) {
  const Bytes bytes = nvgreOf(test::kNvgre4);
  auto h = parseNvgre(bytes);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->vsid.value(), 5001u);
  EXPECT_EQ(h->flowId, 0x2a);
  EXPECT_EQ(h->key(), 0x0013892au);
  // The inner frame starts 8 bytes in and is the captured echo request.
  EXPECT_EQ(toBytes(std::span(bytes).subspan(kNvgreHeaderLen)), toBytes(test::kIcmpEchoRequest));
  // Generic GRE sees the same header.
  auto gre = parseGre(bytes);
  ASSERT_TRUE(gre.ok());
  EXPECT_EQ(gre->key, 0x0013892au);
  EXPECT_EQ(gre->headerLength, kNvgreHeaderLen);
}

TEST(Nvgre, BuilderMatchesHandWritten) {
  const std::uint8_t data[] = {0, 1, 2, 3, 4, 5, 6, 7};
  const Bytes frame = PacketBuilder()
                          .eth(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"))
                          .ipv4(ip4("10.0.0.1"), ip4("10.0.0.2"))
                          .ipId(0x1234)
                          .df()
                          .nvgre(Vsid::make(5001).value(), 0x2a)
                          .eth(mac("e6:95:f5:3f:21:30"), mac("66:97:8e:36:ba:f1"))
                          .ipv4(ip4("198.51.100.1"), ip4("198.51.100.2"))
                          .ipId(0x00a5)
                          .df()
                          .icmpEchoRequest(0x27ba, 1)
                          .payload(data)
                          .build();
  EXPECT_EQ(frame, toBytes(test::kNvgre4));
  EXPECT_EQ(frame.size() - test::kIcmpEchoRequest.size(), kNvgreOverheadIpv4);
}

TEST(Nvgre, TruncatedAtEveryLength) { test::expectTruncatedBelow(parseNvgre, nvgreOf(test::kNvgre4), kNvgreHeaderLen); }

TEST(Nvgre, RefusesEverythingButTheProfile) {
  const Bytes good = nvgreOf(test::kNvgre4);
  struct Case {
    std::uint8_t b0, b1;
    WireError error;
    const char* what;
  };
  const Case cases[] = {
      {0xa0, 0x00, {WireErrc::Malformed, 0}, "C set"},
      {0x30, 0x00, {WireErrc::Malformed, 0}, "S set"},
      {0x00, 0x00, {WireErrc::Malformed, 0}, "K clear"},
      {0x60, 0x00, {WireErrc::Malformed, 0}, "R set"},
      {0x20, 0x80, {WireErrc::Malformed, 0}, "a reserved bit set"},
      {0x20, 0x01, {WireErrc::Unsupported, 1}, "version 1"},
      {0x30, 0x01, {WireErrc::Unsupported, 1}, "PPTP's enhanced GRE"},
  };
  for (const Case& c : cases) {
    Bytes bad = good;
    bad[0] = c.b0;
    bad[1] = c.b1;
    EXPECT_EQ(errorOf(parseNvgre(bad)), c.error) << c.what;
  }
  Bytes ip = good;
  ip[2] = 0x08;
  ip[3] = 0x00;  // GRE with a key carrying IPv4: another kind of tunnel.
  EXPECT_EQ(errorOf(parseNvgre(ip)), (WireError{WireErrc::Unsupported, 2}));
}

TEST(Nvgre, ReservedVsidsAreReturnedForTheCallerToJudge) {
  Bytes bytes(8);
  ASSERT_TRUE(writeNvgre(bytes, Vsid::fromKey(0xFFFFFF00), 0xff).ok());
  auto h = parseNvgre(bytes);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->vsid.value(), 0xFFFFFFu);
  EXPECT_EQ(h->flowId, 0xff);
  EXPECT_FALSE(h->vsid.isTenantUsable());
}

TEST(Nvgre, Writer) {
  Bytes out(8);
  auto n = writeNvgre(out, Vsid::make(0x123456).value(), 7);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 8u);
  EXPECT_EQ(out, (Bytes{0x20, 0x00, 0x65, 0x58, 0x12, 0x34, 0x56, 0x07}));
  EXPECT_EQ(errorOf(writeNvgre(std::span(out).first(7), Vsid::make(1).value(), 0)),
            (WireError{WireErrc::Truncated, 7}));
}

TEST(Nvgre, OverheadConstants) {
  EXPECT_EQ(kNvgreOverheadIpv4, 42u);
  EXPECT_EQ(kNvgreOverheadIpv6, 62u);
}

// An IPv6 CA inside an IPv6 PA tunnel, and an IPv4 CA inside IPv6, in one chain each.
TEST(Nvgre, BuildsTunnelsOfEitherFamily) {
  const Bytes v6 = PacketBuilder()
                       .eth(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"))
                       .ipv6(ip6("2001:db8:1::1"), ip6("2001:db8:1::2"))
                       .nvgre(Vsid::forTenant(0x10000).value(), 3)
                       .eth(mac("02:00:00:00:01:01"), mac("02:00:00:00:01:02"))
                       .ipv4(ip4("192.168.1.1"), ip4("192.168.1.2"))
                       .udp(1000, 2000)
                       .payloadFill(10, 0x61)
                       .build();
  EXPECT_EQ(v6.size(), kNvgreOverheadIpv6 + 14 + 20 + 8 + 10);
  auto eth = parseEthernet(v6);
  ASSERT_TRUE(eth.ok());
  EXPECT_EQ(eth->etherType, kEtherTypeIpv6);
  auto outer = parseIpv6(std::span(v6).subspan(eth->headerLength));
  ASSERT_TRUE(outer.ok());
  EXPECT_EQ(outer->nextHeader, kIpProtoGre);
  auto nvgre = parseNvgre(outer->payload);
  ASSERT_TRUE(nvgre.ok());
  EXPECT_EQ(nvgre->vsid.value(), 0x10000u);
  EXPECT_EQ(nvgre->flowId, 3);
  const auto inner = outer->payload.subspan(kNvgreHeaderLen);
  auto innerEth = parseEthernet(inner);
  ASSERT_TRUE(innerEth.ok());
  EXPECT_EQ(innerEth->etherType, kEtherTypeIpv4);
  auto innerIp = parseIpv4(inner.subspan(innerEth->headerLength));
  ASSERT_TRUE(innerIp.ok());
  EXPECT_TRUE(ipv4HeaderChecksumOk(inner.subspan(innerEth->headerLength)));
  auto udp = parseUdp(innerIp->payload);
  ASSERT_TRUE(udp.ok());
  EXPECT_EQ(udp->dstPort, 2000);
  EXPECT_TRUE(udpChecksumOk(innerIp->payload, ipv4PseudoHeaderSum(innerIp->src, innerIp->dst, kIpProtoUdp, 18)));
}

}  // namespace
}  // namespace hnv::wire
