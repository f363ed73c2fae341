#include "hnv/wire/nd.h"

#include "hnv/wire/bytes.h"
#include "hnv/wire/icmpv6.h"

namespace hnv::wire {
namespace {

constexpr std::uint8_t kNaRouter = 0x80;
constexpr std::uint8_t kNaSolicited = 0x40;
constexpr std::uint8_t kNaOverride = 0x20;

// Walks options starting at `base` within `message`, so that errors carry
// offsets in the message.
WireResult<NdLinkLayerOptions> walkOptions(std::span<const std::uint8_t> message, std::size_t base) {
  NdLinkLayerOptions found;
  std::size_t offset = base;
  while (offset < message.size()) {
    const std::size_t left = message.size() - offset;
    if (left < 2) return wireError(WireErrc::BadLength, offset);
    const std::uint8_t* p = message.data() + offset;
    const std::size_t length = std::size_t{p[1]} * 8;
    if (length == 0) return wireError(WireErrc::Malformed, offset);
    if (length > left) return wireError(WireErrc::BadLength, offset);
    if (p[0] == kNdOptSourceLinkLayerAddress || p[0] == kNdOptTargetLinkLayerAddress) {
      if (length != kNdLinkLayerOptionLen) return wireError(WireErrc::Malformed, offset);
      auto& slot = p[0] == kNdOptSourceLinkLayerAddress ? found.source : found.target;
      if (!slot) slot = MacAddr::fromBytes(p + 2);
    }
    offset += length;
  }
  return found;
}

// The checks every message shares: type, code and fixed length.
std::optional<WireError> checkFixedPart(std::span<const std::uint8_t> message, std::uint8_t type,
                                        std::size_t fixedLength) {
  if (message.size() < fixedLength) return wireError(WireErrc::Truncated, 0);
  if (message[0] != type) return wireError(WireErrc::Malformed, 0);
  if (message[1] != 0) return wireError(WireErrc::Malformed, 1);
  return std::nullopt;
}

std::size_t optionLength(const std::optional<MacAddr>& mac) { return mac ? kNdLinkLayerOptionLen : 0; }

void writeLinkLayerOption(std::uint8_t* p, std::uint8_t type, const MacAddr& mac) {
  p[0] = type;
  p[1] = 1;
  mac.toBytes(p + 2);
}

}  // namespace

WireResult<NdLinkLayerOptions> parseNdOptions(std::span<const std::uint8_t> options) { return walkOptions(options, 0); }

WireResult<RouterSolicitation> parseRouterSolicitation(std::span<const std::uint8_t> message) {
  if (auto error = checkFixedPart(message, kIcmpv6RouterSolicitation, kNdRouterSolicitationLen)) return *error;
  auto options = walkOptions(message, kNdRouterSolicitationLen);
  if (!options) return options.error();
  return RouterSolicitation{options->source};
}

WireResult<NeighborSolicitation> parseNeighborSolicitation(std::span<const std::uint8_t> message) {
  if (auto error = checkFixedPart(message, kIcmpv6NeighborSolicitation, kNdNeighborMessageLen)) return *error;
  const Ipv6Addr target = Ipv6Addr::fromBytes(message.data() + 8);
  if (target.isMulticast()) return wireError(WireErrc::Malformed, 8);
  auto options = walkOptions(message, kNdNeighborMessageLen);
  if (!options) return options.error();
  return NeighborSolicitation{target, options->source};
}

WireResult<NeighborAdvertisement> parseNeighborAdvertisement(std::span<const std::uint8_t> message) {
  if (auto error = checkFixedPart(message, kIcmpv6NeighborAdvertisement, kNdNeighborMessageLen)) return *error;
  NeighborAdvertisement na;
  na.flags.router = (message[4] & kNaRouter) != 0;
  na.flags.solicited = (message[4] & kNaSolicited) != 0;
  na.flags.override = (message[4] & kNaOverride) != 0;
  na.target = Ipv6Addr::fromBytes(message.data() + 8);
  if (na.target.isMulticast()) return wireError(WireErrc::Malformed, 8);
  auto options = walkOptions(message, kNdNeighborMessageLen);
  if (!options) return options.error();
  na.targetLinkLayer = options->target;
  return na;
}

WireResult<std::size_t> writeRouterSolicitation(std::span<std::uint8_t> out, const Ipv6Addr& src, const Ipv6Addr& dst,
                                                std::optional<MacAddr> sourceLinkLayer) {
  const std::size_t length = kNdRouterSolicitationLen + optionLength(sourceLinkLayer);
  if (out.size() < length) return wireError(WireErrc::Truncated, out.size());
  std::uint8_t* p = out.data();
  p[0] = kIcmpv6RouterSolicitation;
  p[1] = 0;
  store16(p + 2, 0);
  store32(p + 4, 0);
  if (sourceLinkLayer)
    writeLinkLayerOption(p + kNdRouterSolicitationLen, kNdOptSourceLinkLayerAddress, *sourceLinkLayer);
  setIcmpv6Checksum(src, dst, out.first(length));
  return length;
}

WireResult<std::size_t> writeNeighborSolicitation(std::span<std::uint8_t> out, const Ipv6Addr& src, const Ipv6Addr& dst,
                                                  const Ipv6Addr& target, std::optional<MacAddr> sourceLinkLayer) {
  const std::size_t length = kNdNeighborMessageLen + optionLength(sourceLinkLayer);
  if (out.size() < length) return wireError(WireErrc::Truncated, out.size());
  std::uint8_t* p = out.data();
  p[0] = kIcmpv6NeighborSolicitation;
  p[1] = 0;
  store16(p + 2, 0);
  store32(p + 4, 0);
  target.toBytes(p + 8);
  if (sourceLinkLayer) writeLinkLayerOption(p + kNdNeighborMessageLen, kNdOptSourceLinkLayerAddress, *sourceLinkLayer);
  setIcmpv6Checksum(src, dst, out.first(length));
  return length;
}

WireResult<std::size_t> writeNeighborAdvertisement(std::span<std::uint8_t> out, const Ipv6Addr& src,
                                                   const Ipv6Addr& dst, NaFlags flags, const Ipv6Addr& target,
                                                   std::optional<MacAddr> targetLinkLayer) {
  const std::size_t length = kNdNeighborMessageLen + optionLength(targetLinkLayer);
  if (out.size() < length) return wireError(WireErrc::Truncated, out.size());
  std::uint8_t* p = out.data();
  p[0] = kIcmpv6NeighborAdvertisement;
  p[1] = 0;
  store16(p + 2, 0);
  store32(p + 4, 0);
  p[4] = static_cast<std::uint8_t>((flags.router ? kNaRouter : 0) | (flags.solicited ? kNaSolicited : 0) |
                                   (flags.override ? kNaOverride : 0));
  target.toBytes(p + 8);
  if (targetLinkLayer) writeLinkLayerOption(p + kNdNeighborMessageLen, kNdOptTargetLinkLayerAddress, *targetLinkLayer);
  setIcmpv6Checksum(src, dst, out.first(length));
  return length;
}

}  // namespace hnv::wire
