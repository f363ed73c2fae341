// The data plane of one program: EAL, packet pool, ports, RCU, counters,
// trace buffers, one graph and one worker per worker lcore.
//
// Life cycle (control thread): create() brings up EAL, pool and ports and
// registers the platform nodes; the program adds its own node types to
// catalog(); start() builds the graphs and launches the workers; stop() (or
// the destructor) joins them, closes the ports and tears EAL down.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hnv/base/counters.h"
#include "hnv/base/result.h"
#include "hnv/dp/catalog.h"
#include "hnv/dp/capture.h"
#include "hnv/dp/control_path.h"
#include "hnv/dp/eal.h"
#include "hnv/dp/graph.h"
#include "hnv/dp/mempool.h"
#include "hnv/dp/platform_nodes.h"
#include "hnv/dp/port.h"
#include "hnv/dp/rcu.h"
#include "hnv/dp/trace.h"
#include "hnv/dp/worker.h"

namespace hnv::dp {

struct DataplaneConfig {
  EalConfig eal;
  PoolConfig pool;
  std::vector<PortConfig> ports;
  IdleConfig idle;
};

class Dataplane {
 public:
  static Result<std::unique_ptr<Dataplane>> create(const DataplaneConfig& config);
  ~Dataplane();
  Dataplane(const Dataplane&) = delete;
  Dataplane& operator=(const Dataplane&) = delete;

  NodeCatalog& catalog() { return catalog_; }
  const NodeCatalog& catalog() const { return catalog_; }
  CounterRegistry& counters() { return *counters_; }
  Rcu& rcu() { return *rcu_; }
  ControlPath& control() { return *control_; }
  CaptureTap& capture() { return *capture_; }
  rte_mempool* pool() { return pool_.get(); }
  unsigned workers() const { return static_cast<unsigned>(workerLcores_.size()); }
  const std::vector<Port>& ports() const { return ports_; }
  const Port* port(std::string_view name) const;
  TraceBuffer& trace(unsigned worker) { return *traces_.at(worker); }
  const std::vector<std::unique_ptr<Worker>>& runningWorkers() const { return workerObjs_; }

  Status start();
  void stop();
  bool running() const { return running_; }

  // Fenced, port-rx frees what every port receives and port-tx what would
  // be sent, each counting it as "fenced": the node is silent on all its
  // DPDK ports (a standby cluster member). Set before start() to start
  // silent. Any thread; workers see it at their next burst.
  void setFenced(bool fenced) { fenced_.store(fenced, std::memory_order_relaxed); }
  bool fenced() const { return fenced_.load(std::memory_order_relaxed); }

 private:
  Dataplane() = default;

  std::string program_;
  IdleConfig idle_;
  std::unique_ptr<Eal> eal_;
  MempoolPtr pool_;
  std::vector<Port> ports_;
  std::vector<unsigned> workerLcores_;
  std::unique_ptr<Rcu> rcu_;
  std::unique_ptr<ControlPath> control_;
  std::unique_ptr<CaptureTap> capture_;
  std::unique_ptr<CounterRegistry> counters_;
  std::vector<std::unique_ptr<TraceBuffer>> traces_;
  std::vector<PortRxState> rxStates_;
  std::vector<PortTxState> txStates_;
  NodeCatalog catalog_;
  std::vector<std::unique_ptr<WorkerGraph>> graphs_;
  std::vector<std::unique_ptr<Worker>> workerObjs_;
  bool running_ = false;
  std::atomic<bool> fenced_{false};
};

}  // namespace hnv::dp
