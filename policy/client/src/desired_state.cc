#include "hnv/policy/desired_state.h"

#include "hnv/base/config_node.h"
#include "hnv/policy/kinds.h"

namespace hnv::policy {

namespace json = boost::json;

namespace {

// The key of one object of a list kind, computed as the controller does.
Result<std::string> keyOf(std::string_view kind, const json::value& item) {
  Result<std::string> key = std::string();
  withKind(kind, [&](auto k) {
    using T = typename decltype(k)::type;
    auto obj = KindTraits<T>::fromJson(ConfigNode(&item, ""));
    if (!obj) {
      key = obj.error();
      return;
    }
    key = KindTraits<T>::key(*obj);
  });
  return key;
}

bool isListKind(std::string_view name) {
  bool list = false;
  withKind(name, [&](auto k) { list = !KindTraits<typename decltype(k)::type>::kSingleton; });
  return list;
}

}  // namespace

Status DesiredState::reset(const json::object& snapshot) {
  json::object header;
  std::map<std::string, std::map<std::string, json::object>, std::less<>> items;
  for (const auto& kv : snapshot) {
    if (!kv.value().is_array() || !isListKind(kv.key())) {
      header[kv.key()] = kv.value();
      continue;
    }
    header[kv.key()] = json::array();  // keeps the document's key order; filled by toJson
    auto& byKey = items[std::string(kv.key())];
    const auto& list = kv.value().as_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string where = std::string(kv.key()) + "[" + std::to_string(i) + "]";
      if (!list[i].is_object()) return makeError(Errc::Malformed, where, "", "must be an object");
      auto key = keyOf(kv.key(), list[i]);
      if (!key) return key.error().within(where);
      byKey[*key] = list[i].as_object();
    }
  }
  const auto* rev = header.if_contains("revision");
  if (rev == nullptr || !rev->is_number()) return makeError(Errc::Malformed, "revision", "", "is required (a number)");
  revision_ = rev->to_number<Revision>();
  header_ = std::move(header);
  items_ = std::move(items);
  loaded_ = true;
  return okStatus();
}

void DesiredState::apply(const Change& change) {
  revision_ = change.revision;
  header_["revision"] = change.revision;
  if (change.kind == KindTraits<NodeEntry>::kName) return;  // see the header
  if (!isListKind(change.kind)) {
    // The singleton (global settings) is replaced whole; its Delete does not exist.
    if (change.op == ChangeOp::Put) header_[change.kind] = change.object;
    return;
  }
  auto& byKey = items_[change.kind];
  if (change.op == ChangeOp::Put) {
    byKey[change.key] = change.object;
  } else {
    byKey.erase(change.key);
  }
}

json::object DesiredState::toJson() const {
  json::object out = header_;
  for (const auto& [kind, byKey] : items_) {
    json::array list;
    list.reserve(byKey.size());
    for (const auto& [key, obj] : byKey) list.push_back(obj);
    out[kind] = std::move(list);
  }
  return out;
}

}  // namespace hnv::policy
