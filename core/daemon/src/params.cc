#include "hnv/daemon/params.h"

#include <boost/json/serialize.hpp>

namespace hnv::daemon {

namespace json = boost::json;

Result<bool> optBool(const json::object& p, std::string_view key, bool fallback) {
  const auto* v = p.if_contains(key);
  if (v == nullptr) return fallback;
  if (!v->is_bool()) return makeError(Errc::InvalidArgument, "params." + std::string(key), json::serialize(*v), "must be true or false");
  return v->as_bool();
}

Result<std::string> optString(const json::object& p, std::string_view key) {
  const auto* v = p.if_contains(key);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return makeError(Errc::InvalidArgument, "params." + std::string(key), json::serialize(*v), "must be a string");
  return std::string(v->as_string());
}

// A whole number in [lo, hi], or `fallback` when absent.
Result<std::uint64_t> optUint(const json::object& p, std::string_view key, std::uint64_t lo, std::uint64_t hi,
                              std::uint64_t fallback) {
  const auto* v = p.if_contains(key);
  if (v == nullptr) return fallback;
  if (!v->is_int64() || v->as_int64() < 0 || static_cast<std::uint64_t>(v->as_int64()) < lo ||
      static_cast<std::uint64_t>(v->as_int64()) > hi) {
    return makeError(Errc::InvalidArgument, "params." + std::string(key), json::serialize(*v),
                     "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return static_cast<std::uint64_t>(v->as_int64());
}

Result<std::string> needString(const json::object& p, std::string_view key, std::string_view what) {
  const auto* v = p.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return makeError(Errc::InvalidArgument, "params." + std::string(key), v == nullptr ? "" : json::serialize(*v),
                     std::string(what) + " is required");
  }
  return std::string(v->as_string());
}

Result<ProbeTiming> probeTiming(const json::object& p) {
  auto count = optUint(p, "count", 1, 100, 3);
  if (!count) return count.error();
  auto interval = optUint(p, "interval_ms", 10, 10000, 200);
  if (!interval) return interval.error();
  auto timeout = optUint(p, "timeout_ms", 10, 10000, 1000);
  if (!timeout) return timeout.error();
  return ProbeTiming{static_cast<unsigned>(*count), std::chrono::milliseconds(*interval),
                     std::chrono::milliseconds(*timeout)};
}

}  // namespace hnv::daemon
