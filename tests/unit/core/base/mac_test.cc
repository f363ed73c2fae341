#include "hnv/base/mac.h"

#include <gtest/gtest.h>

#include <string_view>

namespace hnv {
namespace {

TEST(MacAddr, ParsesColonsAndDashesInAnyCase) {
  MacAddr::Bytes want{0x02, 0x00, 0x5e, 0xAB, 0xcd, 0xEF};
  for (std::string_view t : {"02:00:5e:ab:cd:ef", "02-00-5E-AB-CD-EF", "02:00:5E:aB:Cd:eF"}) {
    auto m = MacAddr::parse(t);
    ASSERT_TRUE(m.ok()) << t;
    EXPECT_EQ(m->bytes(), want) << t;
    EXPECT_EQ(m->toString(), "02:00:5e:ab:cd:ef");
  }
}

TEST(MacAddr, RefusesMalformedText) {
  for (std::string_view t : {"", "02:00:5e:ab:cd", "02:00:5e:ab:cd:ef:01", "02:00:5e:ab:cd:e", "02:00:5e:ab:cd:eff",
                             "02:00-5e:ab:cd:ef", "02-00-5e-ab-cd:ef", "02.00.5e.ab.cd.ef", "0200.5eab.cdef",
                             "02:00:5g:ab:cd:ef", "x2:00:5e:ab:cd:ef", "02:00:5e:ab:cd:eg", " 2:00:5e:ab:cd:ef",
                             "02:00:5e:ab:cd:ef ", "020:0:5e:ab:cd:ef"}) {
    auto m = MacAddr::parse(t);
    ASSERT_FALSE(m.ok()) << "'" << t << "' parsed as " << m->toString();
    EXPECT_EQ(m.error().code, Errc::InvalidArgument);
    EXPECT_EQ(m.error().what, t);
    EXPECT_NE(m.error().why.find("not a MAC address"), std::string::npos);
  }
}

TEST(MacAddr, Ipv4MulticastKeepsTheLow23Bits) {
  EXPECT_EQ(MacAddr::forIpv4Multicast(*Ipv4Addr::parse("224.1.2.3")).toString(), "01:00:5e:01:02:03");
  // The 24th bit is dropped: 224.129.2.3 and 224.1.2.3 share a MAC.
  EXPECT_EQ(MacAddr::forIpv4Multicast(*Ipv4Addr::parse("224.129.2.3")).toString(), "01:00:5e:01:02:03");
  EXPECT_EQ(MacAddr::forIpv4Multicast(*Ipv4Addr::parse("239.255.255.250")).toString(), "01:00:5e:7f:ff:fa");
  EXPECT_EQ(MacAddr::forIpv4Multicast(*Ipv4Addr::parse("224.0.0.1")).toString(), "01:00:5e:00:00:01");
  EXPECT_TRUE(MacAddr::forIpv4Multicast(*Ipv4Addr::parse("224.0.0.1")).isMulticast());
}

TEST(MacAddr, Ipv6MulticastKeepsTheLow32Bits) {
  EXPECT_EQ(MacAddr::forIpv6Multicast(*Ipv6Addr::parse("ff02::1")).toString(), "33:33:00:00:00:01");
  EXPECT_EQ(MacAddr::forIpv6Multicast(*Ipv6Addr::parse("ff02::1:ff00:1")).toString(), "33:33:ff:00:00:01");
  EXPECT_EQ(MacAddr::forIpv6Multicast(*Ipv6Addr::parse("ff05::1:3")).toString(), "33:33:00:01:00:03");
  EXPECT_EQ(MacAddr::forIpv6Multicast(*Ipv6Addr::parse("ff02::1234:5678")).toString(), "33:33:12:34:56:78");
}

TEST(MacAddr, Classifies) {
  EXPECT_TRUE(MacAddr::broadcast().isBroadcast());
  EXPECT_TRUE(MacAddr::broadcast().isMulticast());
  EXPECT_EQ(MacAddr::broadcast().toString(), "ff:ff:ff:ff:ff:ff");
  EXPECT_TRUE(MacAddr().isZero());
  EXPECT_FALSE(MacAddr().isMulticast());
  EXPECT_TRUE(MacAddr::parse("01:00:00:00:00:00")->isMulticast());
  EXPECT_FALSE(MacAddr::parse("02:00:00:00:00:01")->isMulticast());
  EXPECT_FALSE(MacAddr::parse("02:00:00:00:00:01")->isZero());
  EXPECT_FALSE(MacAddr::parse("02:00:00:00:00:01")->isBroadcast());
}

TEST(MacAddr, BytesRoundTrip) {
  const std::uint8_t wire[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
  auto m = MacAddr::fromBytes(wire);
  EXPECT_EQ(m.toString(), "02:11:22:33:44:55");
  std::uint8_t out[6] = {};
  m.toBytes(out);
  EXPECT_EQ(out[5], 0x55);
  EXPECT_EQ(MacAddr::fromBytes(out), m);
}

}  // namespace
}  // namespace hnv
