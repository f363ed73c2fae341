// What the generic nodes read: the node's own addresses and its underlay
// neighbours, published by RCU, and the punt kind for ARP that teaches the
// neighbour resolver something (0: nothing is punted).
#pragma once

#include "hnv/dp/control_path.h"
#include "hnv/dp/rcu.h"
#include "hnv/fib/local_addresses.h"
#include "hnv/fib/neighbors.h"

namespace hnv::nodes {

struct NodesContext {
  const dp::Published<fib::LocalAddresses>* local = nullptr;
  const dp::Published<fib::NeighborTable>* neighbors = nullptr;
  dp::PuntKind arpPunt = 0;
  dp::PuntKind echoReplyPunt = 0;  // ICMP echo replies to the node (fib::PaPinger); 0: dropped
};

}  // namespace hnv::nodes
