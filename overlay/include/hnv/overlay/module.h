// The overlay's node types, for a program's module list.
#pragma once

#include "hnv/base/result.h"
#include "hnv/dp/catalog.h"
#include "hnv/overlay/context.h"

namespace hnv::overlay {

// Adds vm-input, arp-proxy, nd-proxy, l2-flood, nvgre-encap and nvgre-input.
// `ctx` must outlive every graph built from the catalog.
Status addOverlayNodes(dp::NodeCatalog& catalog, OverlayContext& ctx);

}  // namespace hnv::overlay
