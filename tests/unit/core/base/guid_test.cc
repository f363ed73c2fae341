#include "hnv/base/guid.h"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

namespace hnv {
namespace {

constexpr const char* kText = "01234567-89ab-cdef-0123-456789abcdef";

TEST(Guid, ParsesTheCanonicalForm) {
  auto g = Guid::parse(kText);
  ASSERT_TRUE(g.ok()) << g.error().message();
  std::array<std::uint8_t, 16> want{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  EXPECT_EQ(g->bytes(), want);
  EXPECT_FALSE(g->isNil());
  EXPECT_EQ(g->toString(), kText);
}

TEST(Guid, ParsesBracesAndUpperCase) {
  auto braced = Guid::parse("{01234567-89AB-CDEF-0123-456789ABCDEF}");
  ASSERT_TRUE(braced.ok()) << braced.error().message();
  EXPECT_EQ(braced->toString(), kText);
  EXPECT_EQ(*braced, *Guid::parse(kText));
}

TEST(Guid, ToStringRoundTrips) {
  for (const char* t : {"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
                        "a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90"}) {
    auto g = Guid::parse(t);
    ASSERT_TRUE(g.ok()) << t;
    EXPECT_EQ(g->toString(), t);
    EXPECT_EQ(*Guid::parse(g->toString()), *g);
  }
  EXPECT_TRUE(Guid::parse("00000000-0000-0000-0000-000000000000")->isNil());
  EXPECT_TRUE(Guid().isNil());
}

TEST(Guid, RefusesWrongLength) {
  for (const char* t : {"", "01234567-89ab-cdef-0123-456789abcde", "01234567-89ab-cdef-0123-456789abcdef0",
                        "{01234567-89ab-cdef-0123-456789abcdef", "01234567-89ab-cdef-0123-456789abcdef}",
                        "0123456789abcdef0123456789abcdef", "{{01234567-89ab-cdef-0123-456789abcdef}}"}) {
    auto g = Guid::parse(t);
    ASSERT_FALSE(g.ok()) << t;
    EXPECT_EQ(g.error().code, Errc::InvalidArgument);
    EXPECT_EQ(g.error().where, "guid");
    EXPECT_EQ(g.error().what, t);
    EXPECT_NE(g.error().why.find("36 characters"), std::string::npos) << g.error().why;
  }
}

TEST(Guid, RefusesBadHexAtEachPositionClass) {
  // Replace one character of each group, both nibbles of a byte, and the last one.
  for (std::size_t pos : {0u, 1u, 7u, 9u, 12u, 14u, 17u, 19u, 22u, 24u, 34u, 35u}) {
    for (char bad : {'g', 'G', ' ', '-', 'x'}) {
      std::string t = kText;
      t[pos] = bad;
      auto g = Guid::parse(t);
      ASSERT_FALSE(g.ok()) << t;
      EXPECT_EQ(g.error().what, t);
      EXPECT_EQ(g.error().why, "not a hexadecimal digit at position " + std::to_string(pos + 1)) << t;
    }
  }
}

TEST(Guid, RefusesMissingOrMisplacedDashes) {
  for (std::size_t pos : {8u, 13u, 18u, 23u}) {
    std::string t = kText;
    t[pos] = '0';
    auto g = Guid::parse(t);
    ASSERT_FALSE(g.ok()) << t;
    EXPECT_EQ(g.error().why, "expected '-' at position " + std::to_string(pos + 1)) << t;
  }
  // Dashes in the wrong places (same length): the first misplaced one is reported.
  auto g = Guid::parse("0123456-789ab-cdef-0123-456789abcdef");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().why, "not a hexadecimal digit at position 8");
}

TEST(Guid, RolesAreDistinctTypes) {
  static_assert(!std::is_convertible_v<Rdid, CustomerId>);
  static_assert(!std::is_convertible_v<CustomerId, Rdid>);
  static_assert(!std::is_constructible_v<Rdid, CustomerId>);
  static_assert(!std::is_convertible_v<Guid, Rdid>, "a bare Guid must be wrapped explicitly");
  static_assert(!std::is_convertible_v<Rdid, Guid>);

  auto r = Rdid::parse(kText);
  auto c = CustomerId::parse(kText);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(c.ok());
  // Same bits, different roles.
  EXPECT_EQ(r->guid(), c->guid());
  EXPECT_EQ(r->toString(), kText);
  auto bad = Rdid::parse("nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where, "guid");
}

}  // namespace
}  // namespace hnv
