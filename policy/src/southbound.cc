// The southbound side of the engine: each node's desired state, which
// changes concern a node, agent status reports and learned addresses.
#include <boost/json/serialize.hpp>

#include "hnv/policy/engine.h"
#include "hnv/policy/references.h"
#include "read.h"
#include "render.h"

namespace hnv::policy {

namespace json = boost::json;

namespace {

// The kinds that only gateways receive.
bool isGatewayKind(std::string_view kind) {
  return kind == KindTraits<ExternalInterface>::kName || kind == KindTraits<GatewayRoute>::kName ||
         kind == KindTraits<NatInstance>::kName || kind == KindTraits<NatExternalAddress>::kName ||
         kind == KindTraits<NatStaticMapping>::kName || kind == KindTraits<VpnS2sInterface>::kName;
}

}  // namespace

Result<json::object> PolicyEngine::desiredState(std::string_view nodeName) const {
  const auto* node = state_.find<NodeEntry>(nodeName);
  if (node == nullptr) return makeError(Errc::NotFound, "node", std::string(nodeName), "no such node is registered");
  auto scope = state_.scope(node->object);
  json::object out;
  out["node"] = node->object.name;
  out["role"] = nodeRoleName(node->object.role);
  out["revision"] = revision_;
  json::array domains;
  for (const auto& r : scope) domains.emplace_back(r.toString());
  out["scope"] = std::move(domains);

  // Everything of the routing domains in scope, and the node's own underlay.
  auto inScope = [&](const auto& obj) {
    auto d = owningDomain(state_, obj);
    return d && scope.count(*d) != 0;
  };
  auto collect = [&](auto kind, std::string_view prefix, auto&& keep) {
    using T = typename decltype(kind)::type;
    json::array items;
    state_.forEachWithPrefix<T>(prefix, [&](const std::string&, const Stored<T>& s) {
      if (keep(s.object)) items.push_back(detail::renderStored(s));
    });
    out[KindTraits<T>::kName] = std::move(items);
  };
  collect(std::type_identity<RoutingDomain>{}, "", inScope);
  collect(std::type_identity<VirtualSubnet>{}, "", inScope);
  collect(std::type_identity<LookupRecord>{}, "", inScope);
  collect(std::type_identity<CustomerRoute>{}, "", inScope);
  // The forwarding gateway's attachments and routes, and the NAT of the
  // tenants it translates, concern gateways only. A NAT instance's outside
  // domain reaches the gateway by its own placement (a rule of the nodes kind).
  const bool gateway = node->object.role == NodeRole::Gateway;
  auto gatewayScope = [&](const auto& obj) { return gateway && inScope(obj); };
  collect(std::type_identity<ExternalInterface>{}, "", gatewayScope);
  collect(std::type_identity<GatewayRoute>{}, "", gatewayScope);
  collect(std::type_identity<NatInstance>{}, "", gatewayScope);
  collect(std::type_identity<NatExternalAddress>{}, "", gatewayScope);
  collect(std::type_identity<NatStaticMapping>{}, "", gatewayScope);
  // A gateway gets its own S2S interfaces only (with their secrets).
  collect(std::type_identity<VpnS2sInterface>{}, "", [&](const VpnS2sInterface& x) { return x.node == node->object.name; });
  auto all = [](const auto&) { return true; };
  collect(std::type_identity<ProviderAddress>{}, node->object.name + "/", all);
  collect(std::type_identity<ProviderRoute>{}, node->object.name + "/", all);
  // The cluster serving this gateway node and its members: every member
  // runs with the node's identity and picks itself by its member name.
  collect(std::type_identity<GatewayCluster>{}, "", [&](const GatewayCluster& c) { return c.name == node->object.name; });
  collect(std::type_identity<ClusterMember>{}, node->object.name + "/", all);
  // A host's VM ports: which VSID and MAC each port has, and what it may send from.
  collect(std::type_identity<VmPort>{}, node->object.name + "/", all);
  out[KindTraits<GlobalSettings>::kName] = KindTraits<GlobalSettings>::toJson(state_.global());
  return out;
}

bool PolicyEngine::concerns(const NodeEntry& node, const std::set<Rdid>& scope, const Change& change) const {
  const auto& o = change.object;
  if (change.kind == KindTraits<GlobalSettings>::kName) return true;
  if (change.kind == KindTraits<NodeEntry>::kName) return change.key == node.name;
  if (change.kind == KindTraits<GatewayCluster>::kName) return change.key == node.name;
  if (change.kind == KindTraits<ClusterMember>::kName || change.kind == KindTraits<VmPort>::kName) {
    return change.key.starts_with(node.name + "/");
  }
  if (change.kind == KindTraits<ProviderAddress>::kName || change.kind == KindTraits<ProviderRoute>::kName) {
    const auto* owner = o.if_contains("node");
    return owner != nullptr && owner->is_string() && owner->as_string() == node.name;
  }
  if (node.role != NodeRole::Gateway && isGatewayKind(change.kind)) return false;
  // Tenant kinds: the routing domain recorded when the change was committed.
  if (change.domain.empty()) return false;
  auto r = Rdid::parse(change.domain);
  return r && scope.count(*r) != 0;
}

Status PolicyEngine::reportStatus(std::string_view node, Revision applied, std::string health) {
  if (state_.find<NodeEntry>(node) == nullptr) {
    return makeError(Errc::NotFound, "node", std::string(node), "no such node is registered");
  }
  if (applied > revision_) {
    return makeError(Errc::InvalidArgument, "appliedRevision", std::to_string(applied),
                     "is beyond the controller's revision " + std::to_string(revision_));
  }
  auto& s = status_[std::string(node)];
  s.appliedRevision = applied;
  s.health = std::move(health);
  s.reportedAt = std::chrono::system_clock::now();
  return okStatus();
}

Result<std::vector<Change>> PolicyEngine::learn(std::string_view nodeName, const json::value& body,
                                                Clock::time_point now) {
  ConfigNode n(&body, "");
  if (auto s = n.expectObject({"vsid", "ca", "mac"}); !s) return s.error();
  auto vsid = detail::readVsid(n["vsid"]);
  if (!vsid) return vsid.error();
  auto ca = detail::readIp(n["ca"]);
  if (!ca) return ca.error();
  auto mac = detail::readMac(n["mac"]);
  if (!mac) return mac.error();
  if (state_.find<NodeEntry>(nodeName) == nullptr) {
    return makeError(Errc::NotFound, "node", std::string(nodeName), "no such node is registered");
  }
  // Learning is allowed only for a MAC with an L2Only record whose PA this node owns.
  const Stored<LookupRecord>* l2 = nullptr;
  IpAddr any4 = Ipv4Addr(), any6 = Ipv6Addr();
  for (const auto& any : {any4, any6}) {
    if (l2 == nullptr) l2 = state_.find<LookupRecord>(lookupRecordKey(*vsid, any, *mac));
  }
  if (l2 == nullptr || l2->object.type != RecordType::L2Only) {
    return makeError(Errc::PermissionDenied, "mac", mac->toString(),
                     "has no L2Only record in VSID " + vsid->toString() + "; only L2Only MACs learn addresses");
  }
  if (!state_.paOwnedBy(l2->object.pa, nodeName)) {
    return makeError(Errc::PermissionDenied, "mac", mac->toString(),
                     "lives behind PA " + l2->object.pa.toString() + ", which this node does not own");
  }
  json::object rec;
  rec["vsid"] = vsid->value();
  rec["ca"] = ca->toString();
  rec["mac"] = mac->toString();
  rec["pa"] = l2->object.pa.toString();
  rec["type"] = "Dynamic";
  rec["vmName"] = l2->object.vmName;
  std::string key = lookupRecordKey(*vsid, *ca, *mac);
  if (const auto* same = state_.find<LookupRecord>(key)) {
    if (same->object.type == RecordType::Dynamic && same->object.pa == l2->object.pa) {
      reportedAt_[key] = now;  // a refresh
      return std::vector<Change>{};
    }
  }
  // The CA moved from another VM's MAC: the older Dynamic record goes.
  std::vector<Operation> ops;
  Status conflict = okStatus();
  state_.forEachWithPrefix<LookupRecord>(lookupRecordPrefix(*vsid, *ca),
                                         [&](const std::string& k, const Stored<LookupRecord>& r) {
                                           if (r.object.mac == *mac) return;
                                           if (r.object.type == RecordType::Dynamic) {
                                             ops.push_back({Operation::Verb::Delete, std::string(KindTraits<LookupRecord>::kName), k, {}, {}});
                                           } else {
                                             conflict = makeError(Errc::Conflict, "ca", ca->toString(),
                                                                  "is provisioned for MAC " + r.object.mac.toString());
                                           }
                                         });
  if (!conflict) return conflict.error();
  Operation create{Operation::Verb::Create, std::string(KindTraits<LookupRecord>::kName), "", std::move(rec), {}};
  if (state_.find<LookupRecord>(key) != nullptr) {
    create.verb = Operation::Verb::Replace;
    create.key = key;
  }
  ops.push_back(std::move(create));
  auto changes = apply(ops, Access::admin());
  if (changes) reportedAt_[key] = now;
  return changes;
}

Result<std::vector<Change>> PolicyEngine::expireDynamic(Clock::time_point now) {
  const std::uint32_t aging = state_.global().dynamicRecordAgingSeconds;
  if (aging == 0) {
    // Hosts do not refresh while aging is off: once it is turned on, every
    // record is counted from the first sweep after that.
    reportedAt_.clear();
    return std::vector<Change>{};
  }
  std::map<std::string, Clock::time_point, std::less<>> seen;
  std::vector<Operation> ops;
  for (const auto& [key, r] : state_.table<LookupRecord>()) {
    if (r.object.type != RecordType::Dynamic) continue;
    auto it = reportedAt_.find(key);
    const Clock::time_point at = it != reportedAt_.end() ? it->second : now;
    seen.emplace(key, at);
    if (now - at >= std::chrono::seconds(aging)) {
      ops.push_back({Operation::Verb::Delete, std::string(KindTraits<LookupRecord>::kName), key, {}, {}});
    }
  }
  reportedAt_ = std::move(seen);  // forgets records removed in the meantime
  if (ops.empty()) return std::vector<Change>{};
  auto changes = apply(ops, Access::admin());
  if (changes) {
    for (const auto& op : ops) reportedAt_.erase(op.key);
  }
  return changes;
}

}  // namespace hnv::policy
