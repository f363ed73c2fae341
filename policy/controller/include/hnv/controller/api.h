// The REST API of hnv-controller, independent of sockets: a request in, a
// response (or a watch stream) out. Handlers validate, call one engine
// function and encode the reply (STYLE rule 11). docs/api/README.md is the
// contract; routes() is the table the server really dispatches on, and the
// OpenAPI document is generated from it and the kinds' field tables.
//
// Thread: the controller's io thread.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hnv/base/log.h"
#include "hnv/controller/auth.h"
#include "hnv/controller/watch.h"
#include "hnv/controller/witness.h"
#include "hnv/policy/engine.h"

namespace hnv::controller {

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded, no query
  std::map<std::string, std::string> query;
  std::string body;
  std::string authorization;
  std::string ifMatch;
};

struct ApiResponse {
  unsigned status = 200;
  std::string body;  // JSON text, newline-terminated
  // Set for watch routes: the server streams it instead of `body`.
  std::unique_ptr<WatchStream> stream;
  std::string allow;  // for 405
};

struct RouteInfo {
  std::string method;
  std::string pattern;  // "/v1/{kind}/{key}"; {key} spans the rest of the path
  std::string summary;
};

class ControllerApi {
 public:
  ControllerApi(policy::PolicyEngine& engine, const TokenTable& tokens, WatchHub& hub, std::string version);

  ApiResponse handle(const ApiRequest& req);
  const std::vector<RouteInfo>& routes() const { return routeInfo_; }
  // Responses so far by HTTP status (for the metrics endpoint). Any thread.
  std::map<unsigned, std::uint64_t> responsesByStatus() const;
  // The OpenAPI 3 document of these routes and the kinds' schemas.
  boost::json::value openApi() const;

 private:
  struct Context {
    const ApiRequest& req;
    const Principal& who;
    std::map<std::string, std::string> params;
  };
  using Handler = std::function<ApiResponse(Context&)>;
  struct Route {
    RouteInfo info;
    std::vector<std::string> segments;
    bool open = false;  // no token needed
    Handler handler;
  };
  void add(std::string method, std::string pattern, std::string summary, Handler h, bool open = false);
  void addRoutes();
  // The gateway clusters' witness and status (cluster_api.cc).
  void addClusterRoutes();
  static bool match(const Route& r, const std::vector<std::string>& path, std::map<std::string, std::string>& params);

  ApiResponse list(Context& c, const std::string& kind);
  ApiResponse create(Context& c, const std::string& kind);
  ApiResponse write(Context& c, policy::Operation op);
  ApiResponse nodeRoute(Context& c, const std::function<ApiResponse(const policy::NodeEntry&)>& f);

  ApiResponse route(const ApiRequest& req);
  void audit(const ApiRequest& req, const std::string& who, unsigned status) const;

  policy::PolicyEngine& engine_;
  const TokenTable& tokens_;
  WatchHub& hub_;
  std::string version_;
  Witness witness_;
  std::vector<Route> routes_;
  std::vector<RouteInfo> routeInfo_;
  Logger log_;
  mutable std::mutex responsesMutex_;
  std::map<unsigned, std::uint64_t> responses_;
};

// The JSON text of `v` with `status`.
ApiResponse jsonResponse(unsigned status, const boost::json::value& v);
// {"error": {...}} with the HTTP status for the error's code.
ApiResponse errorResponse(const Error& e);
unsigned httpStatus(Errc code);
// Percent-decodes a URL component; nullopt on a bad escape.
std::optional<std::string> percentDecode(std::string_view s);

}  // namespace hnv::controller
