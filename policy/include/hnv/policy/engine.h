// The controller's core, free of any transport: validates and applies write
// operations atomically, keeps revisions, answers reads with tenant scoping,
// compiles each node's desired state, and tells listeners what changed.
// The REST server and the tests call it the same way.
//
// Thread: one thread (the controller's io thread) calls everything.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "hnv/policy/change.h"
#include "hnv/policy/state.h"
#include "hnv/policy/store.h"

namespace hnv::policy {

// Who is asking. An administrator sees and changes everything; a tenant only
// the objects of its routing domains; a node only its own southbound API.
struct Access {
  enum class Role : std::uint8_t { Admin, Tenant, Node };
  Role role = Role::Admin;
  std::set<Rdid> domains;  // Tenant
  std::string node;        // Node

  static Access admin() { return {}; }
  static Access tenant(std::set<Rdid> d) { return {Role::Tenant, std::move(d), {}}; }
  static Access forNode(std::string n) { return {Role::Node, {}, std::move(n)}; }
  bool isAdmin() const { return role == Role::Admin; }
};

// What an agent last reported.
struct NodeStatus {
  Revision appliedRevision = 0;
  std::string health;  // "ok", "degraded", ...; free text from the agent
  std::chrono::system_clock::time_point reportedAt{};
};

struct EngineLimits {
  std::size_t historyLimit = 200000;  // changes kept for watch resume
  std::size_t maxBatchOperations = 100000;
};

class PolicyEngine {
 public:
  using Listener = std::function<void(std::span<const Change>)>;

  PolicyEngine(Store& store, EngineLimits limits = {});

  // Loads the stored policy; fails if a stored object no longer validates.
  Status open();

  Revision revision() const { return revision_; }
  Revision compactedRevision() const { return store_.compactedRevision(); }
  const PolicyState& state() const { return state_; }

  // All operations or none. The changes are returned and given to listeners.
  Result<std::vector<Change>> apply(std::span<const Operation> ops, const Access& access);

  // One object as JSON with its revision fields and derived fields.
  Result<boost::json::object> get(std::string_view kind, std::string_view key, const Access& access) const;
  // Every visible object of a kind whose fields equal the filters
  // (field name -> value in any spelling of the field's type).
  Result<boost::json::array> list(std::string_view kind, const std::map<std::string, std::string>& filters,
                                  const Access& access) const;

  // History after `after` that `access` may see. Errc::OutOfRange if it has
  // been compacted (the caller must resync from a full list).
  Result<std::vector<Change>> changesSince(Revision after, std::size_t limit) const;
  // Whether `access` may see a change (tenant scoping of watches).
  bool visible(const Change& change, const Access& access) const;

  // --- southbound ---
  // The node's whole desired state at the current revision.
  Result<boost::json::object> desiredState(std::string_view node) const;
  // Whether a change concerns the node, given the node's scope.
  bool concerns(const NodeEntry& node, const std::set<Rdid>& scope, const Change& change) const;
  Status reportStatus(std::string_view node, Revision applied, std::string health);
  const std::map<std::string, NodeStatus, std::less<>>& nodeStatus() const { return status_; }
  const EngineLimits& limits() const { return limits_; }
  using Clock = std::chrono::steady_clock;
  // A CA learned by a node for an L2Only MAC becomes a Dynamic record; a
  // report of a record that exists already refreshes it (aging).
  Result<std::vector<Change>> learn(std::string_view node, const boost::json::value& body,
                                    Clock::time_point now = Clock::now());
  // Deletes the Dynamic records not reported within the global
  // dynamicRecordAgingSeconds (none when it is 0). A Dynamic record this
  // engine has not seen reported since aging was last turned on (loaded at
  // start, written through the API, learned while aging was off) is
  // counted from the first call that sees it.
  Result<std::vector<Change>> expireDynamic(Clock::time_point now);

  // Called after every commit, in revision order.
  int subscribe(Listener l);
  void unsubscribe(int id);

 private:
  class Batch;
  // For each routing domain some node serves, the lowest revision those
  // nodes have applied: a record is unsynchronized if its revision is above.
  using SyncView = std::map<Rdid, Revision>;
  SyncView syncView() const;
  template <class T>
  boost::json::object decorate(const Stored<T>& s, const SyncView& sync) const;
  bool mayAccess(const std::optional<Rdid>& domain, const Access& access) const;
  // Node tokens reach only their node's southbound routes, never the policy itself.
  static Error nodeTokenRefused();
  Status loadRow(const StoredRow& row);

  Store& store_;
  EngineLimits limits_;
  PolicyState state_;
  Revision revision_ = 0;
  std::map<std::string, NodeStatus, std::less<>> status_;
  std::map<int, Listener> listeners_;
  int nextListener_ = 1;
  // Dynamic record key -> when its host last reported it (not persisted).
  std::map<std::string, Clock::time_point, std::less<>> reportedAt_;
};

}  // namespace hnv::policy
