#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::vpn {

// esp-input: an IPv4 or IPv6 packet in an outside routing domain addressed
// to one of the gateway's VPN endpoints (ip4-lookup's or ip6-lookup's
// VpnLocal route; IPv6 without extension headers). ESP (protocol 50, or UDP
// 4500 whose first four bytes are not zero) is looked up by SPI,
// decrypted and verified with its inbound SA (anti-replay included),
// checked against the SA's traffic selectors, and sent to ip4-lookup (an
// IPv4 SA) or ip6-lookup (an IPv6 SA) in the SA's tenant, marked
// translated; an inner packet of the other family is malformed. IKE (UDP 500, UDP 4500 with the zero
// non-ESP marker) is punted to the control thread for hnv-iked; the rest is
// dropped.
struct EspInputNode {
  static constexpr std::string_view kName = "esp-input";
  enum class Next : std::uint16_t { Drop = 0, Lookup, Punt, Lookup6 };
  static constexpr std::array<std::string_view, 4> kNextNames{"drop", "ip4-lookup", "punt", "ip6-lookup"};
  enum class Error : std::uint16_t {
    NotEsp, Malformed, UnknownSpi, WrongTunnel, DecryptFailed, SelectorMismatch, Ike, RateLimited
  };
  static constexpr std::array<std::string_view, 8> kErrorNames{
      "not-esp", "malformed", "unknown-spi", "wrong-tunnel", "decrypt-failed", "selector-mismatch", "ike",
      "rate-limited"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::vpn
