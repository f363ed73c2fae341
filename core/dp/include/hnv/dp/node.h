// Declaring graph nodes.
//
// A node type is a struct with its name, an edge enum (Drop = 0), the edge
// names, an error enum with names, and a process function:
//
//   struct EthInputNode {
//     static constexpr std::string_view kName = "eth-input";
//     enum class Next : std::uint16_t { Drop, Arp, Ip4, Ip6 };
//     static constexpr std::array<std::string_view, 4> kNextNames{"drop", "arp-input", "ip4-input", "ip6-input"};
//     enum class Error : std::uint16_t { Truncated, NotForUs };
//     static constexpr std::array<std::string_view, 2> kErrorNames{"truncated", "not-for-us"};
//     static std::uint16_t process(rte_graph*, rte_node*, void** objs, std::uint16_t n);
//   };
//
// describeNode<EthInputNode>() turns it into a NodeDesc, which a NodeCatalog
// registers with rte_graph. Every graph instance gets a NodeEnv per node,
// reachable from rte_node::ctx, that holds the worker's counter block, the
// node's counter ids, the worker's trace buffer and the node's state.
#pragma once

#include <rte_graph.h>
#include <rte_graph_worker.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "hnv/base/counters.h"

namespace hnv::dp {

class TraceBuffer;

// State handed to a node instance. The provider owns it and keeps it alive
// for as long as the graph exists. Called once per worker.
using NodeStateFactory = std::function<void*(unsigned worker)>;

struct NodeDesc {
  std::string name;
  rte_node_process_t process = nullptr;
  bool source = false;
  bool sink = false;  // ends a packet's walk (transmit, drop)
  std::vector<std::string> nextNodes;  // edge i goes to nextNodes[i]; edge 0 is "drop" (sinks: none)
  std::vector<std::string> errors;     // error counter names, in enum order
  NodeStateFactory state;              // may be empty: the node has no state
};

template <class N>
NodeDesc describeNode(NodeStateFactory state = {}) {
  constexpr bool kIsSink = requires { N::kSink; };
  static_assert(kIsSink ? N::kNextNames.size() == 0 : (N::kNextNames.size() > 0 && N::kNextNames[0] == "drop"),
                "edge 0 must be drop; a sink has no edges");
  NodeDesc d;
  d.name = std::string(N::kName);
  d.process = &N::process;
  if constexpr (requires { N::kSource; }) d.source = N::kSource;
  if constexpr (requires { N::kSink; }) d.sink = N::kSink;
  for (auto n : N::kNextNames) d.nextNodes.emplace_back(n);
  for (auto e : N::kErrorNames) d.errors.emplace_back(e);
  d.state = std::move(state);
  return d;
}

// Everything a node instance needs at run time. One per (graph, node).
struct NodeEnv {
  CounterBlock* counters = nullptr;
  std::vector<CounterId> errorIds;  // index = error enum value
  CounterId packetsId{0};
  TraceBuffer* trace = nullptr;
  std::uint16_t nodeIndex = 0;  // index of the node in its NodeCatalog
  unsigned worker = 0;
  void* state = nullptr;
};

inline NodeEnv& nodeEnv(rte_node* node) {
  NodeEnv* e;
  std::memcpy(&e, node->ctx, sizeof e);
  return *e;
}

template <class T>
T& nodeState(rte_node* node) {
  return *static_cast<T*>(nodeEnv(node).state);
}

inline void bindNodeEnv(rte_node* node, NodeEnv* env) {
  static_assert(sizeof(NodeEnv*) <= RTE_NODE_CTX_SZ);
  std::memcpy(node->ctx, &env, sizeof env);
}

}  // namespace hnv::dp
