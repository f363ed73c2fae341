// The gateway appliance's data plane as assembled from its modules: the
// platform nodes, the generic nodes and the overlay, with the node's
// provider addresses, underlay neighbours and (empty until the agent
// arrives) overlay policy published to them.
//
// Thread: control (the io_context's thread once started).
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "hnv/agent/local_api.h"
#include "hnv/base/result.h"
#include "hnv/daemon/node_dataplane.h"
#include "hnv/dp/rcu.h"
#include "hnv/gateway/config.h"
#include "hnv/overlay/context.h"

namespace hnv::gateway {

class Gateway {
 public:
  // Brings up EAL, ports and graphs, starts the workers, and schedules the
  // control loop (punted packets, neighbour resolution) on `io`.
  static Result<std::unique_ptr<Gateway>> start(const GatewayConfig& config, boost::asio::io_context& io);
  ~Gateway();

  dp::Dataplane& dataplane() { return node_->dataplane(); }
  const GatewayConfig& config() const { return config_; }
  // Registers the local API methods (daemon::registerNodeApi: status,
  // counters, ports, trace.*, neighbors).
  void registerApi(agent::LocalApiServer& api);
  void stop();

 private:
  Gateway() = default;
  GatewayConfig config_;
  std::unique_ptr<daemon::NodeDataplane> node_;
  // Read by the overlay nodes; freed only after node_ (and its workers) are gone.
  std::unique_ptr<dp::Published<overlay::OverlayPolicy>> policy_;
  overlay::OverlayContext overlayCtx_;
};

}  // namespace hnv::gateway
