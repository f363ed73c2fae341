#include "hnv/gateway/gateway.h"

#include "hnv/base/log.h"
#include "hnv/nodes/module.h"
#include "hnv/overlay/module.h"

namespace hnv::gateway {
namespace {

const Logger kLog("gateway");

Result<fib::LocalAddresses> buildLocalAddresses(const GatewayConfig& c, const dp::Dataplane& dp) {
  std::vector<fib::PortAddresses> ports;
  for (const auto& port : dp.ports()) {
    fib::PortAddresses pa;
    pa.port = port.id().value();
    pa.mac = port.mac();
    for (const auto& a : c.providerAddresses) {
      if (a.port != port.name()) continue;
      if (const auto* v4 = std::get_if<InterfaceAddress4>(&a.address)) pa.v4.push_back(*v4);
      if (const auto* v6 = std::get_if<InterfaceAddress6>(&a.address)) pa.v6.push_back(*v6);
    }
    ports.push_back(std::move(pa));
  }
  return fib::LocalAddresses::build(std::move(ports));
}

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::start(const GatewayConfig& config) {
  std::unique_ptr<Gateway> gw(new Gateway());
  gw->config_ = config;
  auto dp = dp::Dataplane::create(config.dataplane);
  if (!dp) return dp.error();
  gw->dp_ = std::move(*dp);
  auto local = buildLocalAddresses(config, *gw->dp_);
  if (!local) return local.error();
  gw->local_ = std::make_unique<dp::Published<fib::LocalAddresses>>(
      gw->dp_->rcu(), std::make_unique<const fib::LocalAddresses>(std::move(*local)));
  gw->vsids_ = std::make_unique<dp::Published<overlay::VsidTable>>(gw->dp_->rcu(),
                                                                   std::make_unique<const overlay::VsidTable>());
  gw->nodesCtx_.local = gw->local_.get();
  gw->overlayCtx_.vsids = gw->vsids_.get();
  // The module list of hnvgwd. Each module adds its node types; the catalog
  // refuses an edge to a node no module provides.
  if (auto st = nodes::addGenericNodes(gw->dp_->catalog(), gw->nodesCtx_); !st) return st.error();
  if (auto st = overlay::addOverlayNodes(gw->dp_->catalog(), gw->overlayCtx_); !st) return st.error();
  if (auto st = gw->dp_->start(); !st) return st.error();
  for (const auto& p : gw->dp_->ports()) {
    kLog.info("port up", {{"port", p.name()}, {"device", std::to_string(p.id().value())}, {"mac", p.mac().toString()},
                          {"mtu", std::to_string(p.mtu())}});
  }
  for (const auto& a : config.providerAddresses) {
    kLog.info("provider address", {{"port", a.port}, {"address", std::visit([](const auto& x) { return x.toString(); }, a.address)}});
  }
  return gw;
}

void Gateway::stop() {
  if (dp_) dp_->stop();
}

Gateway::~Gateway() {
  stop();
  // Workers and graphs go first; the tables and contexts they read go after.
  dp_.reset();
}

}  // namespace hnv::gateway
