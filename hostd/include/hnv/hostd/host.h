// hnv-hostd's node: the shared NodeDataplane (ports, provider addresses,
// neighbour resolution, control loop) with the generic and overlay nodes,
// the VM ports bound to their VSIDs, and the overlay policy kept in step
// with the controller by an AgentSession.
//
// Policy updates: a policy::PolicyFollower keeps the desired-state document
// (from the controller, or restored from the state file) and calls
// applyPolicy, a full OverlayPolicy::compile of the whole document (tenant
// indexes stay stable through `previous`) published on success. Without a
// controller or state file the node runs with an empty policy (its VM
// ports bound as configured, every VSID unknown). Each policy also binds the
// VM ports: VSID, MAC and allowed CAs from the controller's vm-ports objects
// or the configuration (vm_ports.h).
//
// Teardown: the follower stops first (no more posts or reports), then the
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
#include "hnv/hostd/vm_ports.h"
#include "hnv/nat/context.h"
#include "hnv/vpn/module.h"
#include "hnv/overlay/context.h"
#include "hnv/overlay/extensions.h"
#include "hnv/overlay/learner.h"
#include "hnv/policy/follower.h"

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
  // Every counter in Prometheus' text format.
  std::string metricsText() const;
  dp::Dataplane& dataplane() { return node_->dataplane(); }
  // The extension hook points (overlay/extensions.h): a program built on
  // hnv_hostd adds its capture or filter callbacks here; the "extensions"
  // API method lists them.
  overlay::Extensions& extensions() { return *extensions_; }
  void stop();

 private:
  explicit Host(boost::asio::io_context& io) : io_(io) {}
  Status applyPolicy(const boost::json::object& desired);
  void logVmPorts() const;
  std::string portName(std::uint16_t id) const;
  boost::json::object policyJson() const;
  Result<boost::json::value> nextHopJson(const boost::json::object& params) const;
  Result<overlay::CaTestRequest> caTestRequest(const boost::json::object& params) const;

  boost::asio::io_context& io_;
  HostConfig config_;
  std::unique_ptr<daemon::NodeDataplane> node_;
  std::vector<LocalVmPort> vmPorts_;  // the configured VM ports, open
  ResolvedVmPorts resolved_;          // their bindings in the published policy
  std::unique_ptr<dp::Published<overlay::OverlayPolicy>> policy_;
  std::unique_ptr<overlay::Learner> learner_;
  std::unique_ptr<overlay::CaTester> caTester_;
  std::unique_ptr<overlay::Extensions> extensions_;
  overlay::OverlayContext overlayCtx_;
  nat::NatContext natCtx_;  // idle: ip4-lookup's NAT edges need the nodes
  vpn::VpnContext vpnCtx_;  // idle: ip4-lookup's ESP edges need the nodes
  std::unique_ptr<policy::PolicyFollower> follower_;
};

}  // namespace hnv::hostd
