// What both nat44 nodes do around the session table: per-tenant drop and
// session counters, and the end of a translated packet's pass.
#pragma once

#include "hnv/base/counters.h"
#include "hnv/dp/packet.h"
#include "hnv/nat/config.h"
#include "hnv/nat/context.h"

namespace hnv::nat {

// Set by nat44-out2in on what it translated: a second pass is a loop.
inline constexpr std::uint8_t kMetaFlagOut2In = 0x10;

// Counts a drop against `inst`'s tenant (its NAT counters and its VRF's
// drops), when there is one.
inline void countTenantDrop(CounterBlock& block, const fib::TenantTables* tenants, const Instance* inst, NatDrop why) {
  if (inst == nullptr) return;
  if (inst->counters) block.add(inst->counters->drops[static_cast<int>(why)]);
  if (tenants != nullptr) {
    if (const fib::Vrf* vrf = tenants->vrf(inst->tenant)) vrf->countDrop(block);
  }
}

inline void countCreated(CounterBlock& block, const Instance* inst) {
  if (inst != nullptr && inst->counters) block.add(inst->counters->sessionsCreated);
}

// The packet continues in routing domain `to`, translated.
inline void handOver(dp::PacketMeta& pm, TenantId to, std::uint8_t flags) {
  pm.tenant = to.index();
  pm.flags |= flags;
}

}  // namespace hnv::nat
