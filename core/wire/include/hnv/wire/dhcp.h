// DHCPv4 (RFC 2131) messages, as far as address learning needs them: the
// BOOTP fixed part over Ethernet (htype 1, hlen 6) and the message type
// option (53).
//
// parseDhcp() takes the UDP payload. Truncated: shorter than the fixed part
// and the magic cookie (240 bytes), or an option running past the end;
// Unsupported: another hardware type or length (offset 1, 2); Malformed: no
// magic cookie (236), an op other than 1 or 2 (0), a message type option
// whose length is not 1, a requested-address option (50) whose length is not
// 4. Options after the end option (255) are not read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/wire/error.h"

namespace hnv::wire {

inline constexpr std::uint16_t kDhcpServerPort = 67;
inline constexpr std::uint16_t kDhcpClientPort = 68;
inline constexpr std::size_t kDhcpFixedLen = 236;  // up to the magic cookie
inline constexpr std::uint32_t kDhcpMagicCookie = 0x63825363;

enum class DhcpOp : std::uint8_t { Request = 1, Reply = 2 };
// Option 53's values (RFC 2132 9.6); None: the option is absent (plain BOOTP).
enum class DhcpType : std::uint8_t { None = 0, Discover = 1, Offer = 2, Request = 3, Decline = 4, Ack = 5, Nak = 6,
                                     Release = 7, Inform = 8 };

struct DhcpMessage {
  DhcpOp op = DhcpOp::Request;
  DhcpType type = DhcpType::None;
  std::uint32_t xid = 0;
  Ipv4Addr ciaddr;  // the client's address, when it has one
  Ipv4Addr yiaddr;  // "your" address: what the server gives the client
  MacAddr chaddr;   // the client's hardware address
  std::optional<Ipv4Addr> requested;  // option 50, the address a client asks for
};

WireResult<DhcpMessage> parseDhcp(std::span<const std::uint8_t> udpPayload);
// A minimal message: the fixed part, the cookie, option 53 (unless None),
// option 50 (if `requested`) and the end option; 244 bytes (241 without
// option 53, 6 more with option 50). Zero-padded to
// `out.size()` if larger; Truncated if `out` is too small.
WireResult<std::size_t> writeDhcp(std::span<std::uint8_t> out, const DhcpMessage& m);

}  // namespace hnv::wire
