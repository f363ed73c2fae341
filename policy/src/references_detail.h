// What the rules across objects (references.cc, nat_references.cc) share:
// their two errors (a reference to something that does not exist; a removal
// or change refused because something still refers to the object) and
// whether a routing domain is placed on a gateway.
#pragma once

#include <string>
#include <string_view>

#include "hnv/policy/kinds.h"

namespace hnv::policy::detail {

inline Error missing(std::string_view field, std::string what, std::string_view kindNoun) {
  return fieldError(field, std::move(what),
                    "names a " + std::string(kindNoun) + " that does not exist; create it first",
                    Errc::InvalidArgument);
}

inline Error inUse(std::string what, std::string why) {
  return fieldError("", std::move(what), std::move(why), Errc::Conflict);
}

inline bool isPlaced(const NodeEntry& gateway, const Rdid& rdid) {
  for (const auto& t : gateway.tenants) {
    if (t == rdid) return true;
  }
  return false;
}

}  // namespace hnv::policy::detail
