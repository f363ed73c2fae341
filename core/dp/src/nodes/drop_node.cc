// drop: the end of every packet that a node refused.
#include <rte_mbuf.h>

#include "hnv/dp/node.h"
#include "hnv/dp/packet.h"
#include "hnv/dp/platform_nodes.h"
#include "hnv/dp/trace.h"

namespace hnv::dp {

std::uint16_t DropNode::process(rte_graph*, rte_node* node, void** objs, std::uint16_t count) {
  NodeEnv& env = nodeEnv(node);
  auto** pkts = reinterpret_cast<rte_mbuf**>(objs);
  for (std::uint16_t i = 0; i < count; ++i) {
    if (unlikely(meta(pkts[i]).traceId != 0)) env.trace->record(meta(pkts[i]).traceId, env.nodeIndex, 0, false, 0);
  }
  rte_pktmbuf_free_bulk(pkts, count);
  env.counters->add(env.packetsId, count);
  return count;
}

}  // namespace hnv::dp
