#include "hnv/controller/witness.h"

#include <algorithm>

namespace hnv::controller {

namespace json = boost::json;

namespace {

std::uint32_t msUntil(Witness::Clock::time_point t, Witness::Clock::time_point now) {
  if (t <= now) return 0;
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(t - now).count());
}

bool isMember(const std::vector<policy::ClusterMember>& members, const std::string& name) {
  return std::any_of(members.begin(), members.end(), [&](const auto& m) { return m.name == name; });
}

}  // namespace

json::object LeaseAnswer::toJson() const {
  json::object o;
  o["granted"] = granted;
  o["holder"] = holder;
  o["epoch"] = epoch;
  o["leaseMs"] = leaseMs;
  o["remainingMs"] = remainingMs;
  if (switchover) o["switchover"] = true;
  return o;
}

Result<LeaseAnswer> Witness::handle(const policy::GatewayCluster& cluster,
                                    const std::vector<policy::ClusterMember>& members, const LeaseRequest& r,
                                    Clock::time_point now) {
  if (!isMember(members, r.member)) {
    return makeError(Errc::NotFound, "member", r.member, "is not a member of gateway cluster " + cluster.name);
  }
  if (r.acquire && r.release) return makeError(Errc::InvalidArgument, "release", "true", "cannot be combined with acquire");
  if (!r.successor.empty()) {
    if (!r.release) return makeError(Errc::InvalidArgument, "successor", r.successor, "is given with release only");
    if (r.successor == r.member) return makeError(Errc::InvalidArgument, "successor", r.successor, "is the member itself");
    if (!isMember(members, r.successor)) {
      return makeError(Errc::NotFound, "successor", r.successor, "is not a member of gateway cluster " + cluster.name);
    }
  }
  const auto leaseTime = std::chrono::milliseconds(cluster.effectiveLeaseMs());
  Lease& l = leases_[cluster.name];
  l.reports[r.member] = Report{r.report, now};
  const bool valid = !l.holder.empty() && now < l.expires;
  if (r.release) {
    if (valid && l.holder == r.member) {
      l.holder.clear();
      l.expires = now;
      l.switchover = false;
      l.reservedFor = r.successor;
      l.reservedUntil = r.successor.empty() ? now : now + leaseTime;
    }
  } else if (r.acquire) {
    const bool reservedElsewhere = !l.reservedFor.empty() && l.reservedFor != r.member && now < l.reservedUntil;
    if (valid && l.holder == r.member) {
      l.expires = now + leaseTime;
    } else if (!valid && !reservedElsewhere) {
      l.holder = r.member;
      l.expires = now + leaseTime;
      l.reservedFor.clear();
      l.switchover = false;
      ++l.epoch;
      ++l.changes;
    }
  }
  LeaseAnswer a;
  const bool holds = !l.holder.empty() && now < l.expires;
  a.holder = holds ? l.holder : std::string();
  a.granted = holds && l.holder == r.member;
  a.epoch = l.epoch;
  a.leaseMs = cluster.effectiveLeaseMs();
  a.remainingMs = holds ? msUntil(l.expires, now) : 0;
  a.switchover = a.granted && l.switchover;
  return a;
}

Status Witness::requestSwitchover(const policy::GatewayCluster& cluster, Clock::time_point now) {
  auto it = leases_.find(cluster.name);
  if (it == leases_.end() || it->second.holder.empty() || now >= it->second.expires) {
    return makeError(Errc::Conflict, "name", cluster.name, "no member is active; nothing to switch over");
  }
  it->second.switchover = true;
  return okStatus();
}

json::object Witness::status(const policy::GatewayCluster& cluster, const std::vector<policy::ClusterMember>& members,
                             Clock::time_point now) const {
  json::object o;
  o["name"] = cluster.name;
  const Lease* l = nullptr;
  if (auto it = leases_.find(cluster.name); it != leases_.end()) l = &it->second;
  const bool holds = l != nullptr && !l->holder.empty() && now < l->expires;
  o["holder"] = holds ? json::value(l->holder) : json::value(nullptr);
  o["epoch"] = l != nullptr ? l->epoch : 0;
  o["leaseMs"] = cluster.effectiveLeaseMs();
  o["leaseRemainingMs"] = holds ? msUntil(l->expires, now) : 0;
  o["holderChanges"] = l != nullptr ? l->changes : 0;
  json::array list;
  for (const auto& m : members) {
    json::object x;
    x["name"] = m.name;
    x["priority"] = m.priority;
    x["heartbeatAddress"] = m.heartbeatAddress.toString();
    const Report* rep = nullptr;
    if (l != nullptr) {
      if (auto it = l->reports.find(m.name); it != l->reports.end()) rep = &it->second;
    }
    x["report"] = rep != nullptr ? json::value(rep->body) : json::value(nullptr);
    x["reportAgeMs"] = rep != nullptr ? json::value(std::chrono::duration_cast<std::chrono::milliseconds>(now - rep->at).count())
                                      : json::value(nullptr);
    list.push_back(std::move(x));
  }
  o["members"] = std::move(list);
  return o;
}

}  // namespace hnv::controller
