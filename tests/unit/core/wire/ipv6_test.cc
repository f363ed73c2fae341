#include "hnv/wire/ipv6.h"

#include <gtest/gtest.h>

#include "captures.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/icmpv6.h"
#include "wire_test_util.h"

namespace hnv::wire {
namespace {

using test::Bytes;
using test::errorOf;
using test::ip6;
using test::mac;
using test::toBytes;

Bytes ipOf(std::span<const std::uint8_t> frame) { return toBytes(frame.subspan(14)); }

// Hop-by-hop, destination options and fragment (offset 0, M=1, id 0x01020304)
// headers in front of an 8-byte UDP header, by hand after RFC 8200.
const Bytes kExtensionChain = {
    60,   0,    0x01, 0x04, 0,    0,    0,    0,     // Hop-by-hop: next 60, 8 bytes, PadN(4).
    44,   0,    0x01, 0x04, 0,    0,    0,    0,     // Destination options: next 44.
    17,   0,    0x00, 0x01, 0x01, 0x02, 0x03, 0x04,  // Fragment: next 17, offset 0, M=1.
    0x13, 0x88, 0x13, 0x89, 0x00, 0x08, 0x00, 0x00,  // UDP 5000 -> 5001.
};

TEST(Ipv6, ParsesCapturedHeader) {
  const Bytes packet = ipOf(test::kIcmpv6EchoRequest);
  auto h = parseIpv6(packet);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->trafficClass, 0);
  EXPECT_EQ(h->flowLabel, 0x66bf2u);
  EXPECT_EQ(h->payloadLength, 16);
  EXPECT_EQ(h->nextHeader, kIpProtoIcmpv6);
  EXPECT_EQ(h->hopLimit, 64);
  EXPECT_EQ(h->src, ip6("2001:db8::1"));
  EXPECT_EQ(h->dst, ip6("2001:db8::2"));
  ASSERT_EQ(h->payload.size(), 16u);
  EXPECT_EQ(h->payload.data(), packet.data() + 40);
}

TEST(Ipv6, TrafficClassAndFlowLabel) {
  // Version 6, traffic class 0xb9 (DSCP 46, ECN 1), flow label 0xabcde.
  Bytes packet = ipOf(test::kIcmpv6EchoRequest);
  packet[0] = 0x6b;
  packet[1] = 0x9a;
  packet[2] = 0xbc;
  packet[3] = 0xde;
  auto h = parseIpv6(packet);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->trafficClass, 0xb9);
  EXPECT_EQ(h->dscp(), 46);
  EXPECT_EQ(h->ecn(), 1);
  EXPECT_EQ(h->flowLabel, 0xabcdeu);
}

TEST(Ipv6, BuilderMatchesCapture) {
  const std::uint8_t data[] = {0, 1, 2, 3, 4, 5, 6, 7};
  const Bytes frame = PacketBuilder()
                          .eth(mac("e6:95:f5:3f:21:30"), mac("66:97:8e:36:ba:f1"))
                          .ipv6(ip6("2001:db8::1"), ip6("2001:db8::2"))
                          .flowLabel(0x66bf2)
                          .icmpv6EchoRequest(0x26d1, 1)
                          .payload(data)
                          .build();
  EXPECT_EQ(frame, toBytes(test::kIcmpv6EchoRequest));
}

TEST(Ipv6, TruncatedAtEveryLength) {
  test::expectTruncatedBelow(parseIpv6, ipOf(test::kIcmpv6EchoRequest), kIpv6HeaderLen);
}

TEST(Ipv6, RefusesBadVersion) {
  Bytes packet = ipOf(test::kIcmpv6EchoRequest);
  packet[0] = 0x40;
  EXPECT_EQ(errorOf(parseIpv6(packet)), (WireError{WireErrc::BadVersion, 0}));
}

TEST(Ipv6, RefusesPayloadLengthPastBuffer) {
  Bytes packet = ipOf(test::kIcmpv6EchoRequest);
  packet[5] = 17;
  EXPECT_EQ(errorOf(parseIpv6(packet)), (WireError{WireErrc::BadLength, 4}));
  packet[4] = 0xFF;
  EXPECT_EQ(errorOf(parseIpv6(packet)), (WireError{WireErrc::BadLength, 4}));
  packet[4] = 0;
  packet[5] = 15;  // Shorter than the buffer: the rest is padding.
  auto h = parseIpv6(packet);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->payload.size(), 15u);
}

TEST(Ipv6, WalkWithoutExtensionHeaders) {
  auto h = parseIpv6(ipOf(test::kIcmpv6EchoRequest));
  ASSERT_TRUE(h.ok());
  auto upper = walkExtensionHeaders(h->nextHeader, h->payload);
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->protocol, kIpProtoIcmpv6);
  EXPECT_EQ(upper->offset, 0);
  EXPECT_FALSE(upper->sawFragmentHeader);
  EXPECT_FALSE(upper->fragmented);
}

TEST(Ipv6, WalkSkipsChain) {
  auto upper = walkExtensionHeaders(kIpv6ExtHopByHop, kExtensionChain);
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->protocol, kIpProtoUdp);
  EXPECT_EQ(upper->offset, 24);
  EXPECT_TRUE(upper->sawFragmentHeader);
  EXPECT_TRUE(upper->fragmented);  // First fragment: M=1.
  EXPECT_TRUE(upper->moreFragments);
  EXPECT_EQ(upper->fragmentOffset, 0);
}

TEST(Ipv6, WalkStopsAfterNonFirstFragment) {
  Bytes chain = kExtensionChain;
  chain[18] = 0x00;
  chain[19] = 0xb8;  // Offset 23 (184 bytes), M=0: the last fragment.
  auto upper = walkExtensionHeaders(kIpv6ExtHopByHop, chain);
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->protocol, kIpProtoUdp);
  EXPECT_EQ(upper->offset, 24);
  EXPECT_TRUE(upper->fragmented);
  EXPECT_FALSE(upper->moreFragments);
  EXPECT_EQ(upper->fragmentOffset, 23);
  // A non-first fragment whose data looks like another extension header is
  // not walked into.
  chain[16] = kIpv6ExtDestinationOptions;
  chain[25] = 200;  // Would be a 1608-byte header.
  upper = walkExtensionHeaders(kIpv6ExtHopByHop, chain);
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->protocol, kIpv6ExtDestinationOptions);
  EXPECT_EQ(upper->offset, 24);
}

TEST(Ipv6, AtomicFragmentIsNotFragmented) {
  Bytes chain = kExtensionChain;
  chain[19] = 0x00;  // Offset 0, M=0 (RFC 6946).
  auto upper = walkExtensionHeaders(kIpv6ExtHopByHop, chain);
  ASSERT_TRUE(upper.ok());
  EXPECT_TRUE(upper->sawFragmentHeader);
  EXPECT_FALSE(upper->fragmented);
  EXPECT_EQ(upper->protocol, kIpProtoUdp);
}

TEST(Ipv6, WalkUsesAhLengthInFourByteUnits) {
  // AH with a 12-byte ICV: payload length 4 -> (4 + 2) * 4 = 24 bytes.
  Bytes chain(24 + 8, 0);
  chain[0] = kIpProtoTcp;
  chain[1] = 4;
  auto upper = walkExtensionHeaders(kIpv6ExtAuthentication, chain);
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->protocol, kIpProtoTcp);
  EXPECT_EQ(upper->offset, 24);
  chain[1] = 5;  // 28 bytes: still fits in 32.
  EXPECT_EQ(walkExtensionHeaders(kIpv6ExtAuthentication, chain)->offset, 28);
  chain[1] = 6;  // 32 bytes: fits exactly, nothing after it.
  EXPECT_EQ(walkExtensionHeaders(kIpv6ExtAuthentication, chain)->offset, 32);
  chain[1] = 7;  // 36 bytes: does not fit.
  EXPECT_EQ(errorOf(walkExtensionHeaders(kIpv6ExtAuthentication, chain)), (WireError{WireErrc::Truncated, 0}));
}

TEST(Ipv6, WalkEndsAtNoNextHeader) {
  Bytes chain = {kIpProtoNoNext, 0, 1, 4, 0, 0, 0, 0, 0xde, 0xad};
  auto upper = walkExtensionHeaders(kIpv6ExtDestinationOptions, chain);
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->protocol, kIpProtoNoNext);
  EXPECT_EQ(upper->offset, 8);
  upper = walkExtensionHeaders(kIpProtoNoNext, {});
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->protocol, kIpProtoNoNext);
  EXPECT_EQ(upper->offset, 0);
}

TEST(Ipv6, WalkTruncatedAtEveryLength) {
  const std::span<const std::uint8_t> chain(kExtensionChain);
  for (std::size_t n = 0; n < 24; ++n) {
    auto upper = walkExtensionHeaders(kIpv6ExtHopByHop, chain.first(n));
    ASSERT_FALSE(upper.ok()) << n;
    EXPECT_EQ(upper.error().code, WireErrc::Truncated) << n;
    EXPECT_EQ(upper.error().offset, n / 8 * 8) << n;
  }
  // The upper-layer header itself is not the walk's business.
  EXPECT_TRUE(walkExtensionHeaders(kIpv6ExtHopByHop, chain.first(24)).ok());
}

TEST(Ipv6, WalkRefusesHopByHopAfterFirst) {
  Bytes chain = kExtensionChain;
  chain[8] = kIpv6ExtHopByHop;  // Destination options -> hop-by-hop.
  EXPECT_EQ(errorOf(walkExtensionHeaders(kIpv6ExtHopByHop, chain)), (WireError{WireErrc::Malformed, 16}));
}

TEST(Ipv6, WalkBoundsTheNumberOfHeaders) {
  // Nine destination options headers in a row, then TCP.
  Bytes chain;
  for (int i = 0; i < 9; ++i) {
    const std::uint8_t next = i == 8 ? kIpProtoTcp : kIpv6ExtDestinationOptions;
    chain.insert(chain.end(), {next, 0, 1, 4, 0, 0, 0, 0});
  }
  EXPECT_EQ(errorOf(walkExtensionHeaders(kIpv6ExtDestinationOptions, chain)), (WireError{WireErrc::Unsupported, 64}));
  // Eight are fine.
  auto upper = walkExtensionHeaders(kIpv6ExtDestinationOptions, std::span(chain).subspan(8));
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->protocol, kIpProtoTcp);
  EXPECT_EQ(upper->offset, 64);
}

TEST(Ipv6, WalkRefusesOversizedHeader) {
  Bytes chain = kExtensionChain;
  chain[9] = 3;  // Destination options claiming 32 bytes where 24 remain.
  EXPECT_EQ(errorOf(walkExtensionHeaders(kIpv6ExtHopByHop, chain)), (WireError{WireErrc::Truncated, 8}));
}

TEST(Ipv6, BuilderExtensionHeaders) {
  const Bytes packet = PacketBuilder()
                           .ipv6(ip6("2001:db8::1"), ip6("2001:db8::2"))
                           .ipv6ExtHeader(kIpv6ExtHopByHop)
                           .ipv6ExtHeader(kIpv6ExtRouting)
                           .ipv6ExtHeader(kIpv6ExtAuthentication)
                           .ipv6Fragment(0, true, 77)
                           .ipv6ExtHeader(kIpv6ExtDestinationOptions)
                           .udp(1, 2)
                           .build();
  auto h = parseIpv6(packet);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->nextHeader, kIpv6ExtHopByHop);
  EXPECT_EQ(h->payloadLength, 8 + 8 + 12 + 8 + 8 + 8);
  auto upper = walkExtensionHeaders(h->nextHeader, h->payload);
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->protocol, kIpProtoUdp);
  EXPECT_EQ(upper->offset, 44);
  EXPECT_TRUE(upper->fragmented);
}

TEST(Ipv6, Writer) {
  Ipv6Fields f;
  f.trafficClass = 0xb9;
  f.flowLabel = 0x1abcde;  // Only the low 20 bits are used.
  f.payloadLength = 16;
  f.nextHeader = kIpProtoIcmpv6;
  f.hopLimit = 255;
  f.src = ip6("fe80::1");
  f.dst = ip6("ff02::1");
  Bytes out(56);
  auto n = writeIpv6(out, f);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 40u);
  EXPECT_EQ(out[0], 0x6b);
  EXPECT_EQ(out[1], 0x9a);
  auto h = parseIpv6(out);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->trafficClass, 0xb9);
  EXPECT_EQ(h->flowLabel, 0xabcdeu);
  EXPECT_EQ(h->payloadLength, 16);
  EXPECT_EQ(h->nextHeader, kIpProtoIcmpv6);
  EXPECT_EQ(h->hopLimit, 255);
  EXPECT_EQ(h->src, f.src);
  EXPECT_EQ(h->dst, f.dst);
  EXPECT_EQ(errorOf(writeIpv6(std::span(out).first(39), f)), (WireError{WireErrc::Truncated, 39}));
}

}  // namespace
}  // namespace hnv::wire
