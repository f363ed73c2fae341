#include "hnv/base/ip.h"
#include "hnv/base/mac.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace hnv {
namespace {

using namespace std::string_literals;

TEST(Ipv4Addr, ParsesDottedQuad) {
  auto a = Ipv4Addr::parse("192.0.2.1");
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a->host(), 0xC0000201u);
  EXPECT_EQ(a->toString(), "192.0.2.1");
  EXPECT_EQ(Ipv4Addr::parse("0.0.0.0")->host(), 0u);
  EXPECT_EQ(Ipv4Addr::parse("255.255.255.255")->host(), 0xFFFFFFFFu);
}

TEST(Ipv4Addr, RefusesEverythingElse) {
  for (std::string_view t : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", " 1.2.3.4",
                             "1.2.3.4 ", "1.2.3.4\n", "0x1.2.3.4", "1..2.3", "a.b.c.d", "::1", "1.2.3.4/24",
                             "-1.2.3.4", "1111.2.3.4"}) {
    auto a = Ipv4Addr::parse(t);
    ASSERT_FALSE(a.ok()) << "'" << t << "' parsed as " << a->toString();
    EXPECT_EQ(a.error().code, Errc::InvalidArgument);
    EXPECT_EQ(a.error().what, t);
    EXPECT_NE(a.error().why.find("not an IPv4 address"), std::string::npos);
  }
}

TEST(Ipv4Addr, RefusesEmbeddedNul) {
  // Text from JSON may carry "\u0000"; what follows it must not be ignored.
  for (std::string t : {"1.2.3.4\0"s, "1.2.3.4\0junk"s, "1.2.3.4\0 "s}) {
    auto a = Ipv4Addr::parse(t);
    EXPECT_FALSE(a.ok()) << "parsed as " << a->toString();
  }
}

TEST(Ipv4Addr, BytesAreNetworkOrder) {
  const std::uint8_t wire[4] = {10, 1, 2, 3};
  auto a = Ipv4Addr::fromBytes(wire);
  EXPECT_EQ(a.host(), 0x0A010203u);
  std::uint8_t out[4] = {};
  a.toBytes(out);
  EXPECT_EQ(out[0], 10);
  EXPECT_EQ(out[3], 3);
  EXPECT_EQ(a, *Ipv4Addr::parse("10.1.2.3"));
}

TEST(Ipv4Addr, Classifies) {
  EXPECT_TRUE(Ipv4Addr::parse("0.0.0.0")->isUnspecified());
  EXPECT_TRUE(Ipv4Addr::parse("255.255.255.255")->isBroadcast());
  EXPECT_TRUE(Ipv4Addr::parse("224.0.0.1")->isMulticast());
  EXPECT_TRUE(Ipv4Addr::parse("239.255.255.255")->isMulticast());
  EXPECT_FALSE(Ipv4Addr::parse("223.255.255.255")->isMulticast());
  EXPECT_FALSE(Ipv4Addr::parse("240.0.0.0")->isMulticast());
  EXPECT_TRUE(Ipv4Addr::parse("127.0.0.1")->isLoopback());
  EXPECT_FALSE(Ipv4Addr::parse("128.0.0.1")->isLoopback());
  EXPECT_LT(*Ipv4Addr::parse("9.255.255.255"), *Ipv4Addr::parse("10.0.0.0"));
}

TEST(Ipv6Addr, ParsesAndPrintsCanonically) {
  struct Case {
    const char* in;
    const char* out;
  };
  for (auto c : {Case{"2001:db8::1", "2001:db8::1"}, Case{"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
                 Case{"::", "::"}, Case{"::1", "::1"}, Case{"fe80::a:b", "fe80::a:b"},
                 Case{"::ffff:192.0.2.1", "::ffff:192.0.2.1"}, Case{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"}}) {
    auto a = Ipv6Addr::parse(c.in);
    ASSERT_TRUE(a.ok()) << c.in;
    EXPECT_EQ(a->toString(), c.out);
  }
  auto a = *Ipv6Addr::parse("2001:db8::1");
  Ipv6Addr::Bytes want{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
  EXPECT_EQ(a.bytes(), want);
}

TEST(Ipv6Addr, RefusesEverythingElse) {
  for (std::string_view t : {"", ":", "2001:db8:::1", "2001:db8::1::2", "1:2:3:4:5:6:7:8:9", "12345::1", "g::1",
                             " ::1", "::1 ", "fe80::1%eth0", "2001:db8::/32", "192.0.2.1"}) {
    auto a = Ipv6Addr::parse(t);
    ASSERT_FALSE(a.ok()) << "'" << t << "' parsed as " << a->toString();
    EXPECT_EQ(a.error().code, Errc::InvalidArgument);
    EXPECT_EQ(a.error().what, t);
    EXPECT_NE(a.error().why.find("not an IPv6 address"), std::string::npos);
  }
  EXPECT_FALSE(Ipv6Addr::parse("::1\0junk"s).ok());
}

TEST(Ipv6Addr, SolicitedNode) {
  auto sn = Ipv6Addr::parse("2001:db8::1")->solicitedNode();
  EXPECT_EQ(sn, *Ipv6Addr::parse("ff02::1:ff00:1"));
  EXPECT_EQ(sn.toString(), "ff02::1:ff00:1");
  EXPECT_EQ(Ipv6Addr::parse("fe80::1234:5678:9abc:def0")->solicitedNode().toString(), "ff02::1:ffbc:def0");
  EXPECT_TRUE(sn.isMulticast());
  EXPECT_TRUE(sn.isSolicitedNodeOf(*Ipv6Addr::parse("2001:db8::1")));
  // Any address with the same low 24 bits shares the group.
  EXPECT_TRUE(sn.isSolicitedNodeOf(*Ipv6Addr::parse("fe80::ab00:1")));
  EXPECT_FALSE(sn.isSolicitedNodeOf(*Ipv6Addr::parse("2001:db8::2")));
}

TEST(Ipv6Addr, Classifies) {
  EXPECT_TRUE(Ipv6Addr::parse("::")->isUnspecified());
  EXPECT_FALSE(Ipv6Addr::parse("::1")->isUnspecified());
  EXPECT_TRUE(Ipv6Addr::parse("ff02::1")->isMulticast());
  EXPECT_FALSE(Ipv6Addr::parse("fe80::1")->isMulticast());
  EXPECT_TRUE(Ipv6Addr::parse("fe80::1")->isLinkLocal());
  EXPECT_TRUE(Ipv6Addr::parse("febf:ffff::1")->isLinkLocal());
  EXPECT_FALSE(Ipv6Addr::parse("fec0::1")->isLinkLocal());
  EXPECT_FALSE(Ipv6Addr::parse("fe7f::1")->isLinkLocal());
  EXPECT_FALSE(Ipv6Addr::parse("2001:db8::1")->isLinkLocal());
}

TEST(Ipv6Addr, BytesRoundTrip) {
  auto a = *Ipv6Addr::parse("2001:db8:1:2:3:4:5:6");
  std::uint8_t buf[16];
  a.toBytes(buf);
  EXPECT_EQ(buf[0], 0x20);
  EXPECT_EQ(buf[15], 0x06);
  EXPECT_EQ(Ipv6Addr::fromBytes(buf), a);
}

TEST(IpAddr, PicksTheFamilyFromTheText) {
  auto v4 = IpAddr::parse("192.0.2.1");
  ASSERT_TRUE(v4.ok());
  EXPECT_TRUE(v4->isV4());
  EXPECT_FALSE(v4->isV6());
  EXPECT_EQ(v4->v4(), *Ipv4Addr::parse("192.0.2.1"));
  EXPECT_EQ(v4->toString(), "192.0.2.1");

  auto v6 = IpAddr::parse("2001:db8::1");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->isV6());
  EXPECT_EQ(v6->v6(), *Ipv6Addr::parse("2001:db8::1"));
  EXPECT_EQ(v6->toString(), "2001:db8::1");

  EXPECT_NE(IpAddr(*Ipv4Addr::parse("0.0.0.0")), IpAddr(*Ipv6Addr::parse("::")));
  EXPECT_TRUE(IpAddr().isV4());
}

TEST(IpAddr, ReportsTheFamilysError) {
  auto bad4 = IpAddr::parse("1.2.3");
  ASSERT_FALSE(bad4.ok());
  EXPECT_NE(bad4.error().why.find("IPv4"), std::string::npos);
  auto bad6 = IpAddr::parse("1::2::3");
  ASSERT_FALSE(bad6.ok());
  EXPECT_NE(bad6.error().why.find("IPv6"), std::string::npos);
  EXPECT_FALSE(IpAddr::parse("").ok());
}

}  // namespace
}  // namespace hnv

namespace hnv {
namespace {

TEST(Ipv6AddrAllNodes, IsTheLinkLocalAllNodesGroup) {
  EXPECT_EQ(Ipv6Addr::allNodes(), *Ipv6Addr::parse("ff02::1"));
  EXPECT_TRUE(Ipv6Addr::allNodes().isMulticast());
  EXPECT_EQ(MacAddr::forIpv6Multicast(Ipv6Addr::allNodes()).toString(), "33:33:00:00:00:01");
}

}  // namespace
}  // namespace hnv
