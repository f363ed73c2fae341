// What the overlay nodes read: the node's policy (with its VM ports), its
// provider addresses and underlay neighbours, all published by RCU, the punt
// kind for frames that wait for an underlay neighbour, and the encapsulation
// settings fixed at start-up.
#pragma once

#include <atomic>
#include <cstdint>

#include "hnv/base/config_node.h"
#include "hnv/base/result.h"
#include "hnv/dp/control_path.h"
#include "hnv/dp/rcu.h"
#include "hnv/fib/local_addresses.h"
#include "hnv/fib/neighbors.h"
#include "hnv/fib/tenant_tables.h"
#include "hnv/overlay/extensions.h"
#include "hnv/overlay/overlay_policy.h"

namespace hnv::overlay {

// ECN on encapsulation (RFC 6040 section 4.1): Normal copies the inner ECN
// field to the outer header; Compatibility leaves the outer header Not-ECT.
// Decapsulation always follows RFC 6040 section 4.2.
enum class EcnMode : std::uint8_t { Normal, Compatibility };

struct OverlaySettings {
  bool copyDscp = true;  // inner DSCP to the outer header (RFC 2983 uniform model)
  EcnMode ecn = EcnMode::Normal;
  std::uint8_t outerTtl = 64;
};

// The "encap" section of a daemon's configuration: {"copy_dscp", "ecn"
// ("normal" | "compatibility"), "outer_ttl"}; absent keys keep `s`.
Status parseOverlaySettings(const ConfigNode& n, OverlaySettings& s);

struct OverlayContext {
  const dp::Published<OverlayPolicy>* policy = nullptr;
  const dp::Published<fib::LocalAddresses>* local = nullptr;
  const dp::Published<fib::NeighborTable>* neighbors = nullptr;
  // A gateway's tenant tables (for its tenants' counters); nullptr on hosts.
  const dp::Published<fib::TenantTables>* tenants = nullptr;
  dp::PuntKind missPunt = 0;  // 0: a frame without an underlay neighbour is dropped
  dp::PuntKind learnPunt = 0;  // 0: no dynamic IP learning (overlay::Learner)
  // The CA connectivity test (overlay::CaTester): while an ICMP identifier
  // is armed, echo replies with it are taken out before they reach a VM.
  dp::PuntKind caTestPunt = 0;
  std::atomic<std::uint16_t> caTestId{0};
  // Extension hooks (extensions.h); nullptr: none.
  const dp::Published<HookTable>* hooks = nullptr;
  OverlaySettings settings;
};

// Per-packet flag: the frame came out of a tunnel (l2-flood delivers it to
// local ports only and never sends it back into the overlay).
inline constexpr std::uint8_t kMetaFlagFromOverlay = 0x02;

// The MTU vm-icmp-error reports, in the scratch words (set by nvgre-encap).
inline void setReportedMtu(dp::PacketMeta& pm, std::uint16_t mtu) { pm.scratch[0] = mtu; }
inline std::uint16_t reportedMtu(const dp::PacketMeta& pm) { return static_cast<std::uint16_t>(pm.scratch[0]); }

// The VSID a node before this one stored in the metadata.
inline Vsid metaVsid(const dp::PacketMeta& pm) { return Vsid::fromKey(pm.vsid << 8); }

}  // namespace hnv::overlay
