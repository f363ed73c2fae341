#include "hnv/wire/icmpv6.h"

#include <gtest/gtest.h>

#include "captures.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/ipv6.h"
#include "wire_test_util.h"

namespace hnv::wire {
namespace {

using test::Bytes;
using test::errorOf;
using test::ip6;
using test::toBytes;

Bytes icmpv6Of(std::span<const std::uint8_t> frame) { return toBytes(frame.subspan(54)); }

TEST(Icmpv6, ParsesCapturedEchoRequest) {
  const Bytes message = icmpv6Of(test::kIcmpv6EchoRequest);
  auto h = parseIcmpv6(message);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->type, kIcmpv6EchoRequest);
  EXPECT_EQ(h->code, 0);
  EXPECT_EQ(h->checksum, 0xf15d);
  EXPECT_TRUE(h->isEcho());
  EXPECT_EQ(h->identifier(), 0x26d1);
  EXPECT_EQ(h->sequence(), 1);
  EXPECT_EQ(h->body.size(), 8u);
  EXPECT_TRUE(icmpv6ChecksumOk(ip6("2001:db8::1"), ip6("2001:db8::2"), message));
  // The pseudo-header matters: other addresses do not verify.
  EXPECT_FALSE(icmpv6ChecksumOk(ip6("2001:db8::1"), ip6("2001:db8::3"), message));
}

TEST(Icmpv6, TruncatedAtEveryLength) {
  test::expectTruncatedBelow(parseIcmpv6, icmpv6Of(test::kIcmpv6EchoRequest), kIcmpv6HeaderLen);
}

TEST(Icmpv6, EchoWriterMatchesCapture) {
  const std::uint8_t data[] = {0, 1, 2, 3, 4, 5, 6, 7};
  Bytes out(16);
  auto n = writeIcmpv6Echo(out, ip6("2001:db8::1"), ip6("2001:db8::2"), kIcmpv6EchoRequest, 0x26d1, 1, data);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 16u);
  EXPECT_EQ(out, icmpv6Of(test::kIcmpv6EchoRequest));
  EXPECT_EQ(errorOf(writeIcmpv6Echo(std::span(out).first(15), Ipv6Addr(), Ipv6Addr(), kIcmpv6EchoReply, 0, 0, data)),
            (WireError{WireErrc::Truncated, 15}));
}

TEST(Icmpv6, ChecksumDetectsCorruption) {
  Bytes message = icmpv6Of(test::kIcmpv6EchoRequest);
  message[15] ^= 0x80;
  EXPECT_FALSE(icmpv6ChecksumOk(ip6("2001:db8::1"), ip6("2001:db8::2"), message));
  ASSERT_TRUE(setIcmpv6Checksum(ip6("2001:db8::1"), ip6("2001:db8::2"), message));
  EXPECT_TRUE(icmpv6ChecksumOk(ip6("2001:db8::1"), ip6("2001:db8::2"), message));
  EXPECT_FALSE(icmpv6ChecksumOk(Ipv6Addr(), Ipv6Addr(), std::span(message).first(3)));
  const Bytes bad =
      PacketBuilder().ipv6(ip6("2001:db8::1"), ip6("2001:db8::2")).icmpv6EchoReply(5, 6).corruptChecksum().build();
  EXPECT_FALSE(icmpv6ChecksumOk(ip6("2001:db8::1"), ip6("2001:db8::2"), std::span(bad).subspan(40)));
}

TEST(Icmpv6, PacketTooBigCarriesMtu) {
  const Bytes packet = PacketBuilder()
                           .ipv6(ip6("2001:db8::ff"), ip6("2001:db8::1"))
                           .icmpv6Error(kIcmpv6PacketTooBig, 0, kIpv6MinMtu)
                           .ipv6(ip6("2001:db8::1"), ip6("2001:db8::2"))
                           .udp(40001, 5001)
                           .payloadFill(100, 0x55)
                           .build();
  auto ip = parseIpv6(packet);
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->nextHeader, kIpProtoIcmpv6);
  auto h = parseIcmpv6(ip->payload);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->type, kIcmpv6PacketTooBig);
  EXPECT_EQ(h->mtu(), 1280u);
  EXPECT_EQ(h->body.size(), 40u + 8 + 100);
  EXPECT_TRUE(icmpv6ChecksumOk(ip->src, ip->dst, ip->payload));
  // The same message from the writer.
  Bytes out(8 + h->body.size());
  auto n = writeIcmpv6Error(out, ip->src, ip->dst, kIcmpv6PacketTooBig, 0, 1280, h->body);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(out, toBytes(ip->payload));
}

}  // namespace
}  // namespace hnv::wire
