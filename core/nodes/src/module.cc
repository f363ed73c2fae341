#include "hnv/nodes/module.h"

#include "hnv/nodes/arp_input_node.h"
#include "hnv/nodes/eth_input_node.h"
#include "hnv/nodes/icmp4_error_node.h"
#include "hnv/nodes/icmp4_local_node.h"
#include "hnv/nodes/icmp6_error_node.h"
#include "hnv/nodes/icmp6_local_node.h"
#include "hnv/nodes/iface_output_node.h"
#include "hnv/nodes/ip4_input_node.h"
#include "hnv/nodes/ip4_lookup_node.h"
#include "hnv/nodes/ip6_input_node.h"
#include "hnv/nodes/ip6_lookup_node.h"

namespace hnv::nodes {

Status addGenericNodes(dp::NodeCatalog& catalog, NodesContext& ctx) {
  auto state = [&ctx](unsigned) { return &ctx; };
  for (auto st :
       {catalog.add(dp::describeNode<EthInputNode>(state)), catalog.add(dp::describeNode<ArpInputNode>(state)),
        catalog.add(dp::describeNode<Ip4InputNode>(state)), catalog.add(dp::describeNode<Icmp4LocalNode>(state)),
        catalog.add(dp::describeNode<Ip6InputNode>(state)), catalog.add(dp::describeNode<Icmp6LocalNode>(state)),
        catalog.add(dp::describeNode<Ip4LookupNode>(state)), catalog.add(dp::describeNode<IfaceOutputNode>(state)),
        catalog.add(dp::describeNode<Icmp4ErrorNode>(state)), catalog.add(dp::describeNode<Ip6LookupNode>(state)),
        catalog.add(dp::describeNode<Icmp6ErrorNode>(state))}) {
    if (!st) return st;
  }
  return okStatus();
}

}  // namespace hnv::nodes
