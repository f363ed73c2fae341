#include "hnv/cluster/heartbeat.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "hnv/base/config_node.h"

namespace hnv::cluster {

namespace json = boost::json;

namespace {

constexpr std::pair<std::string_view, Role> kRoles[] = {
    {"init", Role::Init}, {"standby", Role::Standby}, {"active", Role::Active}};

}  // namespace

std::string_view roleName(Role r) {
  for (const auto& [name, role] : kRoles) {
    if (role == r) return name;
  }
  return "?";
}

std::string encodeHeartbeat(const Heartbeat& hb) {
  json::object o;
  o["v"] = kHeartbeatVersion;
  o["cluster"] = hb.cluster;
  o["member"] = hb.member;
  o["role"] = roleName(hb.role);
  o["epoch"] = hb.epoch;
  o["seq"] = hb.seq;
  o["priority"] = hb.priority;
  o["sees_peer"] = hb.seesPeer;
  o["synced"] = hb.synced;
  o["handover_to"] = hb.handoverTo;
  return json::serialize(o);
}

Result<Heartbeat> decodeHeartbeat(std::span<const std::uint8_t> datagram) {
  if (datagram.size() > kMaxHeartbeatBytes) {
    return makeError(Errc::Malformed, "heartbeat", std::to_string(datagram.size()) + " bytes",
                     "is longer than " + std::to_string(kMaxHeartbeatBytes) + " bytes");
  }
  const std::string_view text(reinterpret_cast<const char*>(datagram.data()), datagram.size());
  auto v = parseJson(text, "heartbeat");
  if (!v) return v.error();
  ConfigNode n(&*v, "heartbeat");
  if (auto s = n.expectObject({"v", "cluster", "member", "role", "epoch", "seq", "priority", "sees_peer", "synced",
                               "handover_to"});
      !s) {
    return s.error();
  }
  auto version = n["v"].asUint(0, UINT64_MAX);
  if (!version) return version.error();
  if (*version != kHeartbeatVersion) {
    return n["v"].error(std::to_string(*version), "this member speaks heartbeat version " +
                                                      std::to_string(kHeartbeatVersion));
  }
  Heartbeat hb;
  auto cluster = n["cluster"].asString();
  if (!cluster) return cluster.error();
  hb.cluster = *cluster;
  auto member = n["member"].asString();
  if (!member) return member.error();
  hb.member = *member;
  auto role = n["role"].asString();
  if (!role) return role.error();
  bool known = false;
  for (const auto& [name, r] : kRoles) {
    if (name == *role) {
      hb.role = r;
      known = true;
    }
  }
  if (!known) return n["role"].error(*role, "must be init, standby or active");
  auto epoch = n["epoch"].asUint(0, UINT64_MAX);
  if (!epoch) return epoch.error();
  hb.epoch = *epoch;
  auto seq = n["seq"].asUint(0, UINT64_MAX);
  if (!seq) return seq.error();
  hb.seq = *seq;
  auto priority = n["priority"].asUint(0, 255);
  if (!priority) return priority.error();
  hb.priority = static_cast<std::uint32_t>(*priority);
  auto sees = n["sees_peer"].asBool();
  if (!sees) return sees.error();
  hb.seesPeer = *sees;
  auto synced = n["synced"].asBool();
  if (!synced) return synced.error();
  hb.synced = *synced;
  auto handover = n["handover_to"].asString("");
  if (!handover) return handover.error();
  hb.handoverTo = *handover;
  return hb;
}

}  // namespace hnv::cluster
