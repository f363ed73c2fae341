// What the generic nodes read: the node's own addresses, published by RCU.
#pragma once

#include "hnv/dp/rcu.h"
#include "hnv/fib/local_addresses.h"

namespace hnv::nodes {

struct NodesContext {
  const dp::Published<fib::LocalAddresses>* local = nullptr;
};

}  // namespace hnv::nodes
