// The ESP node types, for a program's module list. ip4-lookup has edges to
// them, so every program with ip4-lookup adds them (without tables they
// drop what reaches them: hnv-hostd never routes into a tunnel).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "hnv/base/result.h"
#include "hnv/dp/catalog.h"
#include "hnv/dp/control_path.h"
#include "hnv/dp/rcu.h"
#include "hnv/fib/tenant_tables.h"
#include "hnv/vpn/tables.h"

namespace hnv::vpn {

struct VpnContext;

// What a worker's ESP nodes hold: the context and the worker's crypto queue pair.
struct VpnWorker {
  const VpnContext* ctx = nullptr;
  std::uint16_t queuePair = 0;
};

struct VpnContext {
  const dp::Published<VpnTables>* tables = nullptr;
  const dp::Published<fib::TenantTables>* tenants = nullptr;  // for tenant counters
  // IKE (UDP 500, and 4500 with the non-ESP marker) for the gateway's VPN
  // endpoints: punted to the control thread with this kind (0: dropped).
  dp::PuntKind ikePunt = 0;
  // One per worker, made by addVpnNodes.
  std::vector<std::unique_ptr<VpnWorker>> workers;
};

// Adds esp-encrypt and esp-input for `workers` workers (worker w uses
// crypto queue pair w). `ctx` must outlive every graph built from the catalog.
Status addVpnNodes(dp::NodeCatalog& catalog, VpnContext& ctx, unsigned workers);

}  // namespace hnv::vpn
