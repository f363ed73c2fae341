// Reading a local API method's params: each error names "params.<key>", the
// value and the rule, so every method refuses bad input the same way.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "hnv/base/result.h"

namespace hnv::daemon {

Result<bool> optBool(const boost::json::object& p, std::string_view key, bool fallback);
// "" when absent.
Result<std::string> optString(const boost::json::object& p, std::string_view key);
// A string that must be present.
Result<std::string> needString(const boost::json::object& p, std::string_view key, std::string_view what);
// A whole number in [lo, hi], or `fallback` when absent.
Result<std::uint64_t> optUint(const boost::json::object& p, std::string_view key, std::uint64_t lo, std::uint64_t hi,
                              std::uint64_t fallback);

// "count" (1..100, default 3), "interval_ms" and "timeout_ms" (10..10000,
// defaults 200 and 1000): the probes of pa.ping and ca.test.
struct ProbeTiming {
  unsigned count = 3;
  std::chrono::milliseconds interval{200};
  std::chrono::milliseconds timeout{1000};
};
Result<ProbeTiming> probeTiming(const boost::json::object& p);

}  // namespace hnv::daemon
