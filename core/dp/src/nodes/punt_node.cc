// punt: hands packets to the control thread through the punt ring.
#include <sys/eventfd.h>

#include "hnv/dp/control_path.h"
#include "hnv/dp/node.h"
#include "hnv/dp/packet.h"
#include "hnv/dp/trace.h"

namespace hnv::dp {

std::uint16_t PuntNode::process(rte_graph*, rte_node* node, void** objs, std::uint16_t count) {
  NodeEnv& env = nodeEnv(node);
  auto& st = *static_cast<PuntState*>(env.state);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    if (unlikely(meta(m).traceId != 0)) env.trace->record(meta(m).traceId, env.nodeIndex, 0, false, 0);
  }
  const bool wasEmpty = rte_ring_empty(st.ring) != 0;
  unsigned sent = rte_ring_mp_enqueue_burst(st.ring, objs, count, nullptr);
  // The control thread sleeps on the eventfd: wake it for the first packets.
  if (wasEmpty && sent > 0 && st.wakeFd >= 0) (void)::eventfd_write(st.wakeFd, 1);
  if (unlikely(sent < count)) {
    rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs + sent), count - sent);
    env.counters->add(env.errorIds[static_cast<std::size_t>(Error::QueueFull)], count - sent);
  }
  env.counters->add(env.packetsId, count);
  return count;
}

}  // namespace hnv::dp
