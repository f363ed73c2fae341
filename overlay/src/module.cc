#include "hnv/overlay/module.h"

namespace hnv::overlay {

Status addOverlayNodes(dp::NodeCatalog& catalog, OverlayContext& ctx) {
  return catalog.add(dp::describeNode<NvgreInputNode>([&ctx](unsigned) { return &ctx; }));
}

}  // namespace hnv::overlay
