#include "hnv/dp/catalog.h"

#include <rte_errno.h>

#include <cstdlib>
#include <cstring>
#include <memory>

namespace hnv::dp {
namespace {

struct FreeDeleter {
  void operator()(rte_node_register* p) const { std::free(p); }
};

}  // namespace

Status NodeCatalog::add(NodeDesc desc) {
  if (desc.name.empty() || desc.name.size() >= RTE_NODE_NAMESIZE) {
    return makeError(Errc::InvalidArgument, "node", desc.name, "a node name has 1 to 63 characters");
  }
  if (find(desc.name) != nullptr) {
    return makeError(Errc::AlreadyExists, "node", desc.name, "the catalog already has a node of that name");
  }
  if (desc.sink ? !desc.nextNodes.empty() : (desc.nextNodes.empty() || desc.nextNodes[0] != "drop")) {
    return makeError(Errc::InvalidArgument, "node " + desc.name, "",
                     desc.sink ? "a sink node has no edges" : "edge 0 must lead to \"drop\"");
  }
  // rte_graph keeps node types for the life of the process; a second catalog
  // in the same process (tests) reuses an existing registration.
  if (rte_node_from_name(desc.name.c_str()) == RTE_NODE_ID_INVALID) {
    std::size_t size = sizeof(rte_node_register) + desc.nextNodes.size() * sizeof(const char*);
    std::unique_ptr<rte_node_register, FreeDeleter> reg(static_cast<rte_node_register*>(std::calloc(1, size)));
    std::strncpy(reg->name, desc.name.c_str(), RTE_NODE_NAMESIZE - 1);
    reg->flags = desc.source ? RTE_NODE_SOURCE_F : 0;
    reg->process = desc.process;
    reg->nb_edges = static_cast<rte_edge_t>(desc.nextNodes.size());
    for (std::size_t i = 0; i < desc.nextNodes.size(); ++i) reg->next_nodes[i] = desc.nextNodes[i].c_str();
    // __rte_node_register copies names and edges.
    if (__rte_node_register(reg.get()) == RTE_NODE_ID_INVALID) {
      return makeError(Errc::Internal, "node " + desc.name, "",
                       std::string("rte_graph refused the node: ") + rte_strerror(rte_errno));
    }
  }
  nodes_.push_back(std::move(desc));
  return okStatus();
}

Status NodeCatalog::validate() const {
  for (const auto& n : nodes_) {
    for (const auto& next : n.nextNodes) {
      if (find(next) == nullptr) {
        return makeError(Errc::NotFound, "node " + n.name, next,
                         "an edge leads to a node that no module provides (missing from the program's module list?)");
      }
    }
  }
  return okStatus();
}

const NodeDesc* NodeCatalog::find(std::string_view name) const {
  int i = indexOf(name);
  return i < 0 ? nullptr : &nodes_[static_cast<std::size_t>(i)];
}

int NodeCatalog::indexOf(std::string_view name) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace hnv::dp
