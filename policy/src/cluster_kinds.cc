// Gateway clusters (issue 8): the cluster, named after the gateway node it
// serves, with its heartbeat timing, and its members (Add-ClusterNode), each
// with its address on the dedicated heartbeat link and a priority.
#include "hnv/policy/kinds.h"
#include "names.h"
#include "read.h"

namespace hnv::policy {

namespace json = boost::json;
using detail::failed;

const std::string_view KindTraits<GatewayCluster>::kName = "gateway-clusters";
const std::string_view KindTraits<GatewayCluster>::kNoun = "gateway-cluster";
const bool KindTraits<GatewayCluster>::kSingleton = false;

std::span<const FieldSpec> KindTraits<GatewayCluster>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"name", FieldType::String, kRequired | kImmutable, "the gateway node (role gateway) the cluster serves"},
      {"description", FieldType::String, 0, "free text, up to 256 characters"},
      {"heartbeatIntervalMs", FieldType::Uint, 0, "heartbeat interval in ms, 20..1000 (default 100)"},
      {"heartbeatMisses", FieldType::Uint, 0, "intervals without a heartbeat before the peer is lost, 2..20 (default 3)"},
      {"leaseMs", FieldType::Uint, 0,
       "the witness lease in ms, more than interval x misses, up to 10000; 0 (the default): interval x (misses + 1)"},
      {"heartbeatPort", FieldType::Uint, 0, "UDP port of the heartbeats on the heartbeat link (default 7470)"},
      {"syncPort", FieldType::Uint, 0, "TCP port of the state sync on the heartbeat link (default 7471)"},
      {"sharedSecret", FieldType::String, kSecret,
       "16 to 256 characters: heartbeats and the sync's hello carry an HMAC-SHA256 with it; write-only"},
  };
  return kFields;
}

std::string KindTraits<GatewayCluster>::key(const GatewayCluster& v) { return v.name; }

Result<GatewayCluster> KindTraits<GatewayCluster>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  GatewayCluster out;
  auto name = detail::readName(n["name"]);
  if (failed(name, e)) return e;
  out.name = *name;
  auto description = detail::readText(n["description"], 256, "");
  if (failed(description, e)) return e;
  out.description = *description;
  auto interval = n["heartbeatIntervalMs"].asUint(20, 1000, out.heartbeatIntervalMs);
  if (failed(interval, e)) return e;
  out.heartbeatIntervalMs = static_cast<std::uint32_t>(*interval);
  auto misses = n["heartbeatMisses"].asUint(2, 20, out.heartbeatMisses);
  if (failed(misses, e)) return e;
  out.heartbeatMisses = static_cast<std::uint32_t>(*misses);
  auto lease = n["leaseMs"].asUint(0, 10000, 0);
  if (failed(lease, e)) return e;
  if (*lease != 0 && *lease <= *interval * *misses) {
    return n["leaseMs"].error(std::to_string(*lease), "must exceed heartbeatIntervalMs x heartbeatMisses (" +
                                                          std::to_string(*interval * *misses) +
                                                          " ms): a lease shorter than detection would flap");
  }
  out.leaseMs = static_cast<std::uint32_t>(*lease);
  auto hb = n["heartbeatPort"].asUint(1, 65535, out.heartbeatPort);
  if (failed(hb, e)) return e;
  out.heartbeatPort = static_cast<std::uint16_t>(*hb);
  auto sync = n["syncPort"].asUint(1, 65535, out.syncPort);
  if (failed(sync, e)) return e;
  if (*sync == *hb) return n["syncPort"].error(std::to_string(*sync), "must differ from heartbeatPort");
  out.syncPort = static_cast<std::uint16_t>(*sync);
  auto secret = n["sharedSecret"].asString("");
  if (failed(secret, e)) return e;
  if (!secret->empty() && (secret->size() < 16 || secret->size() > 256)) {
    // The value is never echoed: it is a secret.
    return n["sharedSecret"].error(std::to_string(secret->size()) + " characters", "a shared secret has 16 to 256");
  }
  out.sharedSecret = *secret;
  return out;
}

json::object KindTraits<GatewayCluster>::toJson(const GatewayCluster& v) {
  json::object o;
  o["name"] = v.name;
  if (!v.description.empty()) o["description"] = v.description;
  o["heartbeatIntervalMs"] = v.heartbeatIntervalMs;
  o["heartbeatMisses"] = v.heartbeatMisses;
  o["leaseMs"] = v.leaseMs;
  o["heartbeatPort"] = v.heartbeatPort;
  o["syncPort"] = v.syncPort;
  if (!v.sharedSecret.empty()) o["sharedSecret"] = v.sharedSecret;
  return o;
}

const std::string_view KindTraits<ClusterMember>::kName = "cluster-members";
const std::string_view KindTraits<ClusterMember>::kNoun = "cluster-member";
const bool KindTraits<ClusterMember>::kSingleton = false;

std::span<const FieldSpec> KindTraits<ClusterMember>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"cluster", FieldType::String, kRequired | kImmutable, "the gateway cluster"},
      {"name", FieldType::String, kRequired | kImmutable, "the member (hnvgwd's cluster.member), unique in the cluster"},
      {"heartbeatAddress", FieldType::Ip, kRequired, "the member's IPv4 address on the dedicated heartbeat link"},
      {"priority", FieldType::Uint, 0,
       "1..255 (default 100): of two members starting together the higher becomes active; no preemption"},
  };
  return kFields;
}

std::string KindTraits<ClusterMember>::key(const ClusterMember& v) { return v.cluster + "/" + v.name; }

Result<ClusterMember> KindTraits<ClusterMember>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  ClusterMember out;
  auto cluster = detail::readName(n["cluster"]);
  if (failed(cluster, e)) return e;
  out.cluster = *cluster;
  auto name = detail::readName(n["name"]);
  if (failed(name, e)) return e;
  out.name = *name;
  auto address = detail::readUnicast4(n["heartbeatAddress"], "the heartbeat link is IPv4 only");
  if (failed(address, e)) return e;
  out.heartbeatAddress = *address;
  auto priority = n["priority"].asUint(1, 255, out.priority);
  if (failed(priority, e)) return e;
  out.priority = static_cast<std::uint32_t>(*priority);
  return out;
}

json::object KindTraits<ClusterMember>::toJson(const ClusterMember& v) {
  json::object o;
  o["cluster"] = v.cluster;
  o["name"] = v.name;
  o["heartbeatAddress"] = v.heartbeatAddress.toString();
  o["priority"] = v.priority;
  return o;
}

}  // namespace hnv::policy
