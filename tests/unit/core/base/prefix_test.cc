#include "hnv/base/prefix.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace hnv {
namespace {

Ipv4Addr v4(std::string_view t) { return *Ipv4Addr::parse(t); }
Ipv6Addr v6(std::string_view t) { return *Ipv6Addr::parse(t); }

TEST(Prefix4, Parses) {
  auto p = Prefix4::parse("10.0.1.0/24");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->network(), v4("10.0.1.0"));
  EXPECT_EQ(p->length(), 24u);
  EXPECT_EQ(p->toString(), "10.0.1.0/24");
  EXPECT_EQ(Prefix4::parse("0.0.0.0/0")->length(), 0u);
  EXPECT_EQ(Prefix4::parse("192.0.2.7/32")->length(), 32u);
}

TEST(Prefix4, ABareAddressIsAHostPrefix) {
  auto p = Prefix4::parse("192.0.2.7");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->length(), 32u);
  EXPECT_EQ(p->toString(), "192.0.2.7/32");
}

TEST(Prefix4, RefusesHostBitsAndNamesTheNetwork) {
  auto p = Prefix4::parse("10.0.1.1/24");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::InvalidArgument);
  EXPECT_EQ(p.error().what, "10.0.1.1/24");
  EXPECT_EQ(p.error().why, "host bits are set; the network is 10.0.1.0/24");
  auto q = Prefix4::parse("192.0.2.128/24");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().why.find("192.0.2.0/24"), std::string::npos);
  auto m = Prefix4::make(v4("10.255.0.0"), 8);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().why.find("10.0.0.0/8"), std::string::npos);
}

TEST(Prefix4, RefusesBadLengths) {
  auto tooLong = Prefix4::parse("10.0.0.0/33");
  ASSERT_FALSE(tooLong.ok());
  EXPECT_EQ(tooLong.error().code, Errc::OutOfRange);
  EXPECT_EQ(tooLong.error().what, "10.0.0.0/33");
  EXPECT_EQ(tooLong.error().why, "prefix length 33 exceeds 32");
  auto made = Prefix4::make(v4("10.0.0.0"), 33);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, Errc::OutOfRange);

  for (std::string_view t : {"10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8 ", "10.0.0.0/ 8",
                             "10.0.0.0/8/8"}) {
    auto p = Prefix4::parse(t);
    ASSERT_FALSE(p.ok()) << t;
    EXPECT_EQ(p.error().what, t);
    EXPECT_EQ(p.error().why, "the prefix length after '/' is not a number") << t;
  }
  EXPECT_FALSE(Prefix4::parse("10.0.0.0/4294967328").ok()) << "33 modulo 2^32 must not wrap";
}

TEST(Prefix4, RefusesBadAddressNamingTheWholeText) {
  auto p = Prefix4::parse("10.0.0/8");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().what, "10.0.0/8");
  EXPECT_NE(p.error().why.find("not an IPv4 address"), std::string::npos);
  EXPECT_FALSE(Prefix4::parse("2001:db8::/32").ok());
  EXPECT_FALSE(Prefix4::parse("/8").ok());
}

TEST(Prefix4, Contains) {
  auto p = *Prefix4::parse("10.0.1.0/24");
  EXPECT_TRUE(p.contains(v4("10.0.1.0")));
  EXPECT_TRUE(p.contains(v4("10.0.1.255")));
  EXPECT_FALSE(p.contains(v4("10.0.2.0")));
  EXPECT_FALSE(p.contains(v4("10.0.0.255")));
  auto all = *Prefix4::parse("0.0.0.0/0");
  EXPECT_TRUE(all.contains(v4("255.255.255.255")));
  EXPECT_TRUE(all.contains(v4("0.0.0.0")));
  auto host = *Prefix4::parse("192.0.2.7/32");
  EXPECT_TRUE(host.contains(v4("192.0.2.7")));
  EXPECT_FALSE(host.contains(v4("192.0.2.6")));
  auto odd = *Prefix4::parse("10.0.0.0/9");
  EXPECT_TRUE(odd.contains(v4("10.127.255.255")));
  EXPECT_FALSE(odd.contains(v4("10.128.0.0")));
}

TEST(Prefix6, ParsesAndContains) {
  auto p = Prefix6::parse("2001:db8::/32");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->length(), 32u);
  EXPECT_EQ(p->toString(), "2001:db8::/32");
  EXPECT_TRUE(p->contains(v6("2001:db8:ffff::1")));
  EXPECT_FALSE(p->contains(v6("2001:db9::")));

  auto odd = *Prefix6::parse("2001:db8:8000::/33");
  EXPECT_TRUE(odd.contains(v6("2001:db8:ffff::")));
  EXPECT_FALSE(odd.contains(v6("2001:db8:7fff::")));

  auto host = Prefix6::parse("2001:db8::1");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->length(), 128u);
  EXPECT_TRUE(host->contains(v6("2001:db8::1")));
  EXPECT_FALSE(host->contains(v6("2001:db8::2")));
  EXPECT_TRUE(Prefix6::parse("::/0")->contains(v6("ffff::1")));
}

TEST(Prefix6, RefusesHostBitsAndLongLengths) {
  auto p = Prefix6::parse("2001:db8::1/64");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().why, "host bits are set; the network is 2001:db8::/64");
  auto q = Prefix6::parse("2001:db8:8000::/32");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().why.find("2001:db8::/32"), std::string::npos);
  auto tooLong = Prefix6::parse("2001:db8::/129");
  ASSERT_FALSE(tooLong.ok());
  EXPECT_EQ(tooLong.error().code, Errc::OutOfRange);
  EXPECT_EQ(tooLong.error().why, "prefix length 129 exceeds 128");
  EXPECT_TRUE(Prefix6::parse("2001:db8::1/128").ok());
}

TEST(MaskAddress, KeepsExactlyTheFirstLenBits) {
  EXPECT_EQ(maskAddress(v4("255.255.255.255"), 0), v4("0.0.0.0"));
  EXPECT_EQ(maskAddress(v4("255.255.255.255"), 1), v4("128.0.0.0"));
  EXPECT_EQ(maskAddress(v4("255.255.255.255"), 31), v4("255.255.255.254"));
  EXPECT_EQ(maskAddress(v4("255.255.255.255"), 32), v4("255.255.255.255"));
  auto ones = v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(maskAddress(ones, 0), v6("::"));
  EXPECT_EQ(maskAddress(ones, 1), v6("8000::"));
  EXPECT_EQ(maskAddress(ones, 65), v6("ffff:ffff:ffff:ffff:8000::"));
  EXPECT_EQ(maskAddress(ones, 127), v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"));
  EXPECT_EQ(maskAddress(ones, 128), ones);
}

TEST(InterfaceAddress4, ParsesAndGivesItsSubnet) {
  auto a = InterfaceAddress4::parse("192.0.2.1/24");
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a->address(), v4("192.0.2.1"));
  EXPECT_EQ(a->length(), 24u);
  EXPECT_EQ(a->toString(), "192.0.2.1/24");
  EXPECT_EQ(a->subnet(), *Prefix4::parse("192.0.2.0/24"));
  EXPECT_EQ(InterfaceAddress4::parse("10.1.2.3/0")->subnet().toString(), "0.0.0.0/0");
  EXPECT_EQ(InterfaceAddress4::parse("10.1.2.3/32")->subnet().toString(), "10.1.2.3/32");
}

TEST(InterfaceAddress4, RequiresALength) {
  auto a = InterfaceAddress4::parse("192.0.2.1");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, Errc::InvalidArgument);
  EXPECT_EQ(a.error().what, "192.0.2.1");
  EXPECT_NE(a.error().why.find("needs its prefix length"), std::string::npos);
}

TEST(InterfaceAddress4, RefusesNonUnicastAndBadText) {
  for (std::string_view t : {"224.0.0.1/4", "239.1.2.3/24", "0.0.0.0/0", "0.0.0.0/8"}) {
    auto a = InterfaceAddress4::parse(t);
    ASSERT_FALSE(a.ok()) << t;
    EXPECT_EQ(a.error().what, t);
    EXPECT_EQ(a.error().why, "an interface address must be a unicast address");
  }
  EXPECT_EQ(InterfaceAddress4::parse("192.0.2.1/33").error().code, Errc::OutOfRange);
  EXPECT_FALSE(InterfaceAddress4::parse("192.0.2/24").ok());
  EXPECT_FALSE(InterfaceAddress4::parse("192.0.2.1/").ok());
}

TEST(InterfaceAddress6, ParsesAndRefuses) {
  auto a = InterfaceAddress6::parse("2001:db8::1/64");
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a->address(), v6("2001:db8::1"));
  EXPECT_EQ(a->length(), 64u);
  EXPECT_EQ(a->subnet().toString(), "2001:db8::/64");
  EXPECT_FALSE(InterfaceAddress6::parse("2001:db8::1").ok());
  EXPECT_EQ(InterfaceAddress6::parse("ff02::1/64").error().why, "an interface address must be a unicast address");
  EXPECT_EQ(InterfaceAddress6::parse("::/0").error().why, "an interface address must be a unicast address");
  EXPECT_EQ(InterfaceAddress6::parse("2001:db8::1/129").error().code, Errc::OutOfRange);
}

TEST(Prefix, PicksTheFamily) {
  auto p4 = Prefix::parse("10.0.0.0/8");
  ASSERT_TRUE(p4.ok());
  EXPECT_TRUE(p4->isV4());
  EXPECT_EQ(p4->v4().length(), 8u);
  EXPECT_EQ(p4->toString(), "10.0.0.0/8");
  auto p6 = Prefix::parse("2001:db8::/32");
  ASSERT_TRUE(p6.ok());
  EXPECT_FALSE(p6->isV4());
  EXPECT_EQ(p6->v6().length(), 32u);
  EXPECT_EQ(p6->toString(), "2001:db8::/32");
  EXPECT_FALSE(Prefix::parse("10.0.0.1/8").ok());
  EXPECT_FALSE(Prefix::parse("2001:db8::1/32").ok());
}

}  // namespace
}  // namespace hnv

namespace hnv {
namespace {

// onLink, the packet path's inline test, agrees with subnet().contains for
// every length of either family, on addresses that differ in one bit.
TEST(InterfaceAddressOnLink, AgreesWithTheSubnetForEveryLength) {
  const Ipv4Addr base4 = *Ipv4Addr::parse("192.0.2.77");
  const Ipv6Addr base6 = *Ipv6Addr::parse("2001:db8:1:2:3:4:5:6");
  for (unsigned len = 0; len <= 32; ++len) {
    auto a = *InterfaceAddress4::parse(base4.toString() + "/" + std::to_string(len));
    for (unsigned bit = 0; bit < 32; ++bit) {
      const Ipv4Addr other = Ipv4Addr::fromHost(base4.host() ^ (1u << bit));
      EXPECT_EQ(a.onLink(other), a.subnet().contains(other)) << len << " " << bit;
    }
    EXPECT_TRUE(a.onLink(base4));
  }
  for (unsigned len = 0; len <= 128; ++len) {
    auto a = *InterfaceAddress6::parse(base6.toString() + "/" + std::to_string(len));
    for (unsigned bit = 0; bit < 128; ++bit) {
      Ipv6Addr::Bytes b = base6.bytes();
      b[bit / 8] ^= static_cast<std::uint8_t>(0x80u >> (bit % 8));
      const Ipv6Addr other(b);
      EXPECT_EQ(a.onLink(other), a.subnet().contains(other)) << len << " " << bit;
      EXPECT_EQ(a.onLink(other), bit >= len) << len << " " << bit;
    }
    EXPECT_TRUE(a.onLink(base6));
  }
}

}  // namespace
}  // namespace hnv
