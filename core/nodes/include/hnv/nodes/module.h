// The generic nodes, for a program's module list: eth-input, arp-input,
// ip4-input, icmp4-local, ip6-input, icmp6-local.
#pragma once

#include "hnv/base/result.h"
#include "hnv/dp/catalog.h"
#include "hnv/nodes/context.h"

namespace hnv::nodes {

// `ctx` must outlive every graph built from the catalog.
Status addGenericNodes(dp::NodeCatalog& catalog, NodesContext& ctx);

}  // namespace hnv::nodes
