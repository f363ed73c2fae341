#include "hnv/base/config_node.h"

#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <fstream>
#include <sstream>

namespace hnv {
namespace {

std::string shortText(const boost::json::value& v) {
  std::string s = boost::json::serialize(v);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string_view kindName(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "a number";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::object: return "an object";
  }
  return "a value";
}

}  // namespace

Error ConfigNode::error(std::string what, std::string why) const {
  return makeError(Errc::InvalidArgument, path_, std::move(what), std::move(why));
}

ConfigNode ConfigNode::operator[](std::string_view key) const {
  std::string p = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  if (v_ == nullptr || !v_->is_object()) return ConfigNode(nullptr, std::move(p));
  const auto* child = v_->as_object().if_contains(key);
  return ConfigNode(child, std::move(p));
}

ConfigNode ConfigNode::at(std::size_t index) const {
  std::string p = path_ + "[" + std::to_string(index) + "]";
  if (v_ == nullptr || !v_->is_array() || index >= v_->as_array().size()) return ConfigNode(nullptr, std::move(p));
  return ConfigNode(&v_->as_array()[index], std::move(p));
}

Status ConfigNode::expectObject(std::initializer_list<std::string_view> allowed) const {
  return expectObject(std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

Status ConfigNode::expectObject(std::span<const std::string_view> allowed) const {
  if (!present()) return error("", "is required");
  if (!v_->is_object()) return error(shortText(*v_), "must be an object, not " + std::string(kindName(*v_)));
  for (const auto& kv : v_->as_object()) {
    bool known = false;
    for (auto a : allowed) known = known || kv.key() == a;
    if (!known) {
      std::string names;
      for (auto a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
      std::string p = path_.empty() ? std::string(kv.key()) : path_ + "." + std::string(kv.key());
      return makeError(Errc::InvalidArgument, p, "", "unknown key (known keys here: " + names + ")");
    }
  }
  return okStatus();
}

Result<std::size_t> ConfigNode::arraySize() const {
  if (!present()) return error("", "is required");
  if (!v_->is_array()) return error(shortText(*v_), "must be an array, not " + std::string(kindName(*v_)));
  return v_->as_array().size();
}

Result<std::string> ConfigNode::asString() const {
  if (!present()) return error("", "is required");
  if (!v_->is_string()) return error(shortText(*v_), "must be a string, not " + std::string(kindName(*v_)));
  return std::string(v_->as_string());
}

Result<std::uint64_t> ConfigNode::asUint(std::uint64_t min, std::uint64_t max) const {
  if (!present()) return error("", "is required");
  std::uint64_t value = 0;
  if (v_->is_uint64()) {
    value = v_->as_uint64();
  } else if (v_->is_int64() && v_->as_int64() >= 0) {
    value = static_cast<std::uint64_t>(v_->as_int64());
  } else {
    // A number of the wrong sort (negative, fractional) shows itself; anything else is named.
    std::string why = "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    if (!v_->is_number()) why += ", not " + std::string(kindName(*v_));
    return error(shortText(*v_), why);
  }
  if (value < min || value > max) {
    return error(std::to_string(value), "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

Result<bool> ConfigNode::asBool() const {
  if (!present()) return error("", "is required");
  if (!v_->is_bool()) return error(shortText(*v_), "must be true or false, not " + std::string(kindName(*v_)));
  return v_->as_bool();
}

Result<std::string> ConfigNode::asString(std::string fallback) const {
  if (!present()) return fallback;
  return asString();
}

Result<std::uint64_t> ConfigNode::asUint(std::uint64_t min, std::uint64_t max, std::uint64_t fallback) const {
  if (!present()) return fallback;
  return asUint(min, max);
}

Result<bool> ConfigNode::asBool(bool fallback) const {
  if (!present()) return fallback;
  return asBool();
}

Result<boost::json::value> parseJson(std::string_view text, std::string_view source, JsonComments comments) {
  boost::json::parse_options options;
  options.allow_comments = comments == JsonComments::Allowed;
  boost::json::stream_parser p({}, options);
  boost::system::error_code ec;
  std::size_t used = p.write(text.data(), text.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < used && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return makeError(Errc::Malformed, std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(col),
                     "", "invalid JSON: " + ec.message());
  }
  return p.release();
}

Result<boost::json::value> loadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(Errc::Io, path, "", "cannot open the file for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parseJson(ss.str(), path, JsonComments::Allowed);
}

}  // namespace hnv
