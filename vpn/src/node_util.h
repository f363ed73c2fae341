// What both ESP nodes share: the tenant drop count and the failure lookup.
#pragma once

#include <rte_mbuf.h>

#include <algorithm>
#include <cstdint>

#include "hnv/base/counters.h"
#include "hnv/dp/packet.h"
#include "hnv/fib/tenant_tables.h"
#include "hnv/vpn/module.h"

namespace hnv::vpn {

inline bool failedIn(rte_mbuf* const* failed, std::uint16_t n, const rte_mbuf* m) {
  return std::find(failed, failed + n, m) != failed + n;
}

inline void countDrop(CounterBlock& block, const fib::TenantTables* tenants, TenantId tenant) {
  if (tenants == nullptr) return;
  if (const fib::Vrf* vrf = tenants->vrf(tenant)) vrf->countDrop(block);
}


}  // namespace hnv::vpn
