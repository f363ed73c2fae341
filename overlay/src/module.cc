#include "hnv/overlay/module.h"

#include "hnv/overlay/arp_proxy_node.h"
#include "hnv/overlay/l2_flood_node.h"
#include "hnv/overlay/nd_proxy_node.h"
#include "hnv/overlay/nvgre_encap_node.h"
#include "hnv/overlay/nvgre_input_node.h"
#include "hnv/overlay/overlay_output_node.h"
#include "hnv/overlay/vm_icmp_error_node.h"
#include "hnv/overlay/vm_input_node.h"
#include "hnv/overlay/vm_output_node.h"

namespace hnv::overlay {

Status addOverlayNodes(dp::NodeCatalog& catalog, OverlayContext& ctx) {
  auto state = [&ctx](unsigned) { return &ctx; };
  for (auto st : {catalog.add(dp::describeNode<VmInputNode>(state)), catalog.add(dp::describeNode<ArpProxyNode>(state)),
                  catalog.add(dp::describeNode<NdProxyNode>(state)), catalog.add(dp::describeNode<L2FloodNode>(state)),
                  catalog.add(dp::describeNode<NvgreEncapNode>(state)),
                  catalog.add(dp::describeNode<NvgreInputNode>(state)),
                  catalog.add(dp::describeNode<OverlayOutputNode>(state)),
                  catalog.add(dp::describeNode<VmIcmpErrorNode>(state)),
                  catalog.add(dp::describeNode<VmOutputNode>(state))}) {
    if (!st) return st;
  }
  return okStatus();
}

}  // namespace hnv::overlay
