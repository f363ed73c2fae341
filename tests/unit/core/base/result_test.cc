#include "hnv/base/result.h"

#include <gtest/gtest.h>

namespace hnv {
namespace {

TEST(Result, CarriesValueOrError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = makeError(Errc::OutOfRange, "ports[0].mtu", "70000", "must be between 68 and 9600");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "ports[0].mtu: 70000: must be between 68 and 9600");
}

}  // namespace
}  // namespace hnv
