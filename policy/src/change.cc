#include "hnv/policy/change.h"

#include <boost/json/serialize.hpp>

#include "hnv/base/config_node.h"

namespace hnv::policy {

namespace json = boost::json;

json::object changeToJson(const Change& c) {
  json::object o;
  o["revision"] = c.revision;
  o["kind"] = c.kind;
  o["key"] = c.key;
  o["op"] = c.op == ChangeOp::Put ? "put" : "delete";
  o["object"] = c.object;
  return o;
}

Result<Change> changeFromJson(const json::value& v) {
  ConfigNode n(&v, "");
  if (auto s = n.expectObject({"revision", "kind", "key", "op", "object"}); !s) return s.error();
  auto rev = n["revision"].asUint(1, UINT64_MAX);
  if (!rev) return rev.error();
  auto kind = n["kind"].asString();
  if (!kind) return kind.error();
  auto key = n["key"].asString();
  if (!key) return key.error();
  auto op = n["op"].asString();
  if (!op) return op.error();
  if (*op != "put" && *op != "delete") return n["op"].error(*op, "must be put or delete");
  if (!n["object"].present() || !n["object"].raw()->is_object()) return n["object"].error("", "must be an object");
  return Change{*rev, *kind, *key, *op == "put" ? ChangeOp::Put : ChangeOp::Delete, n["object"].raw()->as_object(), ""};
}

Result<std::vector<Operation>> parseBatch(const json::value& body, std::size_t maxOperations) {
  ConfigNode root(&body, "");
  if (auto s = root.expectObject({"operations"}); !s) return s.error();
  auto count = root["operations"].arraySize();
  if (!count) return count.error();
  if (*count > maxOperations) {
    return root["operations"].error(std::to_string(*count),
                                    "a batch holds at most " + std::to_string(maxOperations) + " operations");
  }
  std::vector<Operation> ops;
  ops.reserve(*count);
  for (std::size_t i = 0; i < *count; ++i) {
    auto n = root["operations"].at(i);
    if (auto s = n.expectObject({"op", "kind", "key", "object", "revision"}); !s) return s.error();
    auto verb = n["op"].asString();
    if (!verb) return verb.error();
    Operation op;
    if (*verb == "create") {
      op.verb = Operation::Verb::Create;
    } else if (*verb == "replace") {
      op.verb = Operation::Verb::Replace;
    } else if (*verb == "patch") {
      op.verb = Operation::Verb::Patch;
    } else if (*verb == "delete") {
      op.verb = Operation::Verb::Delete;
    } else {
      return n["op"].error(*verb, "must be create, replace, patch or delete");
    }
    auto kind = n["kind"].asString();
    if (!kind) return kind.error();
    op.kind = *kind;
    bool needsKey = op.verb != Operation::Verb::Create;
    auto key = n["key"].asString(needsKey ? std::string() : std::string("-"));
    if (!key) return key.error();
    if (needsKey && key->empty()) return n["key"].error("", "is required for " + *verb);
    op.key = needsKey ? *key : std::string();
    bool needsObject = op.verb != Operation::Verb::Delete;
    if (needsObject) {
      if (!n["object"].present()) return n["object"].error("", "is required for " + *verb);
      op.body = *n["object"].raw();
    }
    if (n["revision"].present()) {
      auto rev = n["revision"].asUint(0, UINT64_MAX);
      if (!rev) return rev.error();
      op.expectedRevision = *rev;
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace hnv::policy
