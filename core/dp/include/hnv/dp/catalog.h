// The node types a program uses, registered with rte_graph.
//
// DPDK keeps registered node types process-wide; the catalog registers each
// name once and remembers its description (edges, errors, state factory) so
// that graphs, counters and traces can name things.
//
// Thread: control.
#pragma once

#include <string>
#include <vector>

#include "hnv/base/result.h"
#include "hnv/dp/node.h"

namespace hnv::dp {

class NodeCatalog {
 public:
  // Registers a node type. Refuses a second node of the same name, a bad
  // name, and an edge list that breaks the edge-0 rule. Edge targets may be
  // added later: validate() checks them once the module list is complete.
  Status add(NodeDesc desc);
  // Every edge names a node of the catalog (call before building graphs).
  Status validate() const;

  std::size_t size() const { return nodes_.size(); }
  const NodeDesc& at(std::size_t i) const { return nodes_.at(i); }
  const NodeDesc* find(std::string_view name) const;
  int indexOf(std::string_view name) const;

 private:
  std::vector<NodeDesc> nodes_;
};

}  // namespace hnv::dp
