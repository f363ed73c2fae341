#include "hnv/policy/engine.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "hnv/policy/references.h"
#include "render.h"

namespace hnv::policy {

namespace json = boost::json;

namespace {

Result<Revision> expectedRevision(const Operation& op) {
  if (op.expectedRevision) return *op.expectedRevision;
  if (op.body.is_object()) {
    if (const auto* r = op.body.as_object().if_contains(kRevisionField)) {
      if (r->is_uint64()) return r->as_uint64();
      if (r->is_int64() && r->as_int64() >= 0) return static_cast<Revision>(r->as_int64());
      return fieldError(kRevisionField, json::serialize(*r), "must be the object's revision, a whole number");
    }
  }
  return Revision{0};  // 0: no precondition
}

}  // namespace

// Applies operations to the engine's state one by one, remembering how to
// undo each, so that a failure anywhere leaves the state as it was.
class PolicyEngine::Batch {
 public:
  Batch(PolicyEngine& e, const Access& access) : e_(e), access_(access), next_(e.revision_) {}

  Status run(const Operation& op) {
    Status result = makeError(Errc::NotFound, "kind", op.kind, "is not a kind of object this controller knows");
    withKind(op.kind, [&](auto kind) {
      using T = typename decltype(kind)::type;
      switch (op.verb) {
        case Operation::Verb::Create: result = create<T>(op); break;
        case Operation::Verb::Replace: result = update<T>(op, false); break;
        case Operation::Verb::Patch: result = update<T>(op, true); break;
        case Operation::Verb::Delete: result = remove<T>(op); break;
      }
    });
    return result;
  }

  void rollback() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
    undo_.clear();
    changes.clear();
  }

  std::vector<Change> changes;

 private:
  template <class T>
  Status allowed(const T& obj) const {
    if (e_.mayAccess(owningDomain(e_.state_, obj), access_)) return okStatus();
    return makeError(Errc::PermissionDenied, "", std::string(KindTraits<T>::kNoun),
                     access_.role == Access::Role::Tenant ? "belongs to a routing domain this token does not own"
                                                          : "this token may not change policy");
  }

  template <class T>
  Status put(const std::string& key, T obj, Revision created) {
    Revision rev = ++next_;
    auto domain = owningDomain(e_.state_, obj);
    Stored<T> stored{std::move(obj), rev, created == 0 ? rev : created};
    auto old = e_.state_.put(key, stored);
    undo_.push_back([this, key, old]() {
      if (old) {
        e_.state_.put(key, *old);
      } else {
        e_.state_.template erase<T>(key);
      }
    });
    changes.push_back({rev, std::string(KindTraits<T>::kName), key, ChangeOp::Put, detail::renderStored(stored),
                       domain ? domain->toString() : std::string()});
    return okStatus();
  }

  template <class T>
  Status create(const Operation& op) {
    if (KindTraits<T>::kSingleton) {
      return makeError(Errc::Unsupported, "", std::string(KindTraits<T>::kName), "is a single object; replace or patch it");
    }
    auto obj = KindTraits<T>::fromJson(ConfigNode(&op.body, ""));
    if (!obj) return obj.error();
    if (auto s = allowed(*obj); !s) return s;
    std::string key = KindTraits<T>::key(*obj);
    if (e_.state_.find<T>(key) != nullptr) {
      return makeError(Errc::AlreadyExists, "", key,
                       "a " + std::string(KindTraits<T>::kNoun) + " with this key exists; replace or patch it instead");
    }
    if (auto s = checkPut(e_.state_, *obj); !s) return s;
    return put(key, std::move(*obj), 0);
  }

  template <class T>
  Status update(const Operation& op, bool patch) {
    std::string key = KindTraits<T>::kSingleton ? std::string(kGlobalKey) : op.key;
    const auto* current = e_.state_.find<T>(key);
    std::optional<Stored<T>> defaults;
    if (current == nullptr && KindTraits<T>::kSingleton) {
      // The single object exists implicitly with its defaults at revision 0.
      defaults = Stored<T>{*KindTraits<T>::fromJson(ConfigNode(&kEmptyObject, "")), 0, 0};
      current = &*defaults;
    }
    if (current == nullptr || !e_.mayAccess(owningDomain(e_.state_, current->object), access_)) {
      return notFound<T>(key);
    }
    auto expected = expectedRevision(op);
    if (!expected) return expected.error();
    if (*expected != 0 && *expected != current->revision) {
      return makeError(Errc::Conflict, std::string(kRevisionField), std::to_string(*expected),
                       "the " + std::string(KindTraits<T>::kNoun) + " changed since (now at revision " +
                           std::to_string(current->revision) + "); read it again and retry");
    }
    if (!op.body.is_object()) return makeError(Errc::InvalidArgument, "body", "", "must be a JSON object");
    json::value merged;
    if (patch) {
      json::object o = KindTraits<T>::toJson(current->object);
      // A kind may drop stored fields the patch makes meaningless (another
      // authentication method's secrets, say) before the patch applies.
      if constexpr (requires { KindTraits<T>::beforePatch(o, op.body.as_object()); }) {
        KindTraits<T>::beforePatch(o, op.body.as_object());
      }
      for (const auto& kv : op.body.as_object()) o[kv.key()] = kv.value();
      merged = std::move(o);
    } else {
      merged = op.body;
    }
    auto obj = KindTraits<T>::fromJson(ConfigNode(&merged, ""));
    if (!obj) return obj.error();
    if (auto s = checkImmutable(current->object, *obj); !s) return s;
    if (KindTraits<T>::key(*obj) != key) {
      return makeError(Errc::InvalidArgument, "", KindTraits<T>::key(*obj), "the body names another object than the URL (" + key + ")");
    }
    if (auto s = allowed(*obj); !s) return s;
    if (auto s = checkPut(e_.state_, *obj); !s) return s;
    return put(key, std::move(*obj), current->createdRevision);
  }

  template <class T>
  Status remove(const Operation& op) {
    if (KindTraits<T>::kSingleton) {
      return makeError(Errc::Unsupported, "", std::string(KindTraits<T>::kName), "cannot be removed; patch it instead");
    }
    const auto* current = e_.state_.find<T>(op.key);
    if (current == nullptr || !e_.mayAccess(owningDomain(e_.state_, current->object), access_)) {
      return notFound<T>(op.key);
    }
    auto expected = expectedRevision(op);
    if (!expected) return expected.error();
    if (*expected != 0 && *expected != current->revision) {
      return makeError(Errc::Conflict, std::string(kRevisionField), std::to_string(*expected),
                       "the object changed since (now at revision " + std::to_string(current->revision) + ")");
    }
    if (auto s = allowed(current->object); !s) return s;
    if (auto s = checkRemove(e_.state_, current->object); !s) return s;
    Revision rev = ++next_;
    json::object before = detail::renderStored(*current);
    auto domain = owningDomain(e_.state_, current->object);
    auto old = e_.state_.template erase<T>(op.key);
    std::string key = op.key;
    undo_.push_back([this, key, old]() { e_.state_.put(key, *old); });
    changes.push_back({rev, std::string(KindTraits<T>::kName), op.key, ChangeOp::Delete, std::move(before),
                       domain ? domain->toString() : std::string()});
    return okStatus();
  }

  template <class T>
  Error notFound(const std::string& key) const {
    return makeError(Errc::NotFound, "", key, "no such " + std::string(KindTraits<T>::kNoun));
  }

  static inline const json::value kEmptyObject = json::object();
  PolicyEngine& e_;
  const Access& access_;
  Revision next_;
  std::vector<std::function<void()>> undo_;
};

PolicyEngine::PolicyEngine(Store& store, EngineLimits limits) : store_(store), limits_(limits) {}

Status PolicyEngine::loadRow(const StoredRow& row) {
  auto parsed = parseJson(row.body, row.kind + "/" + row.key);
  if (!parsed) return parsed.error();
  Status result = makeError(Errc::Internal, "store", row.kind, "is not a kind this controller knows");
  withKind(row.kind, [&](auto kind) {
    using T = typename decltype(kind)::type;
    auto obj = KindTraits<T>::fromJson(ConfigNode(&*parsed, ""));
    if (!obj) {
      result = obj.error().within("store " + row.kind + "/" + row.key);
      return;
    }
    state_.put(row.key, Stored<T>{std::move(*obj), row.revision, row.createdRevision});
    result = okStatus();
  });
  return result;
}

Status PolicyEngine::open() {
  auto snap = store_.load();
  if (!snap) return snap.error();
  for (const auto& row : snap->rows) {
    if (auto s = loadRow(row); !s) return s;
  }
  revision_ = snap->revision;
  return okStatus();
}

Result<std::vector<Change>> PolicyEngine::apply(std::span<const Operation> ops, const Access& access) {
  if (access.role == Access::Role::Node) {
    return nodeTokenRefused();
  }
  if (ops.size() > limits_.maxBatchOperations) {
    return makeError(Errc::OutOfRange, "operations", std::to_string(ops.size()),
                     "a batch holds at most " + std::to_string(limits_.maxBatchOperations) + " operations");
  }
  Batch batch(*this, access);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (auto s = batch.run(ops[i]); !s) {
      batch.rollback();
      return ops.size() == 1 ? s.error() : s.error().within("operations[" + std::to_string(i) + "]");
    }
  }
  if (batch.changes.empty()) return std::vector<Change>{};
  if (auto s = store_.commit(batch.changes); !s) {
    batch.rollback();
    return s.error();
  }
  revision_ = batch.changes.back().revision;
  if (revision_ > compactedRevision() + limits_.historyLimit + limits_.historyLimit / 8) {
    // Compaction failing only keeps more history than asked; the write stands.
    (void)store_.compact(revision_ - limits_.historyLimit);
  }
  std::vector<Change> changes = std::move(batch.changes);
  for (auto& [id, l] : listeners_) l(changes);
  return changes;
}

Error PolicyEngine::nodeTokenRefused() {
  return makeError(Errc::PermissionDenied, "", "", "node tokens may only use the node's own southbound API");
}

int PolicyEngine::subscribe(Listener l) {
  int id = nextListener_++;
  listeners_.emplace(id, std::move(l));
  return id;
}

void PolicyEngine::unsubscribe(int id) { listeners_.erase(id); }

bool PolicyEngine::mayAccess(const std::optional<Rdid>& domain, const Access& access) const {
  switch (access.role) {
    case Access::Role::Admin: return true;
    case Access::Role::Tenant: return domain && access.domains.count(*domain) != 0;
    case Access::Role::Node: return false;
  }
  return false;
}

}  // namespace hnv::policy
