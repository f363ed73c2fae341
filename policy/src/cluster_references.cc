// Rules across objects for the gateway cluster kinds: a cluster serves an
// existing gateway node; a member belongs to an existing cluster, which has
// at most two members, each on its own heartbeat address; a cluster is
// removed after its members. The node's removal rule for its cluster is in
// references.cc.
#include "hnv/policy/references.h"
#include "references_detail.h"

namespace hnv::policy {

using detail::inUse;
using detail::missing;

template <>
Status checkPut(const PolicyState& state, const GatewayCluster& c) {
  const auto* node = state.find<NodeEntry>(c.name);
  if (node == nullptr) return missing("name", c.name, "node");
  if (node->object.role != NodeRole::Gateway) {
    return fieldError("name", c.name, "is not a gateway; a cluster serves a gateway node");
  }
  return okStatus();
}

template <>
Status checkRemove(const PolicyState& state, const GatewayCluster& c) {
  std::string who;
  state.forEachWithPrefix<ClusterMember>(c.name + "/", [&](const std::string& key, const auto&) {
    if (who.empty()) who = "cluster member " + key;
  });
  if (!who.empty()) return inUse(c.name, who + " still belongs to it; remove that first");
  return okStatus();
}

template <>
std::optional<Rdid> owningDomain(const PolicyState&, const GatewayCluster&) {
  return std::nullopt;
}

template <>
Status checkPut(const PolicyState& state, const ClusterMember& m) {
  if (state.find<GatewayCluster>(m.cluster) == nullptr) return missing("cluster", m.cluster, "gateway cluster");
  const std::string self = KindTraits<ClusterMember>::key(m);
  Status result = okStatus();
  int others = 0;
  state.forEachWithPrefix<ClusterMember>(m.cluster + "/", [&](const std::string& key, const Stored<ClusterMember>& o) {
    if (key == self || !result) return;
    ++others;
    if (o.object.heartbeatAddress == m.heartbeatAddress) {
      result = fieldError("heartbeatAddress", m.heartbeatAddress.toString(),
                          "is the heartbeat address of member " + key, Errc::Conflict);
    }
  });
  if (!result) return result;
  if (others >= 2) {
    return fieldError("cluster", m.cluster, "already has two members; an active/passive cluster has two",
                      Errc::Conflict);
  }
  if (m.name == m.cluster) return fieldError("name", m.name, "must differ from the cluster's name");
  return okStatus();
}

template <>
Status checkRemove(const PolicyState&, const ClusterMember&) {
  return okStatus();
}

template <>
std::optional<Rdid> owningDomain(const PolicyState&, const ClusterMember&) {
  return std::nullopt;
}

}  // namespace hnv::policy
