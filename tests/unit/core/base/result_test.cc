#include "hnv/base/result.h"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <set>
#include <string>
#include <type_traits>

namespace hnv {
namespace {

TEST(Result, CarriesValueOrError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(static_cast<bool>(good));
  EXPECT_EQ(*good, 7);
  Result<int> bad = makeError(Errc::OutOfRange, "ports[0].mtu", "70000", "must be between 68 and 9600");
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(bad.error().code, Errc::OutOfRange);
  EXPECT_EQ(bad.error().message(), "ports[0].mtu: 70000: must be between 68 and 9600");
}

TEST(Result, ValueOrFallsBackOnlyOnError) {
  Result<int> good = 7;
  Result<int> bad = makeError(Errc::NotFound, "x", "", "missing");
  EXPECT_EQ(good.valueOr(3), 7);
  EXPECT_EQ(bad.valueOr(3), 3);
}

TEST(Result, MovesValueAndErrorOut) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);

  Result<std::string> bad = makeError(Errc::Io, "file", "a.json", "cannot open");
  Error e = std::move(bad).error();
  EXPECT_EQ(e.where, "file");
  EXPECT_EQ(e.what, "a.json");
}

TEST(Result, ArrowReachesTheValue) {
  Result<std::string> r = std::string("abc");
  EXPECT_EQ(r->size(), 3u);
}

TEST(Result, ConvertingConstructorBuildsTheValue) {
  // A json::object becomes a Result<json::value> without naming json::value.
  Result<boost::json::value> fromObject = boost::json::object{{"a", 1}};
  ASSERT_TRUE(fromObject.ok());
  ASSERT_TRUE(fromObject->is_object());
  EXPECT_EQ(fromObject->as_object().at("a").as_int64(), 1);

  Result<std::string> fromLiteral = "text";
  ASSERT_TRUE(fromLiteral.ok());
  EXPECT_EQ(*fromLiteral, "text");

  struct Base {
    virtual ~Base() = default;
    virtual int id() const { return 1; }
  };
  struct Derived : Base {
    int id() const override { return 2; }
  };
  Result<std::unique_ptr<Base>> fromDerived = std::make_unique<Derived>();
  ASSERT_TRUE(fromDerived.ok());
  EXPECT_EQ((*fromDerived)->id(), 2);
}

TEST(Result, ConvertingConstructorIsConstrained) {
  static_assert(std::is_convertible_v<const char*, Result<std::string>>);
  static_assert(std::is_convertible_v<Error, Result<std::string>>);
  // Nothing that is neither a T nor an E converts.
  static_assert(!std::is_convertible_v<std::string, Result<int>>);
  static_assert(!std::is_convertible_v<int*, Result<std::string>>);
  // An Error given to a Result<std::string> is an error, never a value.
  Result<std::string> r = makeError(Errc::Conflict, "w", "", "");
  EXPECT_FALSE(r.ok());
}

TEST(Status, DefaultIsOkAndErrorIsNot) {
  Status ok = okStatus();
  EXPECT_TRUE(ok.ok());
  Status bad = makeError(Errc::Unavailable, "api", "", "down");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::Unavailable);
  EXPECT_EQ(bad.error().message(), "api: down");
}

TEST(Error, MessageLeavesOutEmptyParts) {
  EXPECT_EQ(makeError(Errc::InvalidArgument, "w", "x", "y").message(), "w: x: y");
  EXPECT_EQ(makeError(Errc::InvalidArgument, "", "x", "y").message(), "x: y");
  EXPECT_EQ(makeError(Errc::InvalidArgument, "w", "", "y").message(), "w: y");
  EXPECT_EQ(makeError(Errc::InvalidArgument, "w", "x", "").message(), "w: x");
  // With nothing to say, the code's name stands in.
  EXPECT_EQ(makeError(Errc::PermissionDenied, "", "", "").message(), "permission-denied");
}

TEST(Error, WithinPrefixesTheWhere) {
  Error e = makeError(Errc::InvalidArgument, "mtu", "70000", "too big");
  EXPECT_EQ(e.within("ports[0]").where, "ports[0].mtu");
  // An index joins without a dot.
  EXPECT_EQ(makeError(Errc::InvalidArgument, "[2].name", "", "").within("ports").where, "ports[2].name");
  // An empty where becomes the outer one; an empty outer changes nothing.
  EXPECT_EQ(makeError(Errc::InvalidArgument, "", "", "").within("config").where, "config");
  EXPECT_EQ(e.within("").where, "mtu");
  // The rest is kept.
  Error w = e.within("ports[0]");
  EXPECT_EQ(w.code, Errc::InvalidArgument);
  EXPECT_EQ(w.what, "70000");
  EXPECT_EQ(w.why, "too big");
  // The original is unchanged.
  EXPECT_EQ(e.where, "mtu");
}

TEST(Errc, EveryCodeHasADistinctName) {
  std::set<std::string_view> names;
  for (int c = 0; c <= static_cast<int>(Errc::Internal); ++c) {
    auto n = errcName(static_cast<Errc>(c));
    EXPECT_NE(n, "unknown") << c;
    names.insert(n);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(Errc::Internal) + 1);
  EXPECT_EQ(errcName(Errc::InvalidArgument), "invalid-argument");
  EXPECT_EQ(errcName(Errc::Unavailable), "unavailable");
}

}  // namespace
}  // namespace hnv

namespace hnv {
namespace {

TEST(Errc, NamesRoundTripAndUnknownNamesAreRefused) {
  for (int c = 0; c <= static_cast<int>(Errc::Internal); ++c) {
    auto code = static_cast<Errc>(c);
    EXPECT_EQ(errcFromName(errcName(code)), code) << errcName(code);
  }
  EXPECT_EQ(errcFromName("invalid-argument"), Errc::InvalidArgument);
  EXPECT_FALSE(errcFromName("InvalidArgument").has_value());
  EXPECT_FALSE(errcFromName("").has_value());
}

}  // namespace
}  // namespace hnv
