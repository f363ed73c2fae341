// Ethernet II with at most one 802.1Q tag (TPID 0x8100).
//
// parseEthernet() rejects, as Unsupported:
//   - a stacked tag (QinQ: 0x8100 or 0x88A8 behind the first tag), at offset 16;
//   - an outer 802.1ad S-tag (0x88A8), at offset 12;
//   - an 802.3 length field instead of an EtherType (value < 0x0600), at the
//     EtherType's offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "hnv/base/mac.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/error.h"

namespace hnv::wire {

inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86DD;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100;
inline constexpr std::uint16_t kEtherTypeQinQ = 0x88A8;
inline constexpr std::uint16_t kEtherTypeTransparentEthernet = 0x6558;
// EtherType values below this are 802.3 length fields.
inline constexpr std::uint16_t kEtherTypeMin = 0x0600;

inline constexpr std::size_t kEthernetHeaderLen = 14;
inline constexpr std::size_t kEthernetVlanHeaderLen = 18;

struct EthernetHeader {
  MacAddr dst;
  MacAddr src;
  std::optional<std::uint16_t> vlanTci;  // The whole TCI: PCP(3) DEI(1) VID(12).
  std::uint16_t etherType = 0;           // The EtherType after the tag, if any.
  std::uint8_t headerLength = kEthernetHeaderLen;

  std::uint16_t vlanId() const { return vlanTci ? static_cast<std::uint16_t>(*vlanTci & 0x0FFF) : 0; }
  std::uint8_t vlanPcp() const { return vlanTci ? static_cast<std::uint8_t>(*vlanTci >> 13) : 0; }
};

inline WireResult<EthernetHeader> parseEthernet(std::span<const std::uint8_t> frame) {
  if (frame.size() < kEthernetHeaderLen) return wireError(WireErrc::Truncated, 0);
  const std::uint8_t* p = frame.data();
  EthernetHeader h;
  h.dst = MacAddr::fromBytes(p);
  h.src = MacAddr::fromBytes(p + 6);
  std::uint16_t type = load16(p + 12);
  if (type == kEtherTypeQinQ) return wireError(WireErrc::Unsupported, 12);
  if (type == kEtherTypeVlan) {
    if (frame.size() < kEthernetVlanHeaderLen) return wireError(WireErrc::Truncated, 14);
    h.vlanTci = load16(p + 14);
    type = load16(p + 16);
    if (type == kEtherTypeVlan || type == kEtherTypeQinQ) return wireError(WireErrc::Unsupported, 16);
    h.headerLength = kEthernetVlanHeaderLen;
  }
  if (type < kEtherTypeMin) return wireError(WireErrc::Unsupported, h.headerLength - 2u);
  h.etherType = type;
  return h;
}

// Writes dst, src, the tag when vlanTci is set, and etherType. Returns 14 or 18.
WireResult<std::size_t> writeEthernet(std::span<std::uint8_t> out, const MacAddr& dst, const MacAddr& src,
                                      std::uint16_t etherType, std::optional<std::uint16_t> vlanTci = std::nullopt);

}  // namespace hnv::wire
