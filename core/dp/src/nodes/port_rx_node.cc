// port-rx: polls this worker's queue of every port and starts each frame's walk.
#include <rte_ethdev.h>
#include <rte_graph_worker.h>

#include "hnv/dp/capture.h"
#include "hnv/dp/node.h"
#include "hnv/dp/packet.h"
#include "hnv/dp/platform_nodes.h"
#include "hnv/dp/trace.h"

namespace hnv::dp {

std::uint16_t PortRxNode::process(rte_graph* graph, rte_node* node, void**, std::uint16_t) {
  NodeEnv& env = nodeEnv(node);
  auto& st = *static_cast<PortRxState*>(env.state);
  const bool tracing = env.trace->armed() != 0;
  std::uint16_t total = 0;
  std::uint64_t chained = 0;
  for (const auto& [port, queue, next] : st.queues) {
    void** out = rte_node_next_stream_get(graph, node, next, kBurst);
    auto** pkts = reinterpret_cast<rte_mbuf**>(out);
    std::uint16_t n = rte_eth_rx_burst(port, queue, pkts, kBurst);
    if (unlikely(n != 0 && st.fenced->load(std::memory_order_relaxed))) {
      rte_pktmbuf_free_bulk(pkts, n);
      env.counters->add(env.errorIds[1], n);
      continue;
    }
    std::uint16_t kept = 0;
    for (std::uint16_t i = 0; i < n; ++i) {
      rte_mbuf* m = pkts[i];
      // Nodes read headers from the first segment only. A VM's TSO frame
      // (up to 64 KB) stays chained: nvgre-encap segments it.
      if (unlikely(m->nb_segs > 1) && (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) == 0 && rte_pktmbuf_linearize(m) != 0) {
        rte_pktmbuf_free(m);
        ++chained;
        continue;
      }
      resetMeta(m, port);
      if (unlikely(tracing)) {
        PacketMeta& pm = meta(m);
        pm.traceId = env.trace->take(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m), port);
        if (pm.traceId != 0) env.trace->record(pm.traceId, env.nodeIndex, next, false, 0);
      }
      pkts[kept++] = m;
    }
    if (unlikely(st.capture->armed(port))) {
      for (std::uint16_t i = 0; i < kept; ++i) st.capture->copy(pkts[i], port, CaptureDirection::In);
    }
    rte_node_next_stream_put(graph, node, next, kept);
    total = static_cast<std::uint16_t>(total + kept);
  }
  if (total != 0) {
    st.received += total;
    env.counters->add(env.packetsId, total);
  }
  if (unlikely(chained != 0)) env.counters->add(env.errorIds[0], chained);
  return total;
}

}  // namespace hnv::dp
