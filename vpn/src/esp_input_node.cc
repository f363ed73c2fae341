#include "hnv/vpn/esp_input_node.h"

#include <rte_cycles.h>

#include "hnv/dp/dispatch.h"
#include "hnv/vpn/esp_engine.h"
#include "hnv/vpn/module.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "node_util.h"

namespace hnv::vpn {
namespace {

constexpr std::uint16_t kIkePort = 500, kNattPort = 4500;

enum class Kind : std::uint8_t { Esp, Ike, Other, Malformed };

struct Classified {
  Kind kind = Kind::Other;
  std::uint16_t outerLength = 0;  // the IP header (+ UDP) in front of ESP
  std::uint32_t spi = 0;
};

// ESP, ESP in UDP 4500 or IKE after an outer header of `ihl` bytes whose
// protocol (next header) is `protocol`: `l4` is the rest of the packet.
Classified classifyL4(std::uint8_t protocol, std::span<const std::uint8_t> l4, std::size_t ihl) {
  if (protocol == 50) {
    if (l4.size() < 8) return {Kind::Malformed};
    return {Kind::Esp, static_cast<std::uint16_t>(ihl), wire::load32(l4.data())};
  }
  if (protocol != 17 || l4.size() < 8) return {Kind::Other};
  const std::uint16_t dport = wire::load16(&l4[2]);
  if (dport == kIkePort) return {Kind::Ike};
  if (dport != kNattPort) return {Kind::Other};
  // RFC 3948: four zero bytes (the non-ESP marker) start an IKE message;
  // anything else there is an SPI. A lone 0xFF byte is a NAT keepalive.
  if (l4.size() < 12) return {l4.size() == 9 ? Kind::Other : Kind::Ike};
  const std::uint32_t first = wire::load32(&l4[8]);
  if (first == 0) return {Kind::Ike};
  if (l4.size() < 16) return {Kind::Malformed};
  return {Kind::Esp, static_cast<std::uint16_t>(ihl + 8), first};
}

Classified classify(std::span<const std::uint8_t> ip) {
  if (ip.empty()) return {Kind::Malformed};
  if ((ip[0] >> 4) == 6) {
    // Fragments and other extension headers are not taken (yet): Other.
    if (ip.size() < wire::kIpv6HeaderLen) return {Kind::Malformed};
    const std::size_t payload = wire::load16(&ip[4]);
    if (wire::kIpv6HeaderLen + payload > ip.size()) return {Kind::Malformed};
    return classifyL4(ip[6], ip.subspan(wire::kIpv6HeaderLen, payload), wire::kIpv6HeaderLen);
  }
  if (ip.size() < 20) return {Kind::Malformed};
  const std::size_t ihl = std::size_t{ip[0] & 0x0Fu} * 4;
  const std::size_t total = wire::load16(&ip[2]);
  if (ihl < 20 || total < ihl || total > ip.size()) return {Kind::Malformed};
  if ((wire::load16(&ip[6]) & 0x3FFF) != 0) return {Kind::Other};  // fragments: not reassembled (yet)
  return classifyL4(ip[9], ip.subspan(ihl, total - ihl), ihl);
}

// The packet's destination: one of the gateway's endpoints, the SA's own?
bool toSaEnd(std::span<const std::uint8_t> ip, const IpAddr& local) {
  if (local.isV6()) return (ip[0] >> 4) == 6 && Ipv6Addr::fromBytes(&ip[24]) == local.v6();
  return (ip[0] >> 4) == 4 && Ipv4Addr::fromBytes(&ip[16]) == local.v4();
}

}  // namespace

std::uint16_t EspInputNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const VpnWorker& w = dp::nodeState<VpnWorker>(node);
  static const VpnTables kNone;
  const VpnTables& t = w.ctx->tables != nullptr ? *w.ctx->tables->get() : kNone;
  const fib::TenantTables* tenants = w.ctx->tenants != nullptr ? w.ctx->tenants->get() : nullptr;
  CounterBlock& block = *dp::nodeEnv(node).counters;
  dp::Dispatch<EspInputNode> out(graph, node, objs, count);
  rte_mbuf* run[kMaxEspBurst];
  const InboundSa* runSa = nullptr;
  std::uint64_t now = 0;  // the TSC, read once a limited tunnel needs it
  std::uint16_t runLength = 0;
  auto flush = [&] {
    if (runLength == 0) return;
    rte_mbuf* work[kMaxEspBurst];
    std::copy(run, run + runLength, work);
    const EspBurst r = espProcess(*runSa->sa, w.queuePair, work, runLength);
    const TenantId tenant = runSa->sa->spec().tenant;
    for (std::uint16_t i = 0; i < runLength; ++i) {
      rte_mbuf* m = run[i];
      if (failedIn(work + r.ok, r.failed, m)) {
        countDrop(block, tenants, tenant);
        out.drop(m, Error::DecryptFailed);
        continue;
      }
      // The inner packet now starts the data: give it back an L2 header's room.
      dp::PacketMeta& pm = dp::meta(m);
      pm.l3Offset = 0;
      pm.l4Offset = 0;
      auto inner = dp::bytes(m);
      const bool v6 = runSa->inner6;
      if (inner.size() < (v6 ? wire::kIpv6HeaderLen : 20) || (inner[0] >> 4) != (v6 ? 6 : 4) ||
          !dp::resizeL2(m, kTemplateL2)) {
        countDrop(block, tenants, tenant);
        out.drop(m, Error::Malformed);
        continue;
      }
      inner = dp::bytes(m).subspan(kTemplateL2);
      // No selectors given: the SA's routes decide.
      bool selected;
      if (v6) {
        selected = inRanges(runSa->remote6, Ipv6Addr::fromBytes(&inner[8])) &&
                   inRanges(runSa->local6, Ipv6Addr::fromBytes(&inner[24]));
      } else {
        selected = runSa->narrowed ? admitsPacket(runSa->remote, runSa->local, inner)
                                   : inRanges(runSa->remote, Ipv4Addr::fromBytes(&inner[12])) &&
                                         inRanges(runSa->local, Ipv4Addr::fromBytes(&inner[16]));
      }
      if (!selected) {
        countDrop(block, tenants, tenant);
        out.drop(m, Error::SelectorMismatch);
        continue;
      }
      if (RateLimiter& limit = t.ingress(runSa->tunnel); limit.limited()) {
        if (now == 0) now = rte_rdtsc();
        if (!limit.admit(static_cast<std::uint32_t>(inner.size()), now)) {
          countDrop(block, tenants, tenant);
          out.drop(m, Error::RateLimited);
          continue;
        }
      }
      if (tenants != nullptr) {
        if (const fib::Vrf* vrf = tenants->vrf(tenant)) {
          vrf->count(block, fib::TenantPath::FromExternal, static_cast<std::uint32_t>(inner.size()));
        }
      }
      dp::handOver(pm, tenant.index(), dp::kMetaFlagTranslated);
      out.to(m, v6 ? Next::Lookup6 : Next::Lookup);
    }
    runLength = 0;
  };
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto ip = dp::bytes(m).subspan(pm.l3Offset);
    const Classified c = classify(ip);
    if (c.kind != Kind::Esp) {
      flush();
      if (c.kind == Kind::Ike && w.ctx->ikePunt != 0) {
        out.count(Error::Ike);
        pm.control = w.ctx->ikePunt;
        out.to(m, Next::Punt);
      } else {
        out.drop(m, c.kind == Kind::Malformed ? Error::Malformed : c.kind == Kind::Ike ? Error::Ike : Error::NotEsp);
      }
      continue;
    }
    const InboundSa* sa = t.inbound(c.spi);
    if (sa == nullptr) {
      flush();
      out.drop(m, Error::UnknownSpi);
      continue;
    }
    // The SA belongs to this endpoint in this routing domain.
    const SaSpec& spec = sa->sa->spec();
    const Tunnel* tunnel = t.tunnel(sa->tunnel);
    if (tunnel == nullptr || tunnel->outside.index() != pm.tenant || !toSaEnd(ip, spec.local)) {
      flush();
      out.drop(m, Error::WrongTunnel);
      continue;
    }
    if (runLength != 0 && (sa != runSa || runLength == kMaxEspBurst)) flush();
    runSa = sa;
    m->l2_len = pm.l3Offset;
    m->l3_len = c.outerLength;
    run[runLength++] = m;
  }
  flush();
  return out.finish();
}

}  // namespace hnv::vpn
