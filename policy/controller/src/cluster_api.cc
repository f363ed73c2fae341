// The routes of gateway clusters beside their objects: the witness lease
// the members call every heartbeat interval (a node token of the cluster's
// gateway node, or an administrator), the cluster's status as the members
// last reported it, and an operator's planned switchover.
#include <boost/json/serialize.hpp>

#include "hnv/base/config_node.h"
#include "hnv/controller/api.h"

namespace hnv::controller {

namespace json = boost::json;
using policy::Access;

namespace {

std::vector<policy::ClusterMember> membersOf(const policy::PolicyState& state, const std::string& cluster) {
  std::vector<policy::ClusterMember> out;
  state.forEachWithPrefix<policy::ClusterMember>(cluster + "/", [&](const std::string&, const auto& m) {
    out.push_back(m.object);
  });
  return out;
}

Result<LeaseRequest> parseLeaseRequest(const std::string& body) {
  auto v = parseJson(body, "body");
  if (!v) return v.error();
  ConfigNode n(&*v, "");
  if (auto s = n.expectObject({"member", "acquire", "release", "successor", "report"}); !s) return s.error();
  LeaseRequest r;
  auto member = n["member"].asString();
  if (!member) return member.error();
  r.member = *member;
  auto acquire = n["acquire"].asBool(false);
  if (!acquire) return acquire.error();
  r.acquire = *acquire;
  auto release = n["release"].asBool(false);
  if (!release) return release.error();
  r.release = *release;
  auto successor = n["successor"].asString("");
  if (!successor) return successor.error();
  r.successor = *successor;
  if (const auto* rep = v->as_object().if_contains("report")) {
    if (!rep->is_object()) return n["report"].error("", "must be an object");
    if (json::serialize(*rep).size() > 4096) return n["report"].error("", "is larger than 4096 bytes");
    r.report = rep->as_object();
  }
  return r;
}

}  // namespace

void ControllerApi::addClusterRoutes() {
  // The cluster named in the path, if this principal may act for it.
  auto cluster = [this](Context& c) -> Result<const policy::GatewayCluster*> {
    const auto& name = c.params["name"];
    const auto& a = c.who.access;
    if (!(a.isAdmin() || (a.role == Access::Role::Node && a.node == name))) {
      return makeError(Errc::PermissionDenied, "name", name, "this token may not act for this cluster");
    }
    const auto* s = engine_.state().find<policy::GatewayCluster>(name);
    if (s == nullptr) return makeError(Errc::NotFound, "name", name, "no such gateway cluster");
    return &s->object;
  };
  add("POST", "/v1/gateway-clusters/{name}/lease", "A member takes, renews or releases the witness lease",
      [this, cluster](Context& c) {
        auto cl = cluster(c);
        if (!cl) return errorResponse(cl.error());
        auto req = parseLeaseRequest(c.req.body);
        if (!req) return errorResponse(req.error());
        auto a = witness_.handle(**cl, membersOf(engine_.state(), (*cl)->name), *req, Witness::Clock::now());
        return a ? jsonResponse(200, a->toJson()) : errorResponse(a.error());
      });
  add("GET", "/v1/gateway-clusters/{name}/status", "Roles, peer health, sync lag and last failover of the members",
      [this, cluster](Context& c) {
        auto cl = cluster(c);
        if (!cl) return errorResponse(cl.error());
        return jsonResponse(200,
                            witness_.status(**cl, membersOf(engine_.state(), (*cl)->name), Witness::Clock::now()));
      });
  add("POST", "/v1/gateway-clusters/{name}/switchover", "Planned switchover to the standby member",
      [this, cluster](Context& c) {
        auto cl = cluster(c);
        if (!cl) return errorResponse(cl.error());
        if (!c.who.access.isAdmin()) {
          return errorResponse(makeError(Errc::PermissionDenied, "name", (*cl)->name, "only an administrator may"));
        }
        if (auto s = witness_.requestSwitchover(**cl, Witness::Clock::now()); !s) return errorResponse(s.error());
        return jsonResponse(202, json::object{{"requested", true}});
      });
}

}  // namespace hnv::controller
