// port-tx: sends each packet on meta.txPort, through this worker's queue.
#include <rte_ethdev.h>

#include "hnv/dp/capture.h"
#include "hnv/dp/node.h"
#include "hnv/dp/packet.h"
#include "hnv/dp/platform_nodes.h"
#include "hnv/dp/trace.h"

namespace hnv::dp {

std::uint16_t PortTxNode::process(rte_graph*, rte_node* node, void** objs, std::uint16_t count) {
  NodeEnv& env = nodeEnv(node);
  const auto& st = *static_cast<PortTxState*>(env.state);
  const std::uint16_t queue = st.queue;
  auto** pkts = reinterpret_cast<rte_mbuf**>(objs);
  if (unlikely(st.fenced->load(std::memory_order_relaxed))) {
    rte_pktmbuf_free_bulk(pkts, count);
    env.counters->add(env.errorIds[1], count);
    return count;
  }
  std::uint64_t full = 0;
  std::uint16_t i = 0;
  while (i < count) {
    // Send each run of packets bound for the same port in one burst.
    const std::uint16_t port = meta(pkts[i]).txPort;
    std::uint16_t end = i + 1;
    while (end < count && meta(pkts[end]).txPort == port) ++end;
    for (std::uint16_t k = i; k < end; ++k) {
      if (unlikely(meta(pkts[k]).traceId != 0)) env.trace->record(meta(pkts[k]).traceId, env.nodeIndex, 0, false, 0);
    }
    if (unlikely(st.capture->armed(port))) {
      for (std::uint16_t k = i; k < end; ++k) st.capture->copy(pkts[k], port, CaptureDirection::Out);
    }
    std::uint16_t want = static_cast<std::uint16_t>(end - i);
    std::uint16_t sent = rte_eth_tx_burst(port, queue, pkts + i, want);
    if (unlikely(sent < want)) {
      rte_pktmbuf_free_bulk(pkts + i + sent, want - sent);
      full += want - sent;
    }
    i = end;
  }
  env.counters->add(env.packetsId, count);
  if (unlikely(full != 0)) env.counters->add(env.errorIds[0], full);
  return count;
}

}  // namespace hnv::dp
