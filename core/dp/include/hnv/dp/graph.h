// One rte_graph per worker, holding every node of the catalog, with each
// node instance bound to its NodeEnv (counters, trace, state).
//
// Thread: control (create/destroy); the graph itself runs on its worker.
#pragma once

#include <rte_graph.h>

#include <memory>
#include <string>
#include <vector>

#include "hnv/base/counters.h"
#include "hnv/base/result.h"
#include "hnv/dp/catalog.h"
#include "hnv/dp/trace.h"

namespace hnv::dp {

class WorkerGraph {
 public:
  static Result<std::unique_ptr<WorkerGraph>> create(const std::string& program, const NodeCatalog& catalog,
                                                     unsigned worker, int socket, CounterRegistry& counters,
                                                     TraceBuffer& trace);
  ~WorkerGraph();
  WorkerGraph(const WorkerGraph&) = delete;
  WorkerGraph& operator=(const WorkerGraph&) = delete;

  rte_graph* graph() const { return graph_; }
  const std::string& name() const { return name_; }

 private:
  WorkerGraph() = default;
  std::string name_;
  rte_graph_t id_ = RTE_GRAPH_ID_INVALID;
  rte_graph* graph_ = nullptr;
  std::vector<std::unique_ptr<NodeEnv>> envs_;
};

// Registers the counters of a node type (packets and one per error) and
// returns them in the order NodeEnv expects.
Status registerNodeCounters(const NodeDesc& desc, CounterRegistry& counters, NodeEnv& env);

}  // namespace hnv::dp
