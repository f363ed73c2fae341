// The overlay's node types, for a program's module list.
#pragma once

#include "hnv/base/result.h"
#include "hnv/dp/catalog.h"
#include "hnv/overlay/nvgre_input_node.h"

namespace hnv::overlay {

// Adds nvgre-input. `ctx` must outlive every graph built from the catalog.
Status addOverlayNodes(dp::NodeCatalog& catalog, OverlayContext& ctx);

}  // namespace hnv::overlay
