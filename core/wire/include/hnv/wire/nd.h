// IPv6 Neighbor Discovery (RFC 4861): Router Solicitation, Neighbor
// Solicitation and Neighbor Advertisement, with their link-layer address
// options. The parsers take the whole ICMPv6 message (type first) and check
// what RFC 4861 section 7.1 lets a message check by itself:
//   - the type is the expected one (Malformed, 0) and the code is 0 (Malformed, 1);
//   - the fixed part fits (Truncated, 0);
//   - the target address is not multicast (Malformed, 8);
//   - every option has a non-zero length (Malformed, at the option) and fits
//     the message (BadLength, at the option);
//   - a link-layer address option is 8 bytes long (Malformed, at the option).
// The checks that need the IPv6 header (hop limit 255, the checksum, no
// source link-layer option from the unspecified address, S=0 towards a
// multicast destination) are the caller's. Of a repeated option the first
// counts. Unknown options are skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/wire/error.h"

namespace hnv::wire {

inline constexpr std::size_t kNdRouterSolicitationLen = 8;
inline constexpr std::size_t kNdNeighborMessageLen = 24;  // NS and NA without options.
inline constexpr std::size_t kNdLinkLayerOptionLen = 8;

inline constexpr std::uint8_t kNdOptSourceLinkLayerAddress = 1;
inline constexpr std::uint8_t kNdOptTargetLinkLayerAddress = 2;

struct NdLinkLayerOptions {
  std::optional<MacAddr> source;  // Option type 1.
  std::optional<MacAddr> target;  // Option type 2.
};

// Walks `options` (the bytes after the fixed part of an ND message). Error
// offsets are relative to `options`.
WireResult<NdLinkLayerOptions> parseNdOptions(std::span<const std::uint8_t> options);

struct RouterSolicitation {
  std::optional<MacAddr> sourceLinkLayer;
};

struct NeighborSolicitation {
  Ipv6Addr target;
  std::optional<MacAddr> sourceLinkLayer;
};

struct NaFlags {
  bool router = false;
  bool solicited = false;
  bool override = false;
};

struct NeighborAdvertisement {
  NaFlags flags;
  Ipv6Addr target;
  std::optional<MacAddr> targetLinkLayer;
};

WireResult<RouterSolicitation> parseRouterSolicitation(std::span<const std::uint8_t> message);
WireResult<NeighborSolicitation> parseNeighborSolicitation(std::span<const std::uint8_t> message);
WireResult<NeighborAdvertisement> parseNeighborAdvertisement(std::span<const std::uint8_t> message);

// The writers produce the complete ICMPv6 message, checksum included (which
// is why they need the IPv6 source and destination). They return 24 or 32
// (8 or 16 for a Router Solicitation), depending on the link-layer option.
WireResult<std::size_t> writeRouterSolicitation(std::span<std::uint8_t> out, const Ipv6Addr& src, const Ipv6Addr& dst,
                                                std::optional<MacAddr> sourceLinkLayer);
WireResult<std::size_t> writeNeighborSolicitation(std::span<std::uint8_t> out, const Ipv6Addr& src, const Ipv6Addr& dst,
                                                  const Ipv6Addr& target, std::optional<MacAddr> sourceLinkLayer);
WireResult<std::size_t> writeNeighborAdvertisement(std::span<std::uint8_t> out, const Ipv6Addr& src,
                                                   const Ipv6Addr& dst, NaFlags flags, const Ipv6Addr& target,
                                                   std::optional<MacAddr> targetLinkLayer);

}  // namespace hnv::wire
