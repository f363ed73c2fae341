#include "hnv/wire/arp.h"

#include <gtest/gtest.h>

#include "captures.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/ethernet.h"
#include "wire_test_util.h"

namespace hnv::wire {
namespace {

using test::Bytes;
using test::errorOf;
using test::ip4;
using test::mac;
using test::toBytes;

std::span<const std::uint8_t> arpOf(std::span<const std::uint8_t> frame) { return frame.subspan(14); }

TEST(Arp, ParsesCapturedRequestAndReply) {
  auto request = parseArp(arpOf(test::kArpRequest));
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->op, ArpOp::Request);
  EXPECT_EQ(request->sha, mac("e6:95:f5:3f:21:30"));
  EXPECT_EQ(request->spa, ip4("198.51.100.1"));
  EXPECT_EQ(request->tha, MacAddr());
  EXPECT_EQ(request->tpa, ip4("198.51.100.2"));

  auto reply = parseArp(arpOf(test::kArpReply));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->op, ArpOp::Reply);
  EXPECT_EQ(reply->sha, mac("66:97:8e:36:ba:f1"));
  EXPECT_EQ(reply->spa, ip4("198.51.100.2"));
  EXPECT_EQ(reply->tha, mac("e6:95:f5:3f:21:30"));
  EXPECT_EQ(reply->tpa, ip4("198.51.100.1"));
}

TEST(Arp, BuilderMatchesCapture) {
  const Bytes request = PacketBuilder()
                            .eth(mac("e6:95:f5:3f:21:30"), MacAddr::broadcast())
                            .arpRequest(mac("e6:95:f5:3f:21:30"), ip4("198.51.100.1"), ip4("198.51.100.2"))
                            .build();
  EXPECT_EQ(request, toBytes(test::kArpRequest));
  const Bytes reply =
      PacketBuilder()
          .eth(mac("66:97:8e:36:ba:f1"), mac("e6:95:f5:3f:21:30"))
          .arpReply(mac("66:97:8e:36:ba:f1"), ip4("198.51.100.2"), mac("e6:95:f5:3f:21:30"), ip4("198.51.100.1"))
          .build();
  EXPECT_EQ(reply, toBytes(test::kArpReply));
}

TEST(Arp, TruncatedAtEveryLength) { test::expectTruncatedBelow(parseArp, arpOf(test::kArpReply), kArpLen); }

TEST(Arp, RefusesOtherVariants) {
  const Bytes good = toBytes(arpOf(test::kArpRequest));
  struct Case {
    std::size_t at;
    std::uint8_t value;
    WireError error;
  };
  const Case cases[] = {
      {1, 6, {WireErrc::Unsupported, 0}},     // IEEE 802 hardware type.
      {2, 0x86, {WireErrc::Unsupported, 2}},  // Protocol type 0x8600.
      {4, 8, {WireErrc::Unsupported, 4}},     // 8-byte hardware addresses.
      {5, 16, {WireErrc::Unsupported, 5}},    // IPv6-sized protocol addresses.
      {7, 0, {WireErrc::Malformed, 6}},       // Opcode 0 is reserved.
      {7, 3, {WireErrc::Unsupported, 6}},     // RARP request.
      {7, 8, {WireErrc::Unsupported, 6}},     // InARP request.
  };
  for (const Case& c : cases) {
    Bytes bad = good;
    bad[c.at] = c.value;
    EXPECT_EQ(errorOf(parseArp(bad)), c.error) << "byte " << c.at << " = " << int{c.value};
  }
}

TEST(Arp, WriterRoundTrips) {
  const ArpPacket arp{ArpOp::Reply, mac("02:00:00:00:00:01"), ip4("10.0.0.1"), mac("02:00:00:00:00:02"),
                      ip4("10.0.0.2")};
  Bytes out(28);
  auto n = writeArp(out, arp);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 28u);
  auto back = parseArp(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->op, ArpOp::Reply);
  EXPECT_EQ(back->sha, arp.sha);
  EXPECT_EQ(back->spa, arp.spa);
  EXPECT_EQ(back->tha, arp.tha);
  EXPECT_EQ(back->tpa, arp.tpa);
  EXPECT_EQ(errorOf(writeArp(std::span(out).first(27), arp)), (WireError{WireErrc::Truncated, 27}));
}

}  // namespace
}  // namespace hnv::wire
