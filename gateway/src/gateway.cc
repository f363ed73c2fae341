#include "hnv/gateway/gateway.h"

#include "hnv/daemon/api.h"
#include "hnv/nodes/module.h"
#include "hnv/overlay/module.h"

namespace hnv::gateway {

Result<std::unique_ptr<Gateway>> Gateway::start(const GatewayConfig& config, boost::asio::io_context& io) {
  std::unique_ptr<Gateway> gw(new Gateway());
  gw->config_ = config;
  auto node = daemon::NodeDataplane::create(config.dataplane, config.providerAddresses);
  if (!node) return node.error();
  gw->node_ = std::move(*node);
  dp::Dataplane& dp = gw->node_->dataplane();
  // No policy until the gateway's agent arrives: every VSID is unknown.
  gw->policy_ = std::make_unique<dp::Published<overlay::OverlayPolicy>>(
      dp.rcu(), std::make_unique<const overlay::OverlayPolicy>());
  gw->overlayCtx_.policy = gw->policy_.get();
  gw->overlayCtx_.local = &gw->node_->local();
  gw->overlayCtx_.neighbors = &gw->node_->neighbors();
  gw->overlayCtx_.missPunt = gw->node_->missPunt();
  // The module list of hnvgwd. Each module adds its node types; the catalog
  // refuses an edge to a node no module provides.
  if (auto st = nodes::addGenericNodes(dp.catalog(), gw->node_->nodesContext()); !st) return st.error();
  if (auto st = overlay::addOverlayNodes(dp.catalog(), gw->overlayCtx_); !st) return st.error();
  if (auto st = gw->node_->start(io); !st) return st.error();
  return gw;
}

void Gateway::registerApi(agent::LocalApiServer& api) { daemon::registerNodeApi(api, *node_, config_.nodeName); }

void Gateway::stop() {
  if (node_) node_->stop();
}

Gateway::~Gateway() {
  // The node (workers first, then resolver, Dataplane and its tables) goes
  // before the policy the overlay nodes read.
  node_.reset();
  policy_.reset();
}

}  // namespace hnv::gateway
