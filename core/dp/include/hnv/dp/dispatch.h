// Dispatch: how a node hands its packets on.
//
// A node calls to() or drop() exactly once per packet, in the order of the
// input vector. While every packet takes the same edge nothing is copied; at
// finish() the whole vector moves to that next node in O(1) (the "home run").
// The first packet that takes another edge flushes the run so far in one bulk
// enqueue and switches to per-packet enqueue for the rest of the vector.
// Drops count the node's named error; every packet counts toward the node's
// packet counter; traced packets leave a trace record.
//
// Thread: the worker that owns the graph.
#pragma once

#include <rte_branch_prediction.h>
#include <rte_debug.h>
#include <rte_mbuf.h>

#include <array>
#include <cstdint>

#include "hnv/dp/node.h"
#include "hnv/dp/packet.h"
#include "hnv/dp/trace.h"

namespace hnv::dp {

template <class N>
class Dispatch {
 public:
  using Next = typename N::Next;
  using Error = typename N::Error;
  static constexpr std::size_t kErrors = N::kErrorNames.size();

  Dispatch(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count)
      : graph_(graph), node_(node), objs_(objs), count_(count), env_(nodeEnv(node)) {}

  void to(rte_mbuf* m, Next next) { take(m, static_cast<rte_edge_t>(next), false, 0); }

  void drop(rte_mbuf* m, Error error) {
    ++errors_[static_cast<std::size_t>(error)];
    take(m, 0, true, static_cast<std::uint16_t>(error));
  }

  // Sends a packet the node made itself (a copy, a reply beside the
  // original): it is not one of the input vector and is not counted.
  void emit(rte_mbuf* m, Next next) { rte_node_enqueue_x1(graph_, node_, static_cast<rte_edge_t>(next), m); }

  // Frees a packet of the input vector that the node replaced with packets
  // of its own (segments, copies): neither sent nor counted as an error.
  void consume(rte_mbuf* m) {
    RTE_ASSERT(objs_[done_] == m);
    if (likely(same_)) {
      // objs_ can no longer move as a whole: flush the run so far.
      if (done_ > 0) rte_node_enqueue(graph_, node_, first_, objs_, done_);
      same_ = false;
    }
    rte_pktmbuf_free(m);
    ++done_;
  }

  // Counts an error without dropping (e.g. a packet punted for a reason).
  void count(Error error) { ++errors_[static_cast<std::size_t>(error)]; }

  // Must be called once, after the last to()/drop(). Returns the count processed.
  std::uint16_t finish() {
    if (same_ && done_ > 0) {
      if (done_ == count_) {
        rte_node_next_stream_move(graph_, node_, first_);
      } else {
        rte_node_enqueue(graph_, node_, first_, objs_, done_);
      }
    }
    CounterBlock& c = *env_.counters;
    c.add(env_.packetsId, done_);
    for (std::size_t i = 0; i < kErrors; ++i) {
      if (errors_[i] != 0) c.add(env_.errorIds[i], errors_[i]);
    }
    return done_;
  }

 private:
  void take(rte_mbuf* m, rte_edge_t edge, bool isError, std::uint16_t error) {
    // The home run moves objs_ itself, so packets must be handed on in order.
    RTE_ASSERT(objs_[done_] == m);
    if (unlikely(meta(m).traceId != 0)) {
      env_.trace->record(meta(m).traceId, env_.nodeIndex, edge, isError, error);
    }
    if (done_ == 0) first_ = edge;
    if (likely(same_)) {
      if (likely(edge == first_)) {
        ++done_;
        return;
      }
      // The run ends here: flush it, then go packet by packet.
      if (done_ > 0) rte_node_enqueue(graph_, node_, first_, objs_, done_);
      same_ = false;
    }
    rte_node_enqueue_x1(graph_, node_, edge, m);
    ++done_;
  }

  rte_graph* graph_;
  rte_node* node_;
  void** objs_;
  std::uint16_t count_;
  NodeEnv& env_;
  std::uint16_t done_ = 0;
  rte_edge_t first_ = 0;
  bool same_ = true;
  std::array<std::uint32_t, kErrors == 0 ? 1 : kErrors> errors_{};
};

}  // namespace hnv::dp
