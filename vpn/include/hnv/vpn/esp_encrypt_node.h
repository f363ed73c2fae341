#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace hnv::vpn {

// esp-encrypt: a tenant's IP packet its VRF routed into tunnel i (ip4-lookup
// or ip6-lookup, TTL or hop limit already decremented; the tunnel index in
// the first scratch word). A tunnel carries one family, its SA's: a packet
// of the other is dropped (family-mismatch; the routes put none there).
// Encrypts it with the tunnel's outbound SA (tunnel mode, ESP or ESP in UDP)
// and sends the ESP packet to ip4-lookup (or ip6-lookup, for an SA between
// IPv6 endpoints) in the tunnel's outside routing domain, marked
// translated. Consecutive packets of one SA go through the
// crypto device as one burst. An on-demand tunnel without an SA drops the
// packet (tunnel-dialing) and asks the control thread for the tunnel
// (VpnTables::demand). Past the tunnel's egress limit a packet is dropped
// (rate-limited). When the SA's traffic selectors name a protocol or ports,
// a packet they do not cover is dropped (selector-mismatch): the site would
// drop it after decryption.
struct EspEncryptNode {
  static constexpr std::string_view kName = "esp-encrypt";
  enum class Next : std::uint16_t { Drop = 0, Lookup, Lookup6 };
  static constexpr std::array<std::string_view, 3> kNextNames{"drop", "ip4-lookup", "ip6-lookup"};
  enum class Error : std::uint16_t {
    NoTunnel,
    TunnelDown,
    CryptoFailed,
    TunnelDialing,
    RateLimited,
    SelectorMismatch,
    FamilyMismatch
  };
  static constexpr std::array<std::string_view, 7> kErrorNames{"no-tunnel",      "tunnel-down",  "crypto-failed",
                                                               "tunnel-dialing", "rate-limited", "selector-mismatch",
                                                               "family-mismatch"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::vpn
