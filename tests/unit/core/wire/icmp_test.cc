#include "hnv/wire/icmp.h"

#include <gtest/gtest.h>

#include "captures.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/udp.h"
#include "wire_test_util.h"

namespace hnv::wire {
namespace {

using test::Bytes;
using test::errorOf;
using test::ip4;
using test::mac;
using test::toBytes;

Bytes icmpOf(std::span<const std::uint8_t> frame) { return toBytes(frame.subspan(34)); }

TEST(Icmp, ParsesCapturedEchoRequest) {
  const Bytes message = icmpOf(test::kIcmpEchoRequest);
  auto h = parseIcmp(message);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->type, kIcmpEchoRequest);
  EXPECT_EQ(h->code, 0);
  EXPECT_EQ(h->checksum, 0xc434);
  EXPECT_TRUE(h->isEcho());
  EXPECT_EQ(h->identifier(), 0x27ba);
  EXPECT_EQ(h->sequence(), 1);
  EXPECT_EQ(h->body.size(), 8u);
  EXPECT_EQ(h->body[7], 7);
  EXPECT_TRUE(icmpChecksumOk(message));
}

TEST(Icmp, ParsesCapturedPortUnreachable) {
  const Bytes message = icmpOf(test::kIcmpPortUnreachable);
  auto h = parseIcmp(message);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->type, kIcmpDestUnreachable);
  EXPECT_EQ(h->code, kIcmpCodePortUnreachable);
  EXPECT_FALSE(h->isEcho());
  EXPECT_FALSE(h->isFragNeeded());
  EXPECT_EQ(h->restOfHeader, 0u);
  EXPECT_TRUE(icmpChecksumOk(message));
  // The body quotes the UDP datagram that hit the closed port.
  auto quoted = parseIpv4(h->body);
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(quoted->protocol, kIpProtoUdp);
  auto udp = parseUdp(quoted->payload);
  ASSERT_TRUE(udp.ok());
  EXPECT_EQ(udp->dstPort, 5000);
}

TEST(Icmp, BuilderMatchesCaptures) {
  const std::uint8_t data[] = {0, 1, 2, 3, 4, 5, 6, 7};
  const Bytes echo = PacketBuilder()
                         .eth(mac("e6:95:f5:3f:21:30"), mac("66:97:8e:36:ba:f1"))
                         .ipv4(ip4("198.51.100.1"), ip4("198.51.100.2"))
                         .ipId(0x00a5)
                         .df()
                         .icmpEchoRequest(0x27ba, 1)
                         .payload(data)
                         .build();
  EXPECT_EQ(echo, toBytes(test::kIcmpEchoRequest));
  const Bytes unreachable = PacketBuilder()
                                .eth(mac("66:97:8e:36:ba:f1"), mac("e6:95:f5:3f:21:30"))
                                .ipv4(ip4("198.51.100.2"), ip4("198.51.100.1"))
                                .tos(0xc0)
                                .ipId(0xa5bf)
                                .icmpError(kIcmpDestUnreachable, kIcmpCodePortUnreachable)
                                .ipv4(ip4("198.51.100.1"), ip4("198.51.100.2"))
                                .ipId(0x42c3)
                                .df()
                                .udp(40000, 5000)
                                .payload("hnv-wire")
                                .build();
  EXPECT_EQ(unreachable, toBytes(test::kIcmpPortUnreachable));
}

TEST(Icmp, TruncatedAtEveryLength) {
  test::expectTruncatedBelow(parseIcmp, icmpOf(test::kIcmpEchoRequest), kIcmpHeaderLen);
}

TEST(Icmp, ChecksumDetectsCorruption) {
  Bytes message = icmpOf(test::kIcmpEchoRequest);
  message[9] ^= 0x01;  // One data bit.
  EXPECT_TRUE(parseIcmp(message).ok());
  EXPECT_FALSE(icmpChecksumOk(message));
  ASSERT_TRUE(setIcmpChecksum(message));
  EXPECT_TRUE(icmpChecksumOk(message));
  EXPECT_FALSE(icmpChecksumOk(std::span(message).first(3)));
  EXPECT_FALSE(setIcmpChecksum(std::span(message).first(3)));
  const Bytes bad = PacketBuilder().icmpEchoReply(1, 2).corruptChecksum().build();
  EXPECT_FALSE(icmpChecksumOk(bad));
}

TEST(Icmp, EchoWriterMatchesCapture) {
  const std::uint8_t data[] = {0, 1, 2, 3, 4, 5, 6, 7};
  Bytes out(16);
  auto n = writeIcmpEcho(out, kIcmpEchoRequest, 0x27ba, 1, data);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 16u);
  EXPECT_EQ(out, icmpOf(test::kIcmpEchoRequest));
  EXPECT_EQ(errorOf(writeIcmpEcho(std::span(out).first(15), kIcmpEchoRequest, 1, 1, data)),
            (WireError{WireErrc::Truncated, 15}));
}

TEST(Icmp, FragNeededCarriesNextHopMtu) {
  const Bytes quote = toBytes(std::span<const std::uint8_t>(test::kUdp4).subspan(14, 28));
  Bytes out(64);
  auto n = writeIcmpError(out, kIcmpDestUnreachable, kIcmpCodeFragNeeded, 1458, quote);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(*n, 36u);
  const std::span<const std::uint8_t> message = std::span(out).first(*n);
  auto h = parseIcmp(message);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->isFragNeeded());
  EXPECT_EQ(h->nextHopMtu(), 1458);
  EXPECT_EQ(toBytes(h->body), quote);
  EXPECT_TRUE(icmpChecksumOk(message));
}

TEST(Icmp, ErrorWriterQuotesFromItsOwnBuffer) {
  // A node that turns a packet into an error in place: the quote starts
  // where the ICMP header goes.
  Bytes buf(64, 0);
  const Bytes original = toBytes(std::span<const std::uint8_t>(test::kUdp4).subspan(14, 28));
  std::copy(original.begin(), original.end(), buf.begin());
  auto n = writeIcmpError(buf, kIcmpTimeExceeded, kIcmpCodeTtlExceeded, 0, std::span(buf).first(28));
  ASSERT_TRUE(n.ok());
  auto h = parseIcmp(std::span(buf).first(*n));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->type, kIcmpTimeExceeded);
  EXPECT_EQ(toBytes(h->body), original);
  EXPECT_TRUE(icmpChecksumOk(std::span(buf).first(*n)));
}

}  // namespace
}  // namespace hnv::wire
