// What the ESP nodes read: an immutable snapshot of the gateway's tunnels
// and inbound SAs, built on the control thread (from the S2S interfaces of
// policy and the SAs hnv-iked installed) and published to workers with
// dp::Published. The EspSa objects are owned by the control thread's SA
// registry, which frees one only after a snapshot without it is published
// (the publish waits for every worker to leave the old one).
//
//   - Tunnels, by index (a tenant route "through tunnel i" names it): the
//     tenant inside, the routing domain its ESP travels in (the outside),
//     and the outbound SA in use (none: the tunnel is down).
//   - The SAD: inbound SPI -> the SA, its tunnel and its traffic selectors
//     (what the decrypted packets may carry).
//   - Local addresses: per outside domain, the gateway's VPN endpoints
//     (ESP and IKE arrive there).
//   - Per tunnel, written by workers: the on-demand demand flag and the
//     bandwidth buckets (those outlive the snapshot).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "hnv/base/ip.h"
#include "hnv/base/tenant.h"
#include "hnv/vpn/esp_sa.h"
#include "hnv/vpn/rate_limiter.h"
#include "hnv/vpn/traffic_selector.h"

namespace hnv::vpn {


struct Tunnel {
  TenantId tenant = TenantId::node();
  TenantId outside = TenantId::node();
  EspSa* outbound = nullptr;  // none: down, packets routed here are dropped (tunnel-down)
  bool onDemand = false;      // routed while down: a packet asks for the tunnel (demand)
  // Whether its egress bucket limits (VpnTables sets it from the bucket):
  // read here, in the line esp-encrypt loads anyway, rather than in the
  // bucket array for every packet.
  bool egressLimited = false;
  // Whether the outbound SA's selectors name a protocol or ports: then a
  // packet routed here must match them (local: its source, remote: its
  // destination). Without, the routes alone decide.
  bool narrowed = false;
  // The SA's inner family: IPv6 packets only (routes put nothing else here).
  bool inner6 = false;
  std::vector<TrafficSelector> local, remote;
};

struct InboundSa {
  EspSa* sa = nullptr;
  std::uint32_t tunnel = 0;
  std::vector<TrafficSelector> remote;  // inner sources allowed (the peer's side)
  std::vector<TrafficSelector> local;   // inner destinations allowed (the tenant's side)
  bool narrowed = false;                // a protocol or ports among them
  // An IPv6 SA's ranges (remote and local above stay empty); never narrowed.
  bool inner6 = false;
  std::vector<TrafficSelector6> remote6, local6;
};

class VpnTables {
 public:
  // The bandwidth buckets: one per tunnel and direction, shared with the
  // manager (they outlive this snapshot); none given: new ones, unlimited.
  // The per-tunnel arrays are sized by `tunnels`, which never changes; the
  // tunnels' egressLimited flags are the buckets' as given (configured before).
  using Limiters = std::shared_ptr<RateLimiter[]>;
  explicit VpnTables(std::vector<Tunnel> t = {}, Limiters egress = nullptr, Limiters ingress = nullptr)
      : tunnels(flagged(std::move(t), egress)),
        demand_(std::make_unique<std::atomic<std::uint8_t>[]>(tunnels.size())),
        egress_(egress ? std::move(egress) : Limiters(new RateLimiter[tunnels.size()])),
        ingress_(ingress ? std::move(ingress) : Limiters(new RateLimiter[tunnels.size()])) {}

  const std::vector<Tunnel> tunnels;
  std::unordered_map<std::uint32_t, InboundSa> sad;  // by SPI (host order)

  const Tunnel* tunnel(std::uint64_t index) const { return index < tunnels.size() ? &tunnels[index] : nullptr; }
  const InboundSa* inbound(std::uint32_t spi) const {
    auto it = sad.find(spi);
    return it == sad.end() ? nullptr : &it->second;
  }

  // Set by a worker that routed a packet into an on-demand tunnel without
  // an outbound SA, taken by the control thread (VpnManager::takeDemand).
  // A new snapshot starts with none.
  void demand(std::uint64_t index) const {
    // Read first: the line is written once per dial, not once per packet.
    if (index < tunnels.size() && demand_[index].load(std::memory_order_relaxed) == 0) {
      demand_[index].store(1, std::memory_order_relaxed);
    }
  }
  bool takeDemand(std::size_t index) const {
    return index < tunnels.size() && demand_[index].exchange(0, std::memory_order_relaxed) != 0;
  }
  // A tunnel's bandwidth limits: tenant -> site (egress, esp-encrypt) and
  // site -> tenant (ingress, esp-input); `index` names a tunnel.
  RateLimiter& egress(std::size_t index) const { return egress_[index]; }
  RateLimiter& ingress(std::size_t index) const { return ingress_[index]; }

 private:
  static std::vector<Tunnel> flagged(std::vector<Tunnel> t, const Limiters& egress) {
    for (std::size_t i = 0; i < t.size(); ++i) t[i].egressLimited = egress && egress[i].limited();
    return t;
  }
  std::unique_ptr<std::atomic<std::uint8_t>[]> demand_;
  Limiters egress_, ingress_;
};

}  // namespace hnv::vpn
