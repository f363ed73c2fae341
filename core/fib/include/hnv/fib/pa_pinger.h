// PA ping: ICMP echo (ICMPv6 echo for an IPv6 PA) from one of the node's
// provider addresses to another node's PA, sent and answered by the data plane (hnvctl pa-ping). Requests
// leave through the inject path (or the neighbour resolver when the target's
// MAC is not known yet); icmp4-local and icmp6-local punt echo replies here. Each run has
// its own ICMP identifier; round-trip times are measured on the control
// thread, so they include the punt and inject rings (a few microseconds).
//
// Thread: control. tick() sends due probes and finishes runs.
#pragma once

#include <rte_mbuf.h>

#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <vector>

#include "hnv/base/ip.h"
#include "hnv/base/result.h"
#include "hnv/dp/control_path.h"
#include "hnv/dp/rcu.h"
#include "hnv/fib/local_addresses.h"
#include "hnv/fib/neighbor_resolver.h"
#include "hnv/fib/neighbors.h"

namespace hnv::fib {

struct PingRequest {
  IpAddr target;
  unsigned count = 3;                                  // 1..100
  std::chrono::milliseconds interval{200};             // between probes
  std::chrono::milliseconds timeout{1000};             // for each reply, after its probe
};

class PaPinger {
 public:
  using Clock = std::chrono::steady_clock;
  using Done = std::function<void(Result<boost::json::value>)>;

  PaPinger(const dp::Published<LocalAddresses>& local, const dp::Published<NeighborTable>& neighbors,
           NeighborResolver& resolver, dp::ControlPath& control, rte_mempool* pool)
      : local_(local), neighbors_(neighbors), resolver_(resolver), control_(control), pool_(pool) {}

  // Starts a run; `done` gets the result (sent, received, RTTs) when it ends.
  // Refuses a target on none of the node's PA subnets.
  Status start(const PingRequest& req, Done done, Clock::time_point now = Clock::now());
  // Punt handler for echo replies; takes ownership of the packet.
  void onReply(rte_mbuf* m, Clock::time_point now = Clock::now());
  void tick(Clock::time_point now = Clock::now());
  std::size_t running() const { return runs_.size(); }

 private:
  struct Run {
    PingRequest req;
    Done done;
    std::uint16_t port = 0;
    MacAddr srcMac;
    IpAddr source;
    unsigned sent = 0;
    Clock::time_point nextSend;
    std::vector<Clock::time_point> sentAt;
    std::vector<double> rttMs;  // by sequence; < 0: no reply (yet)
  };
  bool send(std::uint16_t id, Run& run, Clock::time_point now);
  // The echo request of the run's next probe, its destination MAC still zero.
  rte_mbuf* echo4(std::uint16_t id, const Run& run);
  rte_mbuf* echo6(std::uint16_t id, const Run& run);
  void finish(std::uint16_t id);

  const dp::Published<LocalAddresses>& local_;
  const dp::Published<NeighborTable>& neighbors_;
  NeighborResolver& resolver_;
  dp::ControlPath& control_;
  rte_mempool* pool_;
  std::map<std::uint16_t, Run> runs_;  // by ICMP identifier
  std::uint16_t nextId_ = 0x4800;
};

}  // namespace hnv::fib
