#include "hnv/wire/nd.h"

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

Bytes icmpv6Of(std::span<const std::uint8_t> frame) { return toBytes(frame.subspan(54)); }

TEST(Nd, ParsesCapturedNeighborSolicitation) {
  const Bytes message = icmpv6Of(test::kNeighborSolicitation);
  auto ns = parseNeighborSolicitation(message);
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ(ns->target, ip6("2001:db8::2"));
  EXPECT_EQ(ns->sourceLinkLayer, mac("e6:95:f5:3f:21:30"));
  EXPECT_TRUE(icmpv6ChecksumOk(ip6("2001:db8::1"), ip6("ff02::1:ff00:2"), message));
}

TEST(Nd, ParsesCapturedNeighborAdvertisement) {
  const Bytes message = icmpv6Of(test::kNeighborAdvertisement);
  auto na = parseNeighborAdvertisement(message);
  ASSERT_TRUE(na.ok());
  EXPECT_FALSE(na->flags.router);
  EXPECT_TRUE(na->flags.solicited);
  EXPECT_TRUE(na->flags.override);
  EXPECT_EQ(na->target, ip6("2001:db8::2"));
  EXPECT_EQ(na->targetLinkLayer, mac("66:97:8e:36:ba:f1"));
  EXPECT_TRUE(icmpv6ChecksumOk(ip6("2001:db8::2"), ip6("2001:db8::1"), message));
}

TEST(Nd, ParsesCapturedRouterSolicitation) {
  const Bytes message = icmpv6Of(test::kRouterSolicitation);
  auto rs = parseRouterSolicitation(message);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->sourceLinkLayer, mac("66:97:8e:36:ba:f1"));
  EXPECT_TRUE(icmpv6ChecksumOk(ip6("fe80::6497:8eff:fe36:baf1"), ip6("ff02::2"), message));
}

TEST(Nd, BuilderMatchesCaptures) {
  const Bytes ns = PacketBuilder()
                       .eth(mac("e6:95:f5:3f:21:30"), mac("33:33:ff:00:00:02"))
                       .ipv6(ip6("2001:db8::1"), ip6("ff02::1:ff00:2"))
                       .neighborSolicitation(ip6("2001:db8::2"), mac("e6:95:f5:3f:21:30"))
                       .build();
  EXPECT_EQ(ns, toBytes(test::kNeighborSolicitation));
  const Bytes na = PacketBuilder()
                       .eth(mac("66:97:8e:36:ba:f1"), mac("e6:95:f5:3f:21:30"))
                       .ipv6(ip6("2001:db8::2"), ip6("2001:db8::1"))
                       .neighborAdvertisement(NaFlags{false, true, true}, ip6("2001:db8::2"), mac("66:97:8e:36:ba:f1"))
                       .build();
  EXPECT_EQ(na, toBytes(test::kNeighborAdvertisement));
  const Bytes rs = PacketBuilder()
                       .eth(mac("66:97:8e:36:ba:f1"), mac("33:33:00:00:00:02"))
                       .ipv6(ip6("fe80::6497:8eff:fe36:baf1"), ip6("ff02::2"))
                       .routerSolicitation(mac("66:97:8e:36:ba:f1"))
                       .build();
  EXPECT_EQ(rs, toBytes(test::kRouterSolicitation));
}

TEST(Nd, TruncatedAtEveryLength) {
  test::expectTruncatedBelow(parseNeighborSolicitation, icmpv6Of(test::kNeighborSolicitation), kNdNeighborMessageLen);
  test::expectTruncatedBelow(parseNeighborAdvertisement, icmpv6Of(test::kNeighborAdvertisement), kNdNeighborMessageLen);
  test::expectTruncatedBelow(parseRouterSolicitation, icmpv6Of(test::kRouterSolicitation), kNdRouterSolicitationLen);
}

TEST(Nd, OptionsAreOptional) {
  Bytes message = icmpv6Of(test::kNeighborSolicitation);
  message.resize(24);
  auto ns = parseNeighborSolicitation(message);
  ASSERT_TRUE(ns.ok());
  EXPECT_FALSE(ns->sourceLinkLayer.has_value());
}

TEST(Nd, RefusesWrongTypeOrCode) {
  Bytes message = icmpv6Of(test::kNeighborSolicitation);
  EXPECT_EQ(errorOf(parseNeighborAdvertisement(message)), (WireError{WireErrc::Malformed, 0}));
  EXPECT_EQ(errorOf(parseRouterSolicitation(message)), (WireError{WireErrc::Malformed, 0}));
  message[1] = 1;
  EXPECT_EQ(errorOf(parseNeighborSolicitation(message)), (WireError{WireErrc::Malformed, 1}));
}

TEST(Nd, RefusesMulticastTarget) {
  Bytes message = icmpv6Of(test::kNeighborAdvertisement);
  message[8] = 0xff;
  EXPECT_EQ(errorOf(parseNeighborAdvertisement(message)), (WireError{WireErrc::Malformed, 8}));
  message = icmpv6Of(test::kNeighborSolicitation);
  message[8] = 0xff;
  EXPECT_EQ(errorOf(parseNeighborSolicitation(message)), (WireError{WireErrc::Malformed, 8}));
}

TEST(Nd, RefusesBadOptions) {
  const Bytes good = icmpv6Of(test::kNeighborSolicitation);  // Option at 24.
  Bytes bad = good;
  bad[25] = 0;  // Length 0.
  EXPECT_EQ(errorOf(parseNeighborSolicitation(bad)), (WireError{WireErrc::Malformed, 24}));
  bad[25] = 2;  // 16 bytes where 8 remain.
  EXPECT_EQ(errorOf(parseNeighborSolicitation(bad)), (WireError{WireErrc::BadLength, 24}));
  bad = good;
  bad.push_back(3);  // A lone byte after the option.
  EXPECT_EQ(errorOf(parseNeighborSolicitation(bad)), (WireError{WireErrc::BadLength, 32}));
  bad = good;
  bad[25] = 2;  // A 16-byte link-layer option that fits: not Ethernet.
  bad.resize(40, 0);
  EXPECT_EQ(errorOf(parseNeighborSolicitation(bad)), (WireError{WireErrc::Malformed, 24}));
  // Options after a short Router Solicitation too.
  Bytes rs = icmpv6Of(test::kRouterSolicitation);
  rs[9] = 0;
  EXPECT_EQ(errorOf(parseRouterSolicitation(rs)), (WireError{WireErrc::Malformed, 8}));
}

TEST(Nd, SkipsUnknownOptionsAndKeepsTheFirstLinkLayerAddress) {
  // Nonce option (RFC 3971, type 14, 8 bytes), SLLA 02:..:01, SLLA 02:..:02.
  const Bytes options = {14, 1, 1, 2, 3, 4, 5, 6, 1, 1, 2, 0, 0, 0, 0, 1, 1, 1, 2, 0, 0, 0, 0, 2};
  auto found = parseNdOptions(options);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->source, mac("02:00:00:00:00:01"));
  EXPECT_FALSE(found->target.has_value());
  Bytes bad = options;
  bad[17] = 0;
  EXPECT_EQ(errorOf(parseNdOptions(bad)), (WireError{WireErrc::Malformed, 16}));
  EXPECT_TRUE(parseNdOptions({}).ok());
}

TEST(Nd, Writers) {
  const Ipv6Addr src = ip6("fe80::1");
  const Ipv6Addr dst = ip6("ff02::1:ff00:2");
  Bytes out(32);
  auto n = writeNeighborSolicitation(out, src, dst, ip6("2001:db8::2"), std::nullopt);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 24u);
  auto ns = parseNeighborSolicitation(std::span(out).first(*n));
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ(ns->target, ip6("2001:db8::2"));
  EXPECT_FALSE(ns->sourceLinkLayer.has_value());
  EXPECT_TRUE(icmpv6ChecksumOk(src, dst, std::span(out).first(*n)));

  n = writeNeighborAdvertisement(out, src, dst, NaFlags{true, false, true}, ip6("2001:db8::9"),
                                 mac("02:00:00:00:00:09"));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 32u);
  EXPECT_EQ(out[4], 0xa0);
  auto na = parseNeighborAdvertisement(out);
  ASSERT_TRUE(na.ok());
  EXPECT_TRUE(na->flags.router);
  EXPECT_FALSE(na->flags.solicited);
  EXPECT_TRUE(na->flags.override);
  EXPECT_EQ(na->targetLinkLayer, mac("02:00:00:00:00:09"));
  EXPECT_TRUE(icmpv6ChecksumOk(src, dst, out));

  EXPECT_EQ(errorOf(writeNeighborSolicitation(std::span(out).first(31), src, dst, src, mac("02:00:00:00:00:01"))),
            (WireError{WireErrc::Truncated, 31}));
  EXPECT_EQ(errorOf(writeNeighborAdvertisement(std::span(out).first(23), src, dst, {}, src, std::nullopt)),
            (WireError{WireErrc::Truncated, 23}));
  EXPECT_EQ(errorOf(writeRouterSolicitation(std::span(out).first(7), src, dst, std::nullopt)),
            (WireError{WireErrc::Truncated, 7}));
}

}  // namespace
}  // namespace hnv::wire
