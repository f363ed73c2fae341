#include "hnv/vpn/esp_encrypt_node.h"

#include <rte_cycles.h>

#include "hnv/dp/dispatch.h"
#include "hnv/vpn/esp_engine.h"
#include "hnv/vpn/module.h"
#include "node_util.h"

namespace hnv::vpn {

namespace {

// Whether the outbound SA's selectors cover the packet (its source on our
// side, its destination on the site's), or, for an ICMP error, the packet
// it is about.
bool inSelectors(const Tunnel& tunnel, rte_mbuf* m, const dp::PacketMeta& pm) {
  auto ip = dp::bytes(m).subspan(pm.l3Offset);
  return ip.size() >= 20 && admitsPacket(tunnel.local, tunnel.remote, ip);
}

}  // namespace

std::uint16_t EspEncryptNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const VpnWorker& w = dp::nodeState<VpnWorker>(node);
  static const VpnTables kNone;
  const VpnTables& t = w.ctx->tables != nullptr ? *w.ctx->tables->get() : kNone;
  const fib::TenantTables* tenants = w.ctx->tenants != nullptr ? w.ctx->tenants->get() : nullptr;
  CounterBlock& block = *dp::nodeEnv(node).counters;
  dp::Dispatch<EspEncryptNode> out(graph, node, objs, count);
  // Runs of consecutive packets of one SA go to the crypto device together;
  // the dispatch then follows the input order.
  rte_mbuf* run[kMaxEspBurst];
  const Tunnel* runTunnel = nullptr;
  std::uint16_t runLength = 0;
  auto flush = [&] {
    if (runLength == 0) return;
    rte_mbuf* work[kMaxEspBurst];
    std::copy(run, run + runLength, work);
    const EspBurst r = espProcess(*runTunnel->outbound, w.queuePair, work, runLength);
    const Next next = runTunnel->outbound->spec().local.isV6() ? Next::Lookup6 : Next::Lookup;
    for (std::uint16_t i = 0; i < runLength; ++i) {
      rte_mbuf* m = run[i];
      if (failedIn(work + r.ok, r.failed, m)) {
        countDrop(block, tenants, runTunnel->tenant);
        out.drop(m, Error::CryptoFailed);
        continue;
      }
      dp::PacketMeta& pm = dp::meta(m);
      pm.l3Offset = kTemplateL2;
      pm.l4Offset = 0;
      dp::handOver(pm, runTunnel->outside.index(), dp::kMetaFlagTranslated);
      out.to(m, next);
    }
    runLength = 0;
  };
  std::uint64_t now = 0;  // the TSC, read once a limited tunnel needs it
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    const Tunnel* tunnel = t.tunnel(pm.scratch[0]);
    // A tunnel of another tenant can only be named while a policy change
    // re-indexes the tunnels (tables published one after the other): never
    // encrypt one tenant's packet with another's SA.
    if (tunnel == nullptr || tunnel->tenant.index() != pm.tenant || tunnel->outbound == nullptr) {
      flush();
      countDrop(block, tenants, TenantId(pm.tenant));
      if (tunnel == nullptr || tunnel->tenant.index() != pm.tenant) {
        out.drop(m, Error::NoTunnel);
      } else if (tunnel->onDemand) {
        t.demand(pm.scratch[0]);
        out.drop(m, Error::TunnelDialing);
      } else {
        out.drop(m, Error::TunnelDown);
      }
      continue;
    }
    if (const bool v6 = (dp::bytes(m)[pm.l3Offset] >> 4) == 6; v6 != tunnel->inner6) {
      flush();
      countDrop(block, tenants, tunnel->tenant);
      out.drop(m, Error::FamilyMismatch);
      continue;
    }
    if (tunnel->narrowed && !inSelectors(*tunnel, m, pm)) {
      flush();
      countDrop(block, tenants, tunnel->tenant);
      out.drop(m, Error::SelectorMismatch);
      continue;
    }
    if (tunnel->egressLimited) {
      if (now == 0) now = rte_rdtsc();
      if (!t.egress(pm.scratch[0]).admit(m->pkt_len - pm.l3Offset, now)) {
        flush();
        countDrop(block, tenants, tunnel->tenant);
        out.drop(m, Error::RateLimited);
        continue;
      }
    }
    if (runLength != 0 && (tunnel->outbound != runTunnel->outbound || runLength == kMaxEspBurst)) flush();
    runTunnel = tunnel;
    m->l2_len = pm.l3Offset;
    run[runLength++] = m;
  }
  flush();
  return out.finish();
}

}  // namespace hnv::vpn
