#include "hnv/cluster/settings.h"

#include "hnv/policy/document.h"

namespace hnv::cluster {

bool ClusterSettings::peerPreferred() const {
  if (!peer) return false;
  if (peer->priority != self.priority) return peer->priority > self.priority;
  return peer->name < self.name;  // equal priorities: the smaller name
}

Result<std::optional<ClusterSettings>> clusterSettingsFrom(const boost::json::object& desired, std::string_view member) {
  auto clusters = policy::documentItems<policy::GatewayCluster>(desired);
  if (!clusters) return clusters.error();
  if (clusters->empty()) return std::optional<ClusterSettings>();
  if (clusters->size() > 1) {
    return makeError(Errc::Malformed, "gateway-clusters", std::to_string(clusters->size()),
                     "a gateway node is served by one cluster");
  }
  auto members = policy::documentItems<policy::ClusterMember>(desired);
  if (!members) return members.error();
  const policy::GatewayCluster& c = clusters->front();
  ClusterSettings s;
  s.cluster = c.name;
  s.interval = std::chrono::milliseconds(c.heartbeatIntervalMs);
  s.misses = c.heartbeatMisses;
  s.lease = std::chrono::milliseconds(c.effectiveLeaseMs());
  s.heartbeatPort = c.heartbeatPort;
  s.syncPort = c.syncPort;
  s.secret = c.sharedSecret;
  bool found = false;
  for (const auto& m : *members) {
    if (m.cluster != c.name) continue;
    MemberSettings x{m.name, m.heartbeatAddress.v4(), m.priority};
    if (m.name == member) {
      s.self = x;
      found = true;
    } else {
      s.peer = x;
    }
  }
  if (!found) {
    return makeError(Errc::NotFound, "cluster.member", std::string(member),
                     "is not a member of gateway cluster " + c.name + " (cluster-members in the controller)");
  }
  return std::optional<ClusterSettings>(std::move(s));
}

}  // namespace hnv::cluster
