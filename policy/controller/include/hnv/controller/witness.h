// The witness of gateway clusters: a lease per cluster that only one member
// holds at a time. A member becomes active only while the witness grants it
// the lease, so that two members that cannot hear each other (the heartbeat
// link cut) never both become active: the one still renewing keeps it, the
// other is refused. Leases live in memory: after a controller restart the
// first member to ask gets the lease (an active member renews every
// heartbeat interval, so it is first unless it is gone).
//
// Rules (`handle`): a member holding an unexpired lease renews it; a lease
// that is free or expired goes to the member that asks, and the epoch (the
// term of activity, carried in heartbeats) grows by one whenever the holder
// changes; a holder may release its lease and name a successor, to whom the
// lease is reserved for one lease time (planned switchover). Each call
// carries the member's report (role, peer, sync), kept for the status.
//
// Thread: the controller's io thread.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "hnv/base/result.h"
#include "hnv/policy/objects.h"

namespace hnv::controller {

struct LeaseRequest {
  std::string member;
  bool acquire = false;  // take or renew the lease; false: report only
  bool release = false;  // give it up (the holder only)
  std::string successor;  // with release: the member the lease is reserved for
  boost::json::object report;  // the member's view, kept for the status
};

struct LeaseAnswer {
  bool granted = false;  // the member holds the lease now
  std::string holder;    // empty: nobody
  std::uint64_t epoch = 0;
  std::uint32_t leaseMs = 0;
  std::uint32_t remainingMs = 0;  // of the holder's lease
  bool switchover = false;  // to the holder: an operator asked for a planned switchover

  boost::json::object toJson() const;
};

class Witness {
 public:
  using Clock = std::chrono::steady_clock;

  // `members` are the cluster's (at most two). Refuses an unknown member
  // or successor, a successor that is the member itself, and a release
  // combined with acquire.
  Result<LeaseAnswer> handle(const policy::GatewayCluster& cluster, const std::vector<policy::ClusterMember>& members,
                             const LeaseRequest& r, Clock::time_point now);
  // An operator's planned switchover: the next answer to the holder says
  // so. Refused when nobody holds the lease.
  Status requestSwitchover(const policy::GatewayCluster& cluster, Clock::time_point now);
  // The lease and each member's last report.
  boost::json::object status(const policy::GatewayCluster& cluster, const std::vector<policy::ClusterMember>& members,
                             Clock::time_point now) const;

 private:
  struct Report {
    boost::json::object body;
    Clock::time_point at{};
  };
  struct Lease {
    std::string holder;
    std::uint64_t epoch = 0;
    Clock::time_point expires{};
    std::string reservedFor;
    Clock::time_point reservedUntil{};
    bool switchover = false;
    std::uint64_t changes = 0;  // times the holder changed
    std::map<std::string, Report> reports;
  };
  std::map<std::string, Lease> leases_;  // by cluster name
};

}  // namespace hnv::controller
