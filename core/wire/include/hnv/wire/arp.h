// ARP for IPv4 over Ethernet (RFC 826), the only variant a gateway answers.
//
// parseArp() returns Unsupported for another hardware type (offset 0),
// protocol type (2), hardware length (4), protocol length (5) or an opcode
// other than request/reply (6, e.g. RARP or InARP); Malformed for opcode 0,
// which RFC 5494 reserves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/error.h"

namespace hnv::wire {

inline constexpr std::size_t kArpLen = 28;
inline constexpr std::uint16_t kArpHardwareEthernet = 1;

enum class ArpOp : std::uint16_t { Request = 1, Reply = 2 };

struct ArpPacket {
  ArpOp op = ArpOp::Request;
  MacAddr sha;   // Sender hardware address.
  Ipv4Addr spa;  // Sender protocol address.
  MacAddr tha;   // Target hardware address (zero in a request).
  Ipv4Addr tpa;  // Target protocol address.
};

inline WireResult<ArpPacket> parseArp(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kArpLen) return wireError(WireErrc::Truncated, 0);
  const std::uint8_t* p = bytes.data();
  if (load16(p) != kArpHardwareEthernet) return wireError(WireErrc::Unsupported, 0);
  if (load16(p + 2) != 0x0800) return wireError(WireErrc::Unsupported, 2);
  if (p[4] != 6) return wireError(WireErrc::Unsupported, 4);
  if (p[5] != 4) return wireError(WireErrc::Unsupported, 5);
  const std::uint16_t op = load16(p + 6);
  if (op == 0) return wireError(WireErrc::Malformed, 6);
  if (op != 1 && op != 2) return wireError(WireErrc::Unsupported, 6);
  ArpPacket a;
  a.op = static_cast<ArpOp>(op);
  a.sha = MacAddr::fromBytes(p + 8);
  a.spa = Ipv4Addr::fromBytes(p + 14);
  a.tha = MacAddr::fromBytes(p + 18);
  a.tpa = Ipv4Addr::fromBytes(p + 24);
  return a;
}

// Writes the 28-byte packet. Returns 28.
WireResult<std::size_t> writeArp(std::span<std::uint8_t> out, const ArpPacket& arp);

}  // namespace hnv::wire
