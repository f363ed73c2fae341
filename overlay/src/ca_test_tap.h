// The data-path half of the CA connectivity test: is this customer frame,
// about to be delivered to a VM port, the echo reply of an armed test?
// One relaxed load when no test runs. Private to the overlay.
#pragma once

#include <span>

#include "hnv/overlay/context.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/ipv4.h"

namespace hnv::overlay {

inline bool isCaTestReply(const OverlayContext& ctx, std::span<const std::uint8_t> frame) {
  const std::uint16_t id = ctx.caTestId.load(std::memory_order_relaxed);
  if (id == 0 || ctx.caTestPunt == 0) return false;
  constexpr std::size_t l3 = wire::kEthernetHeaderLen;
  if (frame.size() < l3 + wire::kIpv4HeaderLen + 8 || wire::load16(frame.data() + 12) != wire::kEtherTypeIpv4) {
    return false;
  }
  const std::size_t ihl = std::size_t{frame[l3] & 0x0Fu} * 4;
  if (frame[l3 + 9] != wire::kIpProtoIcmp || frame.size() < l3 + ihl + 8) return false;
  const std::uint8_t* icmp = frame.data() + l3 + ihl;
  return icmp[0] == wire::kIcmpEchoReply && wire::load16(icmp + 4) == id;
}

}  // namespace hnv::overlay
