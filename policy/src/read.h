// Field readers shared by the kinds' fromJson: each returns the typed value
// or an error whose `where` is the field's path and whose `why` says what a
// valid value looks like.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "hnv/base/config_node.h"
#include "hnv/policy/kinds.h"

namespace hnv::policy::detail {

// Copies the error of `r` into `out`; lets fromJson return early in one line.
template <class T>
bool failed(const Result<T>& r, Error& out) {
  if (r) return false;
  out = r.error();
  return true;
}

// The body must be an object whose keys are fields of the kind (read-only
// fields and the revision fields are accepted and ignored by the readers).
Status expectFields(const ConfigNode& body, std::span<const FieldSpec> fields);

Result<Vsid> readVsid(const ConfigNode& n);
Result<Guid> readGuid(const ConfigNode& n);
Result<IpAddr> readIp(const ConfigNode& n);
Result<IpAddr> readIp(const ConfigNode& n, IpAddr fallback);
// An IPv4 unicast address; an IPv6 one is refused with `noIpv6` as the reason.
Result<IpAddr> readUnicast4(const ConfigNode& n, std::string_view noIpv6);
Result<MacAddr> readMac(const ConfigNode& n);
Result<Prefix> readPrefix(const ConfigNode& n);
// Printable text of at most maxLength bytes (no control characters).
Result<std::string> readText(const ConfigNode& n, std::size_t maxLength, std::string fallback);
// A node or interface name: 1..63 of [A-Za-z0-9._-], starting alphanumeric.
Result<std::string> readName(const ConfigNode& n);
Result<std::uint32_t> readMetric(const ConfigNode& n);

template <class Tagged>
Result<std::optional<Tagged>> readOptionalGuid(const ConfigNode& n) {
  if (!n.present()) return std::optional<Tagged>();
  auto g = readGuid(n);
  if (!g) return g.error();
  return std::optional<Tagged>(Tagged(*g));
}

template <class Tagged>
Result<Tagged> readTaggedGuid(const ConfigNode& n) {
  auto g = readGuid(n);
  if (!g) return g.error();
  return Tagged(*g);
}

// One of the names of `table`; absent gives `fallback`.
template <class E, std::size_t N>
Result<E> readEnum(const ConfigNode& n, const std::pair<std::string_view, E> (&table)[N], E fallback) {
  if (!n.present()) return fallback;
  auto s = n.asString();
  if (!s) return s.error();
  std::string names;
  for (const auto& [name, value] : table) {
    if (*s == name) return value;
    names += (names.empty() ? "" : ", ") + std::string(name);
  }
  return n.error(*s, "must be one of " + names);
}

template <class E, std::size_t N>
std::string_view enumName(const std::pair<std::string_view, E> (&table)[N], E value) {
  for (const auto& [name, v] : table) {
    if (v == value) return name;
  }
  return "?";
}

}  // namespace hnv::policy::detail
