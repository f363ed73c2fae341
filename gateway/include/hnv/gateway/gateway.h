// The gateway appliance's data plane as assembled from its modules: the
// platform nodes, the generic nodes and the overlay, with the node's
// provider addresses published to them.
//
// Thread: control.
#pragma once

#include <memory>

#include "hnv/agent/local_api.h"
#include "hnv/base/result.h"
#include "hnv/dp/dataplane.h"
#include "hnv/gateway/config.h"
#include "hnv/nodes/context.h"
#include "hnv/overlay/nvgre_input_node.h"

namespace hnv::gateway {

class Gateway {
 public:
  // Brings up EAL, ports and graphs and starts the workers.
  static Result<std::unique_ptr<Gateway>> start(const GatewayConfig& config);
  ~Gateway();

  dp::Dataplane& dataplane() { return *dp_; }
  const GatewayConfig& config() const { return config_; }
  // Registers the methods of the local API (status, counters, ports, trace.*).
  void registerApi(agent::LocalApiServer& api);
  void stop();

 private:
  Gateway() = default;
  GatewayConfig config_;
  std::unique_ptr<dp::Dataplane> dp_;
  std::unique_ptr<dp::Published<fib::LocalAddresses>> local_;
  std::unique_ptr<dp::Published<overlay::VsidTable>> vsids_;
  nodes::NodesContext nodesCtx_;
  overlay::OverlayContext overlayCtx_;
};

}  // namespace hnv::gateway
