// Reading a desired-state document (GET /v1/nodes/{name}/desired-state):
// the objects of one kind, each validated by its kind's fromJson.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "hnv/base/config_node.h"
#include "hnv/base/result.h"
#include "hnv/policy/kinds.h"

namespace hnv::policy {

// Every object of kind T in the document (none when the kind is absent);
// an error names the item ("lookup-records[3].ca").
template <class T>
Result<std::vector<T>> documentItems(const boost::json::object& desired) {
  std::string name(KindTraits<T>::kName);
  std::vector<T> out;
  const auto* list = desired.if_contains(name);
  if (list == nullptr) return out;
  if (!list->is_array()) return makeError(Errc::Malformed, name, "", "must be an array");
  for (std::size_t i = 0; i < list->as_array().size(); ++i) {
    auto obj = KindTraits<T>::fromJson(ConfigNode(&list->as_array()[i], ""));
    if (!obj) return obj.error().within(name + "[" + std::to_string(i) + "]");
    out.push_back(std::move(*obj));
  }
  return out;
}

}  // namespace hnv::policy
