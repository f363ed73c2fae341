#include "hnv/controller/api.h"

#include <boost/json/serialize.hpp>

#include "hnv/policy/nexthop.h"

namespace hnv::controller {

namespace json = boost::json;
using policy::Access;
using policy::KindTraits;
using policy::Operation;

ApiResponse jsonResponse(unsigned status, const json::value& v) {
  ApiResponse r;
  r.status = status;
  r.body = json::serialize(v) + "\n";
  return r;
}

namespace {

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool isCollectionKind(std::string_view kind) {
  bool ok = false;
  policy::forEachKind([&](auto k) {
    using T = typename decltype(k)::type;
    ok = ok || (KindTraits<T>::kName == kind && !KindTraits<T>::kSingleton);
  });
  return ok;
}

// A revision number given as text (a query parameter or If-Match).
Result<policy::Revision> parseRevision(const std::string& name, const std::string& text, const std::string& why) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
    return makeError(Errc::InvalidArgument, name, text, why);
  }
  return static_cast<policy::Revision>(std::stoull(text));
}

Result<std::optional<policy::Revision>> ifMatchRevision(const std::string& header) {
  if (header.empty()) return std::optional<policy::Revision>();
  std::string v = header;
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  auto r = parseRevision("If-Match", v, "must be a quoted revision number like \"42\"");
  if (!r) return r.error();
  return std::optional<policy::Revision>(*r);
}

Result<policy::Revision> revisionParam(const std::map<std::string, std::string>& query, const std::string& name,
                                       policy::Revision fallback) {
  auto it = query.find(name);
  if (it == query.end()) return fallback;
  return parseRevision(name, it->second, "must be a revision number");
}

}  // namespace

unsigned httpStatus(Errc code) {
  switch (code) {
    case Errc::InvalidArgument:
    case Errc::OutOfRange:
    case Errc::Malformed:
    case Errc::Truncated: return 400;
    case Errc::PermissionDenied: return 403;
    case Errc::NotFound: return 404;
    case Errc::Unsupported: return 405;
    case Errc::AlreadyExists:
    case Errc::Conflict: return 409;
    case Errc::Unavailable: return 503;
    case Errc::Io:
    case Errc::Internal: return 500;
  }
  return 500;
}

ApiResponse errorResponse(const Error& e) {
  json::object err;
  err["code"] = errcName(e.code);
  err["field"] = e.where;
  err["value"] = e.what;
  err["reason"] = e.why;
  json::object o;
  o["error"] = std::move(err);
  return jsonResponse(httpStatus(e.code), o);
}

std::optional<std::string> percentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

ControllerApi::ControllerApi(policy::PolicyEngine& engine, const TokenTable& tokens, WatchHub& hub, std::string version)
    : engine_(engine), tokens_(tokens), hub_(hub), version_(std::move(version)), log_("controller") {
  addRoutes();
}

// Every write is an audit line (who, what, the outcome and the revision it
// left); reads only at debug level.
void ControllerApi::audit(const ApiRequest& req, const std::string& who, unsigned status) const {
  LogLevel level = status >= 500   ? LogLevel::Error
                   : status == 401 ? LogLevel::Warning
                   : req.method == "GET" ? LogLevel::Debug
                                         : LogLevel::Info;
  log_.log(level, "request", {{"token", who}, {"method", req.method}, {"path", req.path},
                              {"status", std::to_string(status)}, {"revision", std::to_string(engine_.revision())}});
}

void ControllerApi::add(std::string method, std::string pattern, std::string summary, Handler h, bool open) {
  RouteInfo info{std::move(method), std::move(pattern), std::move(summary)};
  routeInfo_.push_back(info);
  routes_.push_back(Route{info, splitPath(info.pattern), open, std::move(h)});
}

bool ControllerApi::match(const Route& r, const std::vector<std::string>& path, std::map<std::string, std::string>& params) {
  std::map<std::string, std::string> got;
  std::size_t i = 0;
  for (; i < r.segments.size(); ++i) {
    const auto& seg = r.segments[i];
    if (seg == "{key}") {
      // The key spans the rest of the path (keys contain '/').
      if (i >= path.size()) return false;
      std::string key;
      for (std::size_t k = i; k < path.size(); ++k) key += (k == i ? "" : "/") + path[k];
      got["key"] = key;
      params = std::move(got);
      return true;
    }
    if (i >= path.size()) return false;
    if (seg.size() > 2 && seg.front() == '{') {
      got[seg.substr(1, seg.size() - 2)] = path[i];
    } else if (seg != path[i]) {
      return false;
    }
  }
  if (i != path.size()) return false;
  params = std::move(got);
  return true;
}

ApiResponse ControllerApi::handle(const ApiRequest& req) {
  ApiResponse resp = route(req);
  std::lock_guard lock(responsesMutex_);
  ++responses_[resp.status];
  return resp;
}

std::map<unsigned, std::uint64_t> ControllerApi::responsesByStatus() const {
  std::lock_guard lock(responsesMutex_);
  return responses_;
}

ApiResponse ControllerApi::route(const ApiRequest& req) {
  auto path = splitPath(req.path);
  std::string allow;
  bool specificElsewhere = false;  // a specific route serves this path with another method
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match(r, path, params)) continue;
    // A generic {kind} route only matches the names of collection kinds,
    // and not a path a specific route serves with other methods
    // (DELETE /v1/gateway-clusters/gw1/status is a 405, not the key "gw1/status").
    const bool generic = params.count("kind") != 0;
    if (generic && (!isCollectionKind(params["kind"]) || specificElsewhere)) continue;
    if (r.info.method != req.method) {
      specificElsewhere = specificElsewhere || !generic;
      if (allow.find(r.info.method) == std::string::npos) allow += (allow.empty() ? "" : ", ") + r.info.method;
      continue;
    }
    Principal anonymous{"anonymous", Access::admin()};
    std::optional<Principal> who;
    if (!r.open) {
      who = tokens_.authenticate(req.authorization);
      if (!who) {
        auto resp = errorResponse(makeError(Errc::PermissionDenied, "Authorization", "",
                                            "a valid bearer token is required (Authorization: Bearer <token>)"));
        resp.status = 401;
        audit(req, "unauthenticated", resp.status);
        return resp;
      }
    }
    Context c{req, who ? *who : anonymous, std::move(params)};
    ApiResponse resp = r.handler(c);
    audit(req, c.who.name, resp.status);
    return resp;
  }
  if (!allow.empty()) {
    auto resp = errorResponse(makeError(Errc::Unsupported, "method", req.method, "this path allows " + allow));
    resp.allow = allow;
    return resp;
  }
  std::string why = "no such route; see GET /v1/openapi.json";
  if (path.size() >= 2 && path[0] == "v1" && !isCollectionKind(path[1])) {
    why = "'" + path[1] + "' is not a route or a kind of object; see GET /v1/openapi.json";
  }
  return errorResponse(makeError(Errc::NotFound, "path", req.path, why));
}

ApiResponse ControllerApi::list(Context& c, const std::string& kind) {
  auto items = engine_.list(kind, c.req.query, c.who.access);
  if (!items) return errorResponse(items.error());
  json::object o;
  o["revision"] = engine_.revision();
  o["items"] = std::move(*items);
  return jsonResponse(200, o);
}

ApiResponse ControllerApi::write(Context& c, Operation op) {
  auto ifMatch = ifMatchRevision(c.req.ifMatch);
  if (!ifMatch) return errorResponse(ifMatch.error());
  op.expectedRevision = *ifMatch;
  if (op.verb != Operation::Verb::Delete) {
    auto body = parseJson(c.req.body, "body");
    if (!body) return errorResponse(body.error());
    op.body = std::move(*body);
  }
  auto changes = engine_.apply(std::span<const Operation>(&op, 1), c.who.access);
  if (!changes) return errorResponse(changes.error());
  if (op.verb == Operation::Verb::Delete) {
    json::object o;
    o["revision"] = engine_.revision();
    return jsonResponse(200, o);
  }
  const auto& last = changes->empty() ? nullptr : &changes->back();
  if (last == nullptr) return errorResponse(makeError(Errc::Internal, "", "", "the write produced no change"));
  auto obj = engine_.get(last->kind, last->key, c.who.access);
  if (!obj) return errorResponse(obj.error());
  return jsonResponse(op.verb == Operation::Verb::Create ? 201 : 200, *obj);
}

ApiResponse ControllerApi::nodeRoute(Context& c, const std::function<ApiResponse(const policy::NodeEntry&)>& f) {
  const auto& name = c.params["name"];
  const auto& a = c.who.access;
  if (!(a.isAdmin() || (a.role == Access::Role::Node && a.node == name))) {
    return errorResponse(makeError(Errc::PermissionDenied, "name", name, "this token may not act for this node"));
  }
  const auto* node = engine_.state().find<policy::NodeEntry>(name);
  if (node == nullptr) return errorResponse(makeError(Errc::NotFound, "name", name, "no such node is registered"));
  return f(node->object);
}

void ControllerApi::addRoutes() {
  add("GET", "/v1/openapi.json", "This API's OpenAPI 3 document",
      [this](Context&) { return jsonResponse(200, openApi()); }, true);
  add("GET", "/v1/status", "Controller revision and counts", [this](Context&) {
    json::object o;
    o["version"] = version_;
    o["revision"] = engine_.revision();
    o["compactedRevision"] = engine_.compactedRevision();
    o["objects"] = engine_.state().objectCount();
    return jsonResponse(200, o);
  });
  add("POST", "/v1/batch", "Apply several operations, all or none", [this](Context& c) {
    auto body = parseJson(c.req.body, "body");
    if (!body) return errorResponse(body.error());
    auto ops = policy::parseBatch(*body, engine_.limits().maxBatchOperations);
    if (!ops) return errorResponse(ops.error());
    auto changes = engine_.apply(*ops, c.who.access);
    if (!changes) return errorResponse(changes.error());
    json::object o;
    o["revision"] = engine_.revision();
    o["changes"] = changes->size();
    return jsonResponse(200, o);
  });
  add("GET", "/v1/next-hop", "Select-NetVirtualizationNextHop", [this](Context& c) {
    json::object q;
    for (const auto& [k, v] : c.req.query) {
      bool digits = !v.empty() && v.size() < 19 && v.find_first_not_of("0123456789") == std::string::npos;
      if (k == "sourceVsid" && digits) {
        q[k] = std::stoull(v);
      } else {
        q[k] = v;
      }
    }
    auto query = policy::nextHopQueryFromJson(json::value(q));
    if (!query) return errorResponse(query.error());
    if (engine_.get(KindTraits<policy::VirtualSubnet>::kName, query->sourceVsid.toString(), c.who.access).ok() ==
        false) {
      return errorResponse(makeError(Errc::NotFound, "sourceVsid", query->sourceVsid.toString(), "no such virtual subnet"));
    }
    auto hop = policy::selectNextHop(engine_.state(), *query);
    if (!hop) return errorResponse(hop.error());
    return jsonResponse(200, policy::nextHopToJson(*hop));
  });
  add("GET", "/v1/watch", "Stream the changes after a revision", [this](Context& c) {
    if (c.who.access.role == Access::Role::Node) {
      return errorResponse(makeError(Errc::PermissionDenied, "", "", "node tokens watch /v1/nodes/{name}/watch"));
    }
    auto from = revisionParam(c.req.query, "from", engine_.revision());
    if (!from) return errorResponse(from.error());
    std::string kind;
    for (const auto& [k, v] : c.req.query) {
      if (k == "kind") {
        if (!policy::withKind(v, [](auto) {})) return errorResponse(makeError(Errc::InvalidArgument, "kind", v, "no such kind"));
        kind = v;
      } else if (k != "from") {
        return errorResponse(makeError(Errc::InvalidArgument, k, v, "unknown parameter (from, kind)"));
      }
    }
    if (*from > engine_.revision()) {
      return errorResponse(makeError(Errc::InvalidArgument, "from", std::to_string(*from),
                                     "is beyond the current revision " + std::to_string(engine_.revision())));
    }
    if (*from < engine_.compactedRevision()) {
      auto r = errorResponse(engine_.changesSince(*from, 1).error());
      r.status = 410;
      return r;
    }
    ApiResponse r;
    r.stream = std::make_unique<WatchStream>(hub_, c.who.access, *from, kind);
    return r;
  });
  add("GET", "/v1/nodes/{name}/desired-state", "The node's compiled desired state", [this](Context& c) {
    return nodeRoute(c, [this](const policy::NodeEntry& n) {
      auto s = engine_.desiredState(n.name);
      return s ? jsonResponse(200, *s) : errorResponse(s.error());
    });
  });
  add("GET", "/v1/nodes/{name}/watch", "Stream the changes that concern the node", [this](Context& c) {
    return nodeRoute(c, [this, &c](const policy::NodeEntry& n) {
      auto from = revisionParam(c.req.query, "from", engine_.revision());
      if (!from) return errorResponse(from.error());
      if (*from > engine_.revision()) {
        return errorResponse(makeError(Errc::InvalidArgument, "from", std::to_string(*from),
                                       "is beyond the current revision " + std::to_string(engine_.revision())));
      }
      ApiResponse r;
      r.stream = std::make_unique<WatchStream>(hub_, n, *from);
      return r;
    });
  });
  add("PUT", "/v1/nodes/{name}/status", "Agent report: applied revision and health", [this](Context& c) {
    return nodeRoute(c, [this, &c](const policy::NodeEntry& n) {
      auto body = parseJson(c.req.body, "body");
      if (!body) return errorResponse(body.error());
      ConfigNode root(&*body, "");
      if (auto s = root.expectObject({"appliedRevision", "health"}); !s) return errorResponse(s.error());
      auto applied = root["appliedRevision"].asUint(0, UINT64_MAX);
      if (!applied) return errorResponse(applied.error());
      auto health = root["health"].asString("ok");
      if (!health) return errorResponse(health.error());
      if (auto s = engine_.reportStatus(n.name, *applied, *health); !s) return errorResponse(s.error());
      json::object o;
      o["revision"] = engine_.revision();
      return jsonResponse(200, o);
    });
  });
  add("GET", "/v1/nodes/{name}/status", "The node's last report", [this](Context& c) {
    return nodeRoute(c, [this](const policy::NodeEntry& n) {
      json::object o;
      o["node"] = n.name;
      auto it = engine_.nodeStatus().find(n.name);
      o["appliedRevision"] = it == engine_.nodeStatus().end() ? 0 : it->second.appliedRevision;
      o["health"] = it == engine_.nodeStatus().end() ? "unknown" : it->second.health;
      o["synchronized"] = it != engine_.nodeStatus().end() && it->second.appliedRevision >= engine_.revision();
      return jsonResponse(200, o);
    });
  });
  add("POST", "/v1/nodes/{name}/learned", "Report a learned CA (becomes a Dynamic record)", [this](Context& c) {
    return nodeRoute(c, [this, &c](const policy::NodeEntry& n) {
      auto body = parseJson(c.req.body, "body");
      if (!body) return errorResponse(body.error());
      auto changes = engine_.learn(n.name, *body);
      if (!changes) return errorResponse(changes.error());
      json::object o;
      o["revision"] = engine_.revision();
      o["changes"] = changes->size();
      return jsonResponse(200, o);
    });
  });
  addClusterRoutes();
  std::string global(KindTraits<policy::GlobalSettings>::kName);
  add("GET", "/v1/global", "Get-NetVirtualizationGlobal", [this, global](Context& c) {
    auto o = engine_.get(global, policy::kGlobalKey, c.who.access);
    return o ? jsonResponse(200, *o) : errorResponse(o.error());
  });
  for (auto verb : {Operation::Verb::Replace, Operation::Verb::Patch}) {
    add(verb == Operation::Verb::Replace ? "PUT" : "PATCH", "/v1/global", "Set-NetVirtualizationGlobal",
        [this, global, verb](Context& c) {
          return write(c, Operation{verb, global, std::string(policy::kGlobalKey), {}, {}});
        });
  }
  add("GET", "/v1/{kind}", "List objects, filtered by field=value", [this](Context& c) { return list(c, c.params["kind"]); });
  add("POST", "/v1/{kind}", "Create an object", [this](Context& c) {
    return write(c, Operation{Operation::Verb::Create, c.params["kind"], "", {}, {}});
  });
  add("GET", "/v1/{kind}/{key}", "Get one object", [this](Context& c) {
    auto o = engine_.get(c.params["kind"], c.params["key"], c.who.access);
    return o ? jsonResponse(200, *o) : errorResponse(o.error());
  });
  add("PUT", "/v1/{kind}/{key}", "Replace an object", [this](Context& c) {
    return write(c, Operation{Operation::Verb::Replace, c.params["kind"], c.params["key"], {}, {}});
  });
  add("PATCH", "/v1/{kind}/{key}", "Change some fields of an object", [this](Context& c) {
    return write(c, Operation{Operation::Verb::Patch, c.params["kind"], c.params["key"], {}, {}});
  });
  add("DELETE", "/v1/{kind}/{key}", "Remove an object", [this](Context& c) {
    return write(c, Operation{Operation::Verb::Delete, c.params["kind"], c.params["key"], {}, {}});
  });
}

}  // namespace hnv::controller
