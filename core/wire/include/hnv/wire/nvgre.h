// NVGRE (RFC 7637): GRE with exactly the key bit set, protocol 0x6558
// (transparent Ethernet bridging) and a key of VSID(24) << 8 | FlowID(8).
// The inner Ethernet frame starts kNvgreHeaderLen bytes after the GRE header.
//
// parseNvgre() distinguishes these failures:
//   Truncated   (0): fewer than 8 bytes.
//   Unsupported (1): GRE version other than 0 (e.g. PPTP's version 1); not GRE as NVGRE knows it.
//   Malformed   (0): version 0 but the flags word is not exactly 0x2000: C or S
//                    set, K clear, or any routing/reserved bit set. RFC 7637
//                    section 3.2 requires C=0, K=1, S=0.
//   Unsupported (2): a well-formed GRE header for another protocol than
//                    0x6558 (plain GRE carrying IP, ...): a different tunnel.
// The VSID is returned as carried, reserved values included; whether it is a
// tenant's (Vsid::isTenantUsable) is the caller's decision.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hnv/base/vsid.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/error.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/gre.h"

namespace hnv::wire {

inline constexpr std::size_t kNvgreHeaderLen = 8;
inline constexpr std::uint16_t kNvgreFlags = kGreFlagKey;
inline constexpr std::uint16_t kNvgreProtocol = kEtherTypeTransparentEthernet;
// Outer Ethernet (14, untagged) + outer IP + NVGRE (8), over the inner frame.
inline constexpr std::size_t kNvgreOverheadIpv4 = 14 + 20 + kNvgreHeaderLen;  // 42
inline constexpr std::size_t kNvgreOverheadIpv6 = 14 + 40 + kNvgreHeaderLen;  // 62

struct NvgreHeader {
  Vsid vsid = Vsid::fromKey(0);
  std::uint8_t flowId = 0;

  std::uint32_t key() const { return vsid.key(flowId); }
};

inline WireResult<NvgreHeader> parseNvgre(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kNvgreHeaderLen) return wireError(WireErrc::Truncated, 0);
  const std::uint8_t* p = bytes.data();
  const std::uint16_t flags = load16(p);
  if ((flags & kGreVersionMask) != 0) return wireError(WireErrc::Unsupported, 1);
  if (flags != kNvgreFlags) return wireError(WireErrc::Malformed, 0);
  if (load16(p + 2) != kNvgreProtocol) return wireError(WireErrc::Unsupported, 2);
  const std::uint32_t key = load32(p + 4);
  return NvgreHeader{Vsid::fromKey(key), static_cast<std::uint8_t>(key)};
}

// Writes the 8-byte header. Returns 8.
WireResult<std::size_t> writeNvgre(std::span<std::uint8_t> out, Vsid vsid, std::uint8_t flowId);

}  // namespace hnv::wire
