#include "hnv/dp/graph.h"

#include <rte_errno.h>
#include <rte_graph_worker.h>

namespace hnv::dp {

Status registerNodeCounters(const NodeDesc& desc, CounterRegistry& counters, NodeEnv& env) {
  auto packets = counters.add(CounterDesc{"hnv_node_packets_total", {{"node", desc.name}},
                                          "Packets a graph node processed"});
  if (!packets) return packets.error();
  env.packetsId = *packets;
  env.errorIds.clear();
  for (const auto& e : desc.errors) {
    auto id = counters.add(CounterDesc{"hnv_node_errors_total", {{"node", desc.name}, {"error", e}},
                                       "Packets a graph node dropped or flagged, by reason"});
    if (!id) return id.error();
    env.errorIds.push_back(*id);
  }
  return okStatus();
}

Result<std::unique_ptr<WorkerGraph>> WorkerGraph::create(const std::string& program, const NodeCatalog& catalog,
                                                         unsigned worker, int socket, CounterRegistry& counters,
                                                         TraceBuffer& trace) {
  if (auto st = catalog.validate(); !st) return st.error();
  std::unique_ptr<WorkerGraph> wg(new WorkerGraph());
  wg->name_ = program + "-w" + std::to_string(worker);
  std::vector<const char*> patterns;
  for (std::size_t i = 0; i < catalog.size(); ++i) patterns.push_back(catalog.at(i).name.c_str());
  rte_graph_param prm{};
  prm.socket_id = socket;
  prm.nb_node_patterns = static_cast<std::uint16_t>(patterns.size());
  prm.node_patterns = patterns.data();
  wg->id_ = rte_graph_create(wg->name_.c_str(), &prm);
  if (wg->id_ == RTE_GRAPH_ID_INVALID) {
    return makeError(Errc::Internal, "graph " + wg->name_, "",
                     std::string("rte_graph_create failed: ") + rte_strerror(rte_errno));
  }
  wg->graph_ = rte_graph_lookup(wg->name_.c_str());
  for (std::size_t i = 0; i < catalog.size(); ++i) {
    const NodeDesc& d = catalog.at(i);
    auto env = std::make_unique<NodeEnv>();
    env->counters = &counters.block(worker + 1);
    env->trace = &trace;
    env->nodeIndex = static_cast<std::uint16_t>(i);
    env->worker = worker;
    env->state = d.state ? d.state(worker) : nullptr;
    if (auto st = registerNodeCounters(d, counters, *env); !st) return st.error();
    rte_node* node = rte_graph_node_get_by_name(wg->name_.c_str(), d.name.c_str());
    if (node == nullptr) {
      return makeError(Errc::Internal, "graph " + wg->name_, d.name, "the node is missing from the created graph");
    }
    bindNodeEnv(node, env.get());
    wg->envs_.push_back(std::move(env));
  }
  return wg;
}

WorkerGraph::~WorkerGraph() {
  if (id_ != RTE_GRAPH_ID_INVALID) rte_graph_destroy(id_);
}

}  // namespace hnv::dp
