// What one member needs to know of its cluster, taken from its gateway
// node's desired state (the gateway-clusters and cluster-members kinds) and
// its own member name (hnvgwd's configuration, cluster.member).
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "hnv/base/ip.h"
#include "hnv/base/result.h"

namespace hnv::cluster {

struct MemberSettings {
  std::string name;
  Ipv4Addr address;  // on the heartbeat link
  std::uint32_t priority = 100;
  bool operator==(const MemberSettings&) const = default;
};

struct ClusterSettings {
  std::string cluster;  // the gateway node's name
  MemberSettings self;
  std::optional<MemberSettings> peer;  // none while the cluster has one member
  std::chrono::milliseconds interval{100};
  std::uint32_t misses = 3;
  std::chrono::milliseconds lease{400};
  std::uint16_t heartbeatPort = 7470;
  std::uint16_t syncPort = 7471;
  std::string secret;  // empty: heartbeats and hellos are not authenticated

  // The peer is lost after this long without a heartbeat.
  std::chrono::milliseconds detection() const { return interval * misses; }
  // The peer is preferred to this member to become active first.
  bool peerPreferred() const;
  bool operator==(const ClusterSettings&) const = default;
};

// nullopt when the desired state has no gateway cluster; an error when it
// has one that does not list `member`, or more than one cluster.
Result<std::optional<ClusterSettings>> clusterSettingsFrom(const boost::json::object& desired, std::string_view member);

}  // namespace hnv::cluster
