// Reads: get, list with filters, history, and tenant visibility.
#include <algorithm>
#include <tuple>
#include <boost/json/serialize.hpp>

#include "hnv/policy/engine.h"
#include "hnv/policy/references.h"
#include "render.h"

namespace hnv::policy {

namespace json = boost::json;

namespace {

// "172.16.1.0/24:20" -> "172.16.1.0/24": a MetricPrefixList entry's prefix.
std::string withoutMetric(const json::value& v) {
  std::string t = fieldText(v);
  const auto slash = t.find('/');
  const auto colon = slash == std::string::npos ? std::string::npos : t.find(':', slash);
  return colon == std::string::npos ? t : t.substr(0, colon);
}

}  // namespace

PolicyEngine::SyncView PolicyEngine::syncView() const {
  // Once per request, not per record: scopes cost a walk of each node's PAs.
  SyncView view;
  for (const auto& [name, node] : state_.table<NodeEntry>()) {
    auto st = status_.find(name);
    Revision applied = st == status_.end() ? 0 : st->second.appliedRevision;
    for (const auto& rdid : state_.scope(node.object)) {
      auto [it, fresh] = view.emplace(rdid, applied);
      if (!fresh) it->second = std::min(it->second, applied);
    }
  }
  return view;
}

template <class T>
json::object PolicyEngine::decorate(const Stored<T>& s, const SyncView& sync) const {
  json::object o = detail::renderStored(s);
  redactSecrets(KindTraits<T>::kName, o);
  if constexpr (std::is_same_v<T, LookupRecord>) {
    // Unusable: no node owns the PA, so nothing can carry the record's traffic.
    o["unusable"] = state_.paOwner(s.object.pa) == nullptr;
    // Unsynchronized: a node that serves the record's routing domain has not
    // yet reported applying the record's revision.
    auto domain = owningDomain(state_, s.object);
    auto it = domain ? sync.find(*domain) : sync.end();
    o["unsynchronized"] = it != sync.end() && it->second < s.revision;
  } else {
    (void)sync;
  }
  return o;
}

Result<json::object> PolicyEngine::get(std::string_view kind, std::string_view key, const Access& access) const {
  Result<json::object> result = makeError(Errc::NotFound, "", std::string(kind), "no such kind of object");
  if (access.role == Access::Role::Node) {
    return nodeTokenRefused();
  }
  withKind(kind, [&](auto k) {
    using T = typename decltype(k)::type;
    std::string_view actual = KindTraits<T>::kSingleton ? kGlobalKey : key;
    const auto* s = state_.find<T>(actual);
    if (s == nullptr && KindTraits<T>::kSingleton && access.isAdmin()) {
      json::value empty = json::object();
      result = decorate(Stored<T>{*KindTraits<T>::fromJson(ConfigNode(&empty, "")), 0, 0}, SyncView{});
      return;
    }
    if (s == nullptr || !mayAccess(owningDomain(state_, s->object), access)) {
      result = makeError(Errc::NotFound, "", std::string(key), "no such " + std::string(KindTraits<T>::kNoun));
      return;
    }
    result = decorate(*s, std::is_same_v<T, LookupRecord> ? syncView() : SyncView{});
  });
  return result;
}

Result<json::array> PolicyEngine::list(std::string_view kind, const std::map<std::string, std::string>& filters,
                                       const Access& access) const {
  Result<json::array> result = makeError(Errc::NotFound, "", std::string(kind), "no such kind of object");
  if (access.role == Access::Role::Node) {
    return nodeTokenRefused();
  }
  withKind(kind, [&](auto k) {
    using T = typename decltype(k)::type;
    // Filters name fields (derived ones included) and are spelled canonically once.
    std::vector<std::tuple<std::string, std::string, FieldType>> wanted;
    for (const auto& [name, value] : filters) {
      const FieldSpec* spec = nullptr;
      for (const auto& f : KindTraits<T>::fields()) spec = f.name == name ? &f : spec;
      if (spec == nullptr) {
        result = fieldError(name, value, "is not a field of " + std::string(KindTraits<T>::kName) + "; cannot filter on it");
        return;
      }
      auto canonical = canonicalFilterValue(*spec, value);
      if (!canonical) {
        result = canonical.error();
        return;
      }
      wanted.emplace_back(name, *canonical, spec->type);
    }
    json::array out;
    const SyncView sync = std::is_same_v<T, LookupRecord> ? syncView() : SyncView{};
    for (const auto& [key, s] : state_.table<T>()) {
      if (!mayAccess(owningDomain(state_, s.object), access)) continue;
      json::object o = decorate(s, sync);
      bool match = true;
      for (const auto& [name, value, type] : wanted) {
        const auto* v = o.if_contains(name);
        if (v == nullptr) {
          match = false;
        } else if (v->is_array()) {
          bool any = false;
          for (const auto& e : v->as_array()) {
            any = any || fieldText(e) == value || (type == FieldType::MetricPrefixList && withoutMetric(e) == value);
          }
          match = match && any;
        } else {
          match = match && fieldText(*v) == value;
        }
      }
      if (match) out.push_back(std::move(o));
    }
    result = std::move(out);
  });
  return result;
}

Result<std::vector<Change>> PolicyEngine::changesSince(Revision after, std::size_t limit) const {
  if (after < store_.compactedRevision()) {
    return makeError(Errc::OutOfRange, "from", std::to_string(after),
                     "history before revision " + std::to_string(store_.compactedRevision() + 1) +
                         " has been compacted; list the objects again and watch from the revision of that list");
  }
  if (after >= revision_) return std::vector<Change>{};
  return store_.changesSince(after, limit);
}

bool PolicyEngine::visible(const Change& change, const Access& access) const {
  if (access.isAdmin()) return true;
  if (access.role != Access::Role::Tenant || change.domain.empty()) return false;
  // The domain recorded at commit time: the record's subnet may since have
  // been removed and its VSID given to another tenant.
  auto domain = Rdid::parse(change.domain);
  return domain && access.domains.count(*domain) != 0;
}

}  // namespace hnv::policy
