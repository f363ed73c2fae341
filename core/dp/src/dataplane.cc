#include "hnv/dp/dataplane.h"

#include <rte_lcore.h>

#include "hnv/base/log.h"

namespace hnv::dp {

Result<std::unique_ptr<Dataplane>> Dataplane::create(const DataplaneConfig& config) {
  std::unique_ptr<Dataplane> dp(new Dataplane());
  dp->program_ = config.eal.program;
  dp->idle_ = config.idle;
  auto eal = Eal::init(config.eal);
  if (!eal) return eal.error();
  dp->eal_ = std::move(*eal);
  dp->workerLcores_ = dp->eal_->workerLcores();
  if (dp->workerLcores_.empty()) {
    return makeError(Errc::InvalidArgument, "eal.lcores", config.eal.lcores,
                     "needs at least two lcores: the first is the control thread, the others run workers");
  }
  auto pool = createPacketPool(config.pool);
  if (!pool) return pool.error();
  dp->pool_ = std::move(*pool);
  const auto queues = static_cast<std::uint16_t>(dp->workerLcores_.size());
  for (const auto& pc : config.ports) {
    auto port = Port::open(pc, dp->pool_.get(), queues);
    if (!port) return port.error();
    dp->ports_.push_back(std::move(*port));
  }
  auto rcu = Rcu::create(queues);
  if (!rcu) return rcu.error();
  dp->rcu_ = std::move(*rcu);
  dp->counters_ = std::make_unique<CounterRegistry>(queues + 1);
  dp->rxStates_.resize(queues);
  dp->txStates_.resize(queues);
  for (unsigned w = 0; w < queues; ++w) {
    dp->traces_.push_back(std::make_unique<TraceBuffer>(w));
    dp->txStates_[w].queue = static_cast<std::uint16_t>(w);
    // Every worker polls its own queue of every port (RSS spreads flows).
    for (const auto& p : dp->ports_) {
      auto next = p.role() == PortRole::Vm ? PortRxNode::Next::VmInput : PortRxNode::Next::EthInput;
      dp->rxStates_[w].queues.push_back(RxQueue{p.id().value(), static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(next)});
    }
  }
  auto capture = CaptureTap::create(dp->program_);
  if (!capture) return capture.error();
  dp->capture_ = std::move(*capture);
  for (auto& rx : dp->rxStates_) {
    rx.capture = dp->capture_.get();
    rx.fenced = &dp->fenced_;
  }
  for (auto& tx : dp->txStates_) {
    tx.capture = dp->capture_.get();
    tx.fenced = &dp->fenced_;
  }
  std::vector<std::uint64_t*> activity;
  for (auto& rx : dp->rxStates_) activity.push_back(&rx.received);
  auto control = ControlPath::create(dp->program_, std::move(activity));
  if (!control) return control.error();
  dp->control_ = std::move(*control);
  Dataplane* self = dp.get();
  for (auto st : {self->catalog_.add(describeNode<PortRxNode>([self](unsigned w) { return &self->rxStates_[w]; })),
                  self->catalog_.add(describeNode<PortTxNode>([self](unsigned w) { return &self->txStates_[w]; })),
                  self->catalog_.add(describeNode<DropNode>()),
                  self->catalog_.add(describeNode<PuntNode>([self](unsigned) { return &self->control_->puntState(); })),
                  self->catalog_.add(describeNode<InjectNode>([self](unsigned w) { return &self->control_->injectState(w); }))}) {
    if (!st) return st.error();
  }
  return dp;
}

const Port* Dataplane::port(std::string_view name) const {
  for (const auto& p : ports_) {
    if (p.name() == name) return &p;
  }
  return nullptr;
}

Status Dataplane::start() {
  if (running_) return makeError(Errc::Conflict, "dataplane", "", "already started");
  for (unsigned w = 0; w < workers(); ++w) {
    auto g = WorkerGraph::create(program_, catalog_, w, static_cast<int>(rte_lcore_to_socket_id(workerLcores_[w])),
                                 *counters_, *traces_[w]);
    if (!g) return g.error();
    graphs_.push_back(std::move(*g));
  }
  for (unsigned w = 0; w < workers(); ++w) {
    workerObjs_.push_back(std::make_unique<Worker>(w, workerLcores_[w], graphs_[w]->graph(), *rcu_,
                                                   &rxStates_[w].received, idle_));
    if (auto st = workerObjs_.back()->launch(); !st) {
      stop();
      return st.error();
    }
  }
  running_ = true;
  return okStatus();
}

void Dataplane::stop() {
  for (auto& w : workerObjs_) w->join();
  running_ = false;
}

Dataplane::~Dataplane() {
  stop();
  workerObjs_.clear();
  graphs_.clear();
  for (auto& p : ports_) p.close();
  ports_.clear();
  control_.reset();
  capture_.reset();  // frees copies still on its ring: before the pool
  pool_.reset();
  rcu_.reset();
  // Everything above lives in EAL memory, so EAL is torn down last.
  eal_.reset();
}

}  // namespace hnv::dp
