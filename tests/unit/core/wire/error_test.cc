#include "hnv/wire/error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace hnv::wire {
namespace {

TEST(WireError, NamesAreStableKebabCase) {
  EXPECT_EQ(wireErrcName(WireErrc::Truncated), "truncated");
  EXPECT_EQ(wireErrcName(WireErrc::BadVersion), "bad-version");
  EXPECT_EQ(wireErrcName(WireErrc::BadHeaderLength), "bad-header-length");
  EXPECT_EQ(wireErrcName(WireErrc::BadLength), "bad-length");
  EXPECT_EQ(wireErrcName(WireErrc::BadChecksum), "bad-checksum");
  EXPECT_EQ(wireErrcName(WireErrc::Unsupported), "unsupported");
  EXPECT_EQ(wireErrcName(WireErrc::Malformed), "malformed");
  EXPECT_EQ(wireErrcName(static_cast<WireErrc>(200)), "unknown");
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kWireErrcCount; ++i) names.insert(wireErrcName(static_cast<WireErrc>(i)));
  EXPECT_EQ(names.size(), kWireErrcCount);
  static_assert(wireErrcName(WireErrc::Malformed) == "malformed", "usable at compile time");
}

TEST(WireError, ConvertsToControlPlaneError) {
  const Error e = WireError{WireErrc::BadLength, 2}.toError("ipv4");
  EXPECT_EQ(e.code, Errc::Malformed);
  EXPECT_EQ(e.where, "ipv4");
  EXPECT_EQ(e.what, "offset 2");
  EXPECT_EQ(e.message(), "ipv4: offset 2: bad-length: a length field disagrees with the buffer");
  EXPECT_EQ((WireError{WireErrc::Truncated, 0}.toError("udp").code), Errc::Truncated);
  EXPECT_EQ((WireError{WireErrc::Unsupported, 16}.toError("ethernet").code), Errc::Unsupported);
}

TEST(WireError, OffsetSaturates) {
  EXPECT_EQ(wireError(WireErrc::Truncated, 70000).offset, 0xFFFF);
  EXPECT_EQ(wireError(WireErrc::Truncated, 65535).offset, 0xFFFF);
  EXPECT_EQ(wireError(WireErrc::Truncated, 1234).offset, 1234);
}

}  // namespace
}  // namespace hnv::wire
