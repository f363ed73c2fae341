// The NAT44 node types, for a program's module list. ip4-lookup has edges to
// them, so every program with ip4-lookup adds them (hnv-hostd's stay idle:
// a host has no NAT instances).
#pragma once

#include "hnv/base/result.h"
#include "hnv/dp/catalog.h"
#include "hnv/nat/context.h"

namespace hnv::nat {

// Adds nat44-in2out and nat44-out2in and makes `workers` session tables of
// ctx.sessionsPerWorker sessions each. `ctx` must outlive every graph built
// from the catalog.
Status addNatNodes(dp::NodeCatalog& catalog, NatContext& ctx, unsigned workers);

}  // namespace hnv::nat
