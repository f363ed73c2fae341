// What both nat44 nodes do around the session table: per-tenant drop and
// session counters (the hand-over to the other routing domain is dp::handOver).
#pragma once

#include "hnv/base/counters.h"
#include "hnv/dp/packet.h"
#include "hnv/nat/config.h"
#include "hnv/nat/context.h"
#include "hnv/nat/translate.h"

namespace hnv::nat {

inline constexpr std::uint8_t kMetaFlagOut2In = dp::kMetaFlagNatOut2In;

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

// Drops what NAT does not translate (non-first fragments, other protocols
// and ICMP types, L4 headers cut short) through `drop(Node::Error, NatDrop)`;
// false when the packet is a flow or an ICMP error to translate.
template <class Node, class DropFn>
bool dropUntranslatable(PacketKind kind, DropFn&& drop) {
  switch (kind) {
    case PacketKind::Fragment:
      drop(Node::Error::Fragment, NatDrop::Fragment);
      return true;
    case PacketKind::Unsupported:
      drop(Node::Error::Unsupported, NatDrop::Unsupported);
      return true;
    case PacketKind::Malformed:
      drop(Node::Error::Malformed, NatDrop::Unsupported);
      return true;
    case PacketKind::Flow:
    case PacketKind::IcmpError:
      break;
  }
  return false;
}


}  // namespace hnv::nat
