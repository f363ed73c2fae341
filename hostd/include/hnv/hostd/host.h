// hnv-hostd's node: the shared NodeDataplane (ports, provider addresses,
// neighbour resolution, control loop) with the generic and overlay nodes,
// the VM ports bound to their VSIDs, and the overlay policy kept in step
// with the controller by an AgentSession.
//
// Policy updates: the session's thread posts every snapshot and change to
// the control thread (the io_context), which applies it to the kept
// DesiredState and schedules one compilation; changes that arrive before it
// runs are folded into it. Compilation is a full OverlayPolicy::compile of
// the whole document (tenant indexes stay stable through `previous`). On
// success the policy is published and the revision reported applied; on
// failure the error is logged with the revision, the previous policy stays,
// and the report carries the previous revision with the error as health.
// Without a controller the node runs with an empty policy (its VM ports
// bound, every VSID unknown).
//
// Teardown: the session stops first (no more posts or reports), then the
// NodeDataplane (control loop, workers, resolver, Dataplane), then the
// tables the overlay nodes read. Handlers already posted to the io_context
// capture `this`; the io_context must not run again after the Host is gone.
//
// Thread: control (the io_context's thread once started).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <vector>

#include "hnv/agent/local_api.h"
#include "hnv/base/result.h"
#include "hnv/daemon/node_dataplane.h"
#include "hnv/overlay/ca_tester.h"
#include "hnv/dp/rcu.h"
#include "hnv/hostd/config.h"
#include "hnv/hostd/desired_state.h"
#include "hnv/overlay/context.h"
#include "hnv/overlay/learner.h"
#include "hnv/policy/agent_session.h"

namespace hnv::hostd {

class Host {
 public:
  // Brings up the data plane, starts the workers and the control loop on
  // `io`, and (with a controller) starts the agent session.
  static Result<std::unique_ptr<Host>> start(const HostConfig& config, boost::asio::io_context& io);
  ~Host();

  const HostConfig& config() const { return config_; }
  // The shared methods (daemon::registerNodeApi) and "policy".
  void registerApi(agent::LocalApiServer& api);
  void stop();

 private:
  explicit Host(boost::asio::io_context& io) : io_(io) {}
  void onSnapshot(const boost::json::object& desired);
  void onChange(const policy::Change& change);
  void scheduleCompile();
  void compile();
  boost::json::object policyJson() const;
  Result<boost::json::value> nextHopJson(const boost::json::object& params) const;
  Result<overlay::CaTestRequest> caTestRequest(const boost::json::object& params) const;

  boost::asio::io_context& io_;
  HostConfig config_;
  std::unique_ptr<daemon::NodeDataplane> node_;
  std::vector<overlay::VmPortBinding> bindings_;
  std::unique_ptr<dp::Published<overlay::OverlayPolicy>> policy_;
  std::unique_ptr<overlay::Learner> learner_;
  std::unique_ptr<overlay::CaTester> caTester_;
  overlay::OverlayContext overlayCtx_;
  std::unique_ptr<policy::AgentSession> session_;
  DesiredState desired_;
  bool compilePending_ = false;
  bool connected_ = false;
  std::string connection_ = "no controller configured";
  std::string lastError_;  // the last compilation error, empty after a success
};

}  // namespace hnv::hostd
