// Helpers shared by the core/wire unit tests.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string_view>
#include <vector>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/wire/error.h"

namespace hnv::wire {

// So that gtest prints a WireError readably when an assertion fails.
inline void PrintTo(const WireError& e, std::ostream* os) { *os << wireErrcName(e.code) << " at offset " << e.offset; }

namespace test {

inline Ipv4Addr ip4(std::string_view text) { return Ipv4Addr::parse(text).value(); }
inline Ipv6Addr ip6(std::string_view text) { return Ipv6Addr::parse(text).value(); }
inline MacAddr mac(std::string_view text) { return MacAddr::parse(text).value(); }

using Bytes = std::vector<std::uint8_t>;

inline Bytes toBytes(std::span<const std::uint8_t> s) { return Bytes(s.begin(), s.end()); }

// The error of a result that must have failed (a default WireError, with a
// test failure recorded, when it did not).
template <class R>
WireError errorOf(const R& result) {
  EXPECT_FALSE(result.ok()) << "expected the parse to fail";
  return result.ok() ? WireError{} : result.error();
}

// Every prefix shorter than `headerLength` of `valid` must be refused as Truncated.
template <class Parse>
void expectTruncatedBelow(Parse parse, std::span<const std::uint8_t> valid, std::size_t headerLength) {
  ASSERT_LE(headerLength, valid.size());
  for (std::size_t n = 0; n < headerLength; ++n) {
    const auto result = parse(valid.first(n));
    ASSERT_FALSE(result.ok()) << "a " << n << "-byte prefix parsed";
    EXPECT_EQ(result.error().code, WireErrc::Truncated) << "a " << n << "-byte prefix";
  }
}

}  // namespace test
}  // namespace hnv::wire
