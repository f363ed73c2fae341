// The CA connectivity test (Test-VMNetworkAdapter): an ICMP echo request is
// injected at a VM port as if that VM had sent it (its MAC, a CA of its
// own), crosses the overlay like any of the VM's packets, is answered by the
// receiver VM, and its reply is taken out before it reaches the sending VM
// (the data-path tap in vm-input and nvgre-input). The result has the round
// trip times and the routing the packets took: the sender's VSID and PA, the
// next hop (VSID, MAC, PA or local port) toward the receiver CA.
//
// One test runs at a time (its ICMP identifier is armed in OverlayContext).
//
// Thread: control.
#pragma once

#include <rte_mbuf.h>

#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hnv/base/ip.h"
#include "hnv/base/result.h"
#include "hnv/dp/control_path.h"
#include "hnv/overlay/context.h"

namespace hnv::overlay {

struct CaTestRequest {
  std::uint16_t port = 0;      // the sender VM's port (DPDK id)
  std::string portName;
  Ipv4Addr sender;             // a CA of the sender VM
  Ipv4Addr receiver;
  unsigned count = 3;
  std::chrono::milliseconds interval{200};
  std::chrono::milliseconds timeout{1000};
};

class CaTester {
 public:
  using Clock = std::chrono::steady_clock;
  using Done = std::function<void(Result<boost::json::value>)>;

  CaTester(OverlayContext& ctx, dp::ControlPath& control, rte_mempool* pool)
      : ctx_(ctx), control_(control), pool_(pool) {}
  ~CaTester();

  // Refuses an unbound port, a sender CA that is not the VM's, a receiver
  // without a next hop, and a second test while one runs.
  Status start(const CaTestRequest& req, Done done, Clock::time_point now = Clock::now());
  void onReply(rte_mbuf* m, Clock::time_point now = Clock::now());
  void tick(Clock::time_point now = Clock::now());
  bool running() const { return run_.has_value(); }

 private:
  struct Run {
    CaTestRequest req;
    Done done;
    std::uint16_t id = 0;
    MacAddr vmMac, firstHopMac;
    boost::json::object routing;
    unsigned sent = 0;
    Clock::time_point nextSend;
    std::vector<Clock::time_point> sentAt;
    std::vector<double> rttMs;
  };
  bool send(Run& run, Clock::time_point now);
  void finish();

  OverlayContext& ctx_;
  dp::ControlPath& control_;
  rte_mempool* pool_;
  std::optional<Run> run_;
  std::uint16_t nextId_ = 0x4300;
};

}  // namespace hnv::overlay
