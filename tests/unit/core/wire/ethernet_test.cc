#include "hnv/wire/ethernet.h"

#include <gtest/gtest.h>

#include "captures.h"
#include "hnv/wire/builder.h"
#include "wire_test_util.h"

namespace hnv::wire {
namespace {

using test::Bytes;
using test::errorOf;
using test::mac;
using test::toBytes;

TEST(Ethernet, ParsesCapturedFrame) {
  auto h = parseEthernet(test::kArpRequest);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->dst, MacAddr::broadcast());
  EXPECT_EQ(h->src, mac("e6:95:f5:3f:21:30"));
  EXPECT_FALSE(h->vlanTci.has_value());
  EXPECT_EQ(h->vlanId(), 0);
  EXPECT_EQ(h->etherType, kEtherTypeArp);
  EXPECT_EQ(h->headerLength, 14);
}

TEST(Ethernet, ParsesOneVlanTag) {
  // dst 02:..:02, src 02:..:01, 802.1Q PCP 5 VID 100, IPv6.
  const Bytes frame = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x81, 0x00, 0xa0, 0x64, 0x86, 0xdd};
  auto h = parseEthernet(frame);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->dst, mac("02:00:00:00:00:02"));
  EXPECT_EQ(h->src, mac("02:00:00:00:00:01"));
  ASSERT_TRUE(h->vlanTci.has_value());
  EXPECT_EQ(*h->vlanTci, 0xa064);
  EXPECT_EQ(h->vlanId(), 100);
  EXPECT_EQ(h->vlanPcp(), 5);
  EXPECT_EQ(h->etherType, kEtherTypeIpv6);
  EXPECT_EQ(h->headerLength, 18);
  // The builder makes the same bytes.
  const Bytes built = PacketBuilder()
                          .eth(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"))
                          .vlan(100, 5)
                          .etherType(kEtherTypeIpv6)
                          .build();
  EXPECT_EQ(built, frame);
}

TEST(Ethernet, TruncatedAtEveryLength) {
  test::expectTruncatedBelow(parseEthernet, std::span<const std::uint8_t>(test::kArpRequest), 14);
  const Bytes tagged = PacketBuilder().eth(MacAddr(), MacAddr()).vlan(7).etherType(kEtherTypeIpv4).build();
  ASSERT_EQ(tagged.size(), 18u);
  test::expectTruncatedBelow(parseEthernet, tagged, 18);
  EXPECT_EQ(errorOf(parseEthernet(std::span(tagged).first(16))), (WireError{WireErrc::Truncated, 14}));
}

TEST(Ethernet, RefusesStackedTags) {
  Bytes frame = PacketBuilder().eth(MacAddr(), MacAddr()).vlan(7).etherType(kEtherTypeVlan).payloadFill(4, 0).build();
  EXPECT_EQ(errorOf(parseEthernet(frame)), (WireError{WireErrc::Unsupported, 16}));
  frame[16] = 0x88;
  frame[17] = 0xa8;
  EXPECT_EQ(errorOf(parseEthernet(frame)), (WireError{WireErrc::Unsupported, 16}));
  // An outer 802.1ad S-tag.
  frame[12] = 0x88;
  frame[13] = 0xa8;
  EXPECT_EQ(errorOf(parseEthernet(frame)), (WireError{WireErrc::Unsupported, 12}));
}

TEST(Ethernet, Refuses8023LengthField) {
  Bytes frame = toBytes(std::span<const std::uint8_t>(test::kArpRequest));
  frame[12] = 0x00;
  frame[13] = 0x2e;  // An 802.3 length of 46.
  EXPECT_EQ(errorOf(parseEthernet(frame)), (WireError{WireErrc::Unsupported, 12}));
  frame[12] = 0x05;
  frame[13] = 0xff;  // 1535: still not an EtherType.
  EXPECT_EQ(errorOf(parseEthernet(frame)), (WireError{WireErrc::Unsupported, 12}));
  frame[13] = 0x00;
  frame[12] = 0x06;  // 0x0600 is the first EtherType.
  EXPECT_TRUE(parseEthernet(frame).ok());
}

TEST(Ethernet, WriterWithAndWithoutTag) {
  Bytes out(18, 0xEE);
  auto n = writeEthernet(out, MacAddr::broadcast(), mac("e6:95:f5:3f:21:30"), kEtherTypeArp);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 14u);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 14), Bytes(test::kArpRequest.begin(), test::kArpRequest.begin() + 14));
  EXPECT_EQ(out[14], 0xEE);  // Nothing written past the header.
  n = writeEthernet(out, MacAddr::broadcast(), mac("e6:95:f5:3f:21:30"), kEtherTypeArp, 0x0123);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 18u);
  auto h = parseEthernet(out);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->vlanTci, 0x0123);
  EXPECT_EQ(h->etherType, kEtherTypeArp);
}

TEST(Ethernet, WriterRefusesShortBuffer) {
  Bytes out(17);
  EXPECT_EQ(errorOf(writeEthernet(std::span(out).first(13), MacAddr(), MacAddr(), kEtherTypeIpv4)),
            (WireError{WireErrc::Truncated, 13}));
  EXPECT_EQ(errorOf(writeEthernet(out, MacAddr(), MacAddr(), kEtherTypeIpv4, 1)), (WireError{WireErrc::Truncated, 17}));
}

}  // namespace
}  // namespace hnv::wire
