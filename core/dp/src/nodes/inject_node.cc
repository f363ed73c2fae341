// inject: sends the control thread's packets into this worker's graph.
#include <rte_graph_worker.h>

#include "hnv/dp/control_path.h"
#include "hnv/dp/node.h"
#include "hnv/dp/packet.h"

namespace hnv::dp {

std::uint16_t InjectNode::process(rte_graph* graph, rte_node* node, void**, std::uint16_t) {
  NodeEnv& env = nodeEnv(node);
  auto& st = *static_cast<InjectState*>(env.state);
  std::array<void*, kBurst> pkts;
  unsigned n = rte_ring_sc_dequeue_burst(st.ring, pkts.data(), kBurst, nullptr);
  if (n == 0) return 0;
  std::uint64_t bad = 0;
  for (unsigned i = 0; i < n; ++i) {
    auto* m = static_cast<rte_mbuf*>(pkts[i]);
    auto edge = static_cast<rte_edge_t>(meta(m).control);
    meta(m).control = 0;
    if (edge == 0 || edge >= kNextNames.size()) {
      ++bad;
      edge = 0;
    }
    rte_node_enqueue_x1(graph, node, edge, m);
  }
  *st.activity += n;
  env.counters->add(env.packetsId, n);
  if (bad != 0) env.counters->add(env.errorIds[0], bad);
  return static_cast<std::uint16_t>(n);
}

}  // namespace hnv::dp
