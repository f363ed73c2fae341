// Dynamic IP learning, the control-thread half (spec section 3). arp-proxy
// and nd-proxy punt a copy of each ARP (request, reply, gratuitous) and each
// DAD solicitation in which a VM whose MAC has an L2Only record uses a CA
// that policy does not give it; vm-input copies such a VM's DHCP requests
// and vm-output each DHCP reply delivered to it, and a DHCPACK teaches the
// address it gives (yiaddr) to its client (chaddr) only when the VM asked
// for that address in the same transaction (xid). The Learner checks that the frame came from (or, for
// DHCP, went to) that VM's own port and that the port allows the CA, and reports (VSID, CA, MAC) once; the program sends
// the report to the controller, which turns it into a Dynamic record for
// every node of the VSID. A report not yet reflected in policy is repeated
// after kRepeat (the controller may have been away). When the controller
// ages Dynamic records out (global dynamicRecordAgingSeconds), the VM's
// traffic for a CA it has a Dynamic record of is punted too and reported
// again once a third of the aging time has passed, which keeps the record
// while the VM uses it.
//
// Thread: control.
#pragma once

#include <rte_mbuf.h>

#include <boost/json/object.hpp>
#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <tuple>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/base/vsid.h"
#include "hnv/dp/rcu.h"
#include "hnv/overlay/overlay_policy.h"

namespace hnv::overlay {

struct LearnerStats {
  std::uint64_t punted = 0;    // frames received
  std::uint64_t reported = 0;  // reports handed to the program
  std::uint64_t ignored = 0;   // malformed, from another port, or already known
  std::uint64_t refreshed = 0;  // of the reports, those of a Dynamic record policy has (aging)
};

class Learner {
 public:
  using Clock = std::chrono::steady_clock;
  using Report = std::function<void(Vsid vsid, const IpAddr& ca, const MacAddr& mac)>;
  static constexpr std::chrono::seconds kRepeat{5};
  // How often a Dynamic record in use is reported again: a third of the aging time.
  static Clock::duration refreshInterval(std::uint32_t agingSeconds) {
    return std::chrono::milliseconds(std::max<std::uint64_t>(1000, std::uint64_t{agingSeconds} * 1000 / 3));
  }
  static constexpr std::size_t kMaxRemembered = 4096;  // older reports are forgotten beyond this
  // How long a VM's DHCP request waits for its DHCPACK.
  static constexpr std::chrono::seconds kDhcpWindow{60};

  Learner(const dp::Published<OverlayPolicy>& policy, Report report) : policy_(policy), report_(std::move(report)) {}

  // Punt handler; takes ownership of the packet.
  void onPunt(rte_mbuf* m, Clock::time_point now = Clock::now());
  const LearnerStats& stats() const { return stats_; }
  boost::json::object toJson() const;

 private:
  const dp::Published<OverlayPolicy>& policy_;
  Report report_;
  LearnerStats stats_;
  std::map<std::tuple<std::uint32_t, IpAddr, MacAddr>, Clock::time_point> sent_;
  // DHCP requests seen: (port, xid) -> (the address asked for, when).
  std::map<std::pair<std::uint16_t, std::uint32_t>, std::pair<IpAddr, Clock::time_point>> requests_;
};

}  // namespace hnv::overlay
