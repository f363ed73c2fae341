// What the generic nodes read: the node's own addresses, its neighbours and
// (on a gateway) the tenants' external interfaces and VRFs, published by
// RCU, and the punt kinds for ARP and neighbour discovery that teach the
// neighbour resolver something and for frames waiting for a neighbour (0: nothing is punted).
#pragma once

#include "hnv/dp/control_path.h"
#include "hnv/dp/rcu.h"
#include "hnv/fib/local_addresses.h"
#include "hnv/fib/neighbors.h"
#include "hnv/fib/tenant_tables.h"

namespace hnv::nodes {

struct NodesContext {
  const dp::Published<fib::LocalAddresses>* local = nullptr;
  // Groups whose NVGRE ip4-input accepts on a port with provider addresses; nullptr: none.
  const dp::Published<fib::MulticastGroups>* groups = nullptr;
  const dp::Published<fib::NeighborTable>* neighbors = nullptr;
  // Empty tables on a node without tenants (hnv-hostd): nothing matches.
  const dp::Published<fib::TenantTables>* tenants = nullptr;
  dp::PuntKind arpPunt = 0;
  dp::PuntKind ndPunt = 0;    // IPv6 neighbour discovery that teaches the resolver (the underlay, a tenant interface)
  dp::PuntKind missPunt = 0;  // a frame to a tenant neighbour not yet resolved
  // The largest TCP MSS a routed tenant SYN may announce: what fits the
  // overlay (the underlay MTU minus NVGRE and the IP and TCP headers);
  // 0: no clamping. Out of an external interface, its MTU lowers it further.
  std::uint16_t tenantMss = 0;
  dp::PuntKind echoReplyPunt = 0;  // ICMP echo replies to the node (fib::PaPinger); 0: dropped
};

}  // namespace hnv::nodes
