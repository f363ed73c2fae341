#include "hnv/base/vsid.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace hnv {
namespace {

TEST(Vsid, MakeAcceptsEvery24BitValue) {
  for (std::uint64_t v : {0ull, 1ull, 4095ull, 4096ull, 16777214ull, 16777215ull}) {
    auto r = Vsid::make(v);
    ASSERT_TRUE(r.ok()) << v;
    EXPECT_EQ(r->value(), v);
  }
}

TEST(Vsid, MakeRefusesMoreThan24Bits) {
  for (std::uint64_t v : {16777216ull, 0x1FFFFFFull, 0xFFFFFFFFull, 0x100000000ull}) {
    auto r = Vsid::make(v);
    ASSERT_FALSE(r.ok()) << v;
    EXPECT_EQ(r.error().code, Errc::OutOfRange);
    EXPECT_EQ(r.error().where, "vsid");
    EXPECT_EQ(r.error().what, std::to_string(v));
    EXPECT_NE(r.error().why.find("24 bits"), std::string::npos) << r.error().why;
  }
}

TEST(Vsid, ForTenantAcceptsOnlyTheTenantRange) {
  struct Case {
    std::uint64_t value;
    bool ok;
  };
  for (auto c : {Case{0, false}, Case{1, false}, Case{4095, false}, Case{4096, true}, Case{4097, true},
                 Case{16777214, true}, Case{16777215, false}, Case{16777216, false}, Case{0x1000000FFFull, false}}) {
    auto r = Vsid::forTenant(c.value);
    ASSERT_EQ(r.ok(), c.ok) << c.value;
    if (c.ok) {
      EXPECT_EQ(r->value(), c.value);
      EXPECT_TRUE(r->isTenantUsable());
    } else {
      EXPECT_EQ(r.error().code, Errc::OutOfRange);
      EXPECT_EQ(r.error().what, std::to_string(c.value));
      EXPECT_NE(r.error().why.find("4096 to 16777214"), std::string::npos) << r.error().why;
    }
  }
}

TEST(Vsid, ReservedValuesAreNotTenantUsable) {
  EXPECT_FALSE(Vsid::make(0)->isTenantUsable());
  EXPECT_FALSE(Vsid::make(4095)->isTenantUsable());
  EXPECT_TRUE(Vsid::make(4096)->isTenantUsable());
  EXPECT_TRUE(Vsid::make(16777214)->isTenantUsable());
  EXPECT_FALSE(Vsid::make(16777215)->isTenantUsable());
}

TEST(Vsid, FromKeyTakesTheUpper24Bits) {
  static_assert(Vsid::fromKey(0x12345678).value() == 0x123456);
  EXPECT_EQ(Vsid::fromKey(0x12345678).value(), 0x123456u);
  EXPECT_EQ(Vsid::fromKey(0xFFFFFFFF).value(), 0xFFFFFFu);
  EXPECT_EQ(Vsid::fromKey(0x000000FF).value(), 0u);
  EXPECT_EQ(Vsid::fromKey(0x00100000).value(), 0x1000u);
}

TEST(Vsid, KeyPutsTheFlowIdInTheLowByte) {
  auto v = *Vsid::make(0x123456);
  EXPECT_EQ(v.key(0x78), 0x12345678u);
  EXPECT_EQ(v.key(0), 0x12345600u);
  EXPECT_EQ(Vsid::make(0xFFFFFF)->key(0xFF), 0xFFFFFFFFu);
  // Round trip through the wire key.
  EXPECT_EQ(Vsid::fromKey(v.key(0xAB)), v);
}

TEST(Vsid, ToStringIsDecimal) {
  EXPECT_EQ(Vsid::make(5001)->toString(), "5001");
  EXPECT_EQ(Vsid::make(0)->toString(), "0");
}

TEST(Vsid, OrdersByValue) {
  EXPECT_LT(*Vsid::make(4096), *Vsid::make(4097));
  EXPECT_EQ(*Vsid::make(4096), *Vsid::forTenant(4096));
}

}  // namespace
}  // namespace hnv
