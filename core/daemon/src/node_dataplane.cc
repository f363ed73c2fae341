#include "hnv/daemon/node_dataplane.h"

#include "hnv/base/log.h"

namespace hnv::daemon {
namespace {

const Logger kLog("node");

}  // namespace

Result<std::unique_ptr<NodeDataplane>> NodeDataplane::create(
    const dp::DataplaneConfig& config, std::span<const fib::ProviderAddressConfig> providerAddresses) {
  std::unique_ptr<NodeDataplane> n(new NodeDataplane());
  auto dp = dp::Dataplane::create(config);
  if (!dp) return dp.error();
  n->dp_ = std::move(*dp);
  auto local = fib::buildLocalAddresses(providerAddresses, *n->dp_);
  if (!local) return local.error();
  n->local_ = std::make_unique<dp::Published<fib::LocalAddresses>>(
      n->dp_->rcu(), std::make_unique<const fib::LocalAddresses>(std::move(*local)));
  n->neighbors_ = std::make_unique<dp::Published<fib::NeighborTable>>(n->dp_->rcu(),
                                                                      std::make_unique<const fib::NeighborTable>());
  n->resolver_ =
      std::make_unique<fib::NeighborResolver>(*n->neighbors_, *n->local_, n->dp_->control(), n->dp_->pool());
  fib::NeighborResolver* resolver = n->resolver_.get();
  auto arp = n->dp_->control().addPuntKind("arp", [resolver](rte_mbuf* m) { resolver->onArp(m); });
  if (!arp) return arp.error();
  auto miss = n->dp_->control().addPuntKind("neighbor-miss", [resolver](rte_mbuf* m) { resolver->onMiss(m); });
  if (!miss) return miss.error();
  n->arpPunt_ = *arp;
  n->missPunt_ = *miss;
  n->nodesCtx_.local = n->local_.get();
  n->nodesCtx_.neighbors = n->neighbors_.get();
  n->nodesCtx_.arpPunt = n->arpPunt_;
  for (const auto& a : providerAddresses) {
    kLog.info("provider address", {{"port", a.port}, {"address", a.addressText()}});
  }
  return n;
}

Status NodeDataplane::start(boost::asio::io_context& io) {
  if (auto st = dp_->start(); !st) return st;
  for (const auto& p : dp_->ports()) {
    kLog.info("port up", {{"port", p.name()},
                          {"device", std::to_string(p.id().value())},
                          {"mac", p.mac().toString()},
                          {"mtu", std::to_string(p.mtu())},
                          {"role", p.role() == dp::PortRole::Vm ? "vm" : "uplink"}});
  }
  timer_ = std::make_unique<boost::asio::steady_timer>(io);
  lastTick_ = std::chrono::steady_clock::now();
  scheduleDrain();
  return okStatus();
}

void NodeDataplane::scheduleDrain() {
  timer_->expires_after(kDrainPeriod);
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled by stop()
    dp_->control().drain(kDrainBurst);
    auto now = std::chrono::steady_clock::now();
    if (now - lastTick_ >= kResolverPeriod) {
      resolver_->tick(now);
      lastTick_ = now;
    }
    scheduleDrain();
  });
}

void NodeDataplane::stop() {
  if (timer_) timer_->cancel();
  if (dp_) dp_->stop();
}

NodeDataplane::~NodeDataplane() {
  // The order is stated in the header: timer, workers, resolver, Dataplane, tables.
  stop();
  timer_.reset();
  resolver_.reset();
  dp_.reset();
  neighbors_.reset();
  local_.reset();
}

}  // namespace hnv::daemon
