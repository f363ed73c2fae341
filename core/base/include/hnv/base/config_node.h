// Reading JSON configuration with errors that name the exact place.
//
// A ConfigNode is a position in a parsed document plus its path
// ("ports[0].mtu"). Accessors return Result and their errors carry the path as
// `where`, the offending value as `what` and the rule as `why`, so a daemon
// can print "config: ports[0].mtu: 70000: must be between 68 and 9600".
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hnv/base/result.h"

namespace hnv {

class ConfigNode {
 public:
  ConfigNode(const boost::json::value* v, std::string path) : v_(v), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  bool present() const { return v_ != nullptr && !v_->is_null(); }
  const boost::json::value* raw() const { return v_; }

  // Child of an object; absent (present() == false) if missing.
  ConfigNode operator[](std::string_view key) const;
  ConfigNode at(std::size_t index) const;

  // Errors if this node is not an object or has a key outside `allowed`.
  Status expectObject(std::initializer_list<std::string_view> allowed) const;
  // The same for a list built at run time (a shared parser plus a program's own keys).
  Status expectObject(std::span<const std::string_view> allowed) const;
  // Number of elements; errors if not an array.
  Result<std::size_t> arraySize() const;

  Result<std::string> asString() const;
  Result<std::uint64_t> asUint(std::uint64_t min, std::uint64_t max) const;
  Result<bool> asBool() const;

  // The same, with a default when the node is absent.
  Result<std::string> asString(std::string fallback) const;
  Result<std::uint64_t> asUint(std::uint64_t min, std::uint64_t max, std::uint64_t fallback) const;
  Result<bool> asBool(bool fallback) const;

  // An error at this node's path.
  Error error(std::string what, std::string why) const;

 private:
  const boost::json::value* v_;
  std::string path_;
};

enum class JsonComments { Refused, Allowed };

// Parses JSON text; a syntax error names the line and column. Configuration
// files allow // and /* */ comments (the shipped /etc/hnv files explain
// every line); API bodies and stored policy do not.
Result<boost::json::value> parseJson(std::string_view text, std::string_view source,
                                     JsonComments comments = JsonComments::Refused);
// Reads and parses a configuration file (comments allowed).
Result<boost::json::value> loadJsonFile(const std::string& path);

}  // namespace hnv
