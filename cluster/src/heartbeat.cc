#include "hnv/cluster/heartbeat.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>

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

std::string authCode(std::string_view secret, std::string_view text) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, sizeof mac, &len) == nullptr) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

bool authCodeMatches(std::string_view secret, std::string_view text, std::string_view code) {
  const std::string want = authCode(secret, text);
  return !want.empty() && want.size() == code.size() && CRYPTO_memcmp(want.data(), code.data(), want.size()) == 0;
}

std::string encodeHeartbeat(const Heartbeat& hb, std::string_view secret) {
  json::object o;
  o["v"] = kHeartbeatVersion;
  o["cluster"] = hb.cluster;
  o["member"] = hb.member;
  o["role"] = roleName(hb.role);
  o["epoch"] = hb.epoch;
  o["boot"] = hb.boot;
  o["seq"] = hb.seq;
  o["time_ms"] = hb.timeMs;
  o["priority"] = hb.priority;
  o["sees_peer"] = hb.seesPeer;
  o["synced"] = hb.synced;
  o["handover_to"] = hb.handoverTo;
  if (hb.ikeResync != 0) o["ike_resync"] = hb.ikeResync;
  std::string text = json::serialize(o);
  if (!secret.empty()) text += "\n" + authCode(secret, text);
  return text;
}

Result<Heartbeat> decodeHeartbeat(std::span<const std::uint8_t> datagram, std::string_view secret) {
  if (datagram.size() > kMaxHeartbeatBytes) {
    return makeError(Errc::Malformed, "heartbeat", std::to_string(datagram.size()) + " bytes",
                     "is longer than " + std::to_string(kMaxHeartbeatBytes) + " bytes");
  }
  std::string_view text(reinterpret_cast<const char*>(datagram.data()), datagram.size());
  const auto newline = text.rfind('\n');
  if (!secret.empty()) {
    if (newline == std::string_view::npos) {
      return makeError(Errc::PermissionDenied, "heartbeat", "", "carries no authentication code (the cluster has a sharedSecret)");
    }
    if (!authCodeMatches(secret, text.substr(0, newline), text.substr(newline + 1))) {
      return makeError(Errc::PermissionDenied, "heartbeat", "", "wrong authentication code (another sharedSecret?)");
    }
  }
  if (newline != std::string_view::npos) text = text.substr(0, newline);
  auto v = parseJson(text, "heartbeat");
  if (!v) return v.error();
  ConfigNode n(&*v, "heartbeat");
  if (auto s = n.expectObject({"v", "cluster", "member", "role", "epoch", "boot", "seq", "time_ms", "priority",
                               "sees_peer", "synced", "handover_to", "ike_resync"});
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
  auto boot = n["boot"].asUint(0, UINT64_MAX);
  if (!boot) return boot.error();
  hb.boot = *boot;
  auto seq = n["seq"].asUint(0, UINT64_MAX);
  if (!seq) return seq.error();
  hb.seq = *seq;
  auto time = n["time_ms"].asUint(0, INT64_MAX);
  if (!time) return time.error();
  hb.timeMs = static_cast<std::int64_t>(*time);
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
  auto resync = n["ike_resync"].asUint(0, UINT32_MAX, 0);
  if (!resync) return resync.error();
  hb.ikeResync = static_cast<std::uint32_t>(*resync);
  return hb;
}

Status ReplayGuard::admit(const Heartbeat& hb, std::int64_t nowMs, bool checkTime) {
  for (auto& s : seen_) {
    if (s.boot != hb.boot) continue;
    if (hb.seq <= s.seq) {
      return makeError(Errc::PermissionDenied, "heartbeat", "seq " + std::to_string(hb.seq),
                       "seen before or out of order (this process of the peer is at " + std::to_string(s.seq) + ")");
    }
    s.seq = hb.seq;
    return okStatus();
  }
  const std::int64_t skew = hb.timeMs - nowMs;
  if (checkTime && (skew > kMaxSkewMs || skew < -kMaxSkewMs)) {
    return makeError(Errc::PermissionDenied, "heartbeat", "time_ms " + std::to_string(hb.timeMs),
                     "sent " + std::to_string(skew < 0 ? -skew : skew) + " ms " + (skew < 0 ? "before" : "after") +
                         " this member's clock says: a replay, or the members' clocks differ by more than " +
                         std::to_string(kMaxSkewMs) + " ms (keep them in sync, NTP)");
  }
  if (seen_.size() >= 8) seen_.erase(seen_.begin());
  seen_.push_back({hb.boot, hb.seq});
  return okStatus();
}

}  // namespace hnv::cluster
