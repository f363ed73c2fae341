#include "hnv/nat/nat44_out2in_node.h"

#include <mutex>

#include "hnv/dp/dispatch.h"
#include "node_util.h"

namespace hnv::nat {
namespace {

using Error = Nat44Out2InNode::Error;

Error errorOf(Verdict v) {
  switch (v) {
    case Verdict::NoMapping:
      return Error::NoMapping;
    case Verdict::Filtered:
      return Error::Filtered;
    case Verdict::QuotaExceeded:
      return Error::QuotaExceeded;
    case Verdict::TableFull:
    case Verdict::PortsExhausted:
      return Error::TableFull;
    default:
      return Error::NoInstance;
  }
}

}  // namespace

std::uint16_t Nat44Out2InNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  NatWorker& w = dp::nodeState<NatWorker>(node);
  // A program without NAT (hnv-hostd) has no configuration: nothing is translated.
  static const NatConfig kNone;
  const NatConfig& cfg = w.ctx.config != nullptr ? *w.ctx.config->get() : kNone;
  const fib::TenantTables* tenants = w.ctx.tenants != nullptr ? w.ctx.tenants->get() : nullptr;
  CounterBlock& block = *dp::nodeEnv(node).counters;
  const std::uint64_t now = w.ctx.nowMs();
  dp::Dispatch<Nat44Out2InNode> out(graph, node, objs, count);
  std::lock_guard guard(w.lock);
  // A new configuration first (also for ICMP errors, which look sessions up
  // without the table's own check), then expired sessions, so that their
  // ports serve this burst.
  if (cfg.generation() != w.table.generation()) w.table.sync(cfg);
  w.table.expire(now, 64);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    const TenantId outside(pm.tenant);
    auto ip = dp::bytes(m).subspan(pm.l3Offset);
    const Classified c = classify(ip);
    // The tenant whose external address this is (for its counters).
    const Instance* inst = cfg.owner(outside, c.dst);
    auto drop = [&](Error e, NatDrop why) {
      countTenantDrop(block, tenants, inst, why);
      out.drop(m, e);
    };
    if ((pm.flags & kMetaFlagOut2In) != 0) {
      drop(Error::Loop, NatDrop::Unsupported);
      continue;
    }
    const Session* s = nullptr;
    if (dropUntranslatable<Nat44Out2InNode>(c.kind, drop)) continue;
    if (c.kind == PacketKind::Flow) {
      if (c.proto == Proto::Icmp && c.echoRequest) {
        // Echo requests to an external address open nothing.
        drop(Error::NoMapping, NatDrop::NoMapping);
        continue;
      }
      const Flow f{c.proto, c.src, c.dst, c.proto == Proto::Icmp ? std::uint16_t{0} : c.srcPort, c.dstPort};
      if (inst == nullptr) {
        drop(Error::NoInstance, NatDrop::NoInstance);
        continue;
      }
      auto r = w.table.out2in(cfg, *inst, f, c.tcpFlags, static_cast<std::uint32_t>(ip.size()), now);
      if (r.verdict != Verdict::Ok) {
        drop(errorOf(r.verdict), dropOf(r.verdict));
        continue;
      }
      if (r.created) countCreated(block, inst);
      s = r.session;
      rewrite(ip, false, s->inAddr, s->inPort);
    } else {
      // About a packet we sent: external endpoint -> remote.
      inst = cfg.owner(outside, c.innerSrc);
      const bool echo = c.innerProto == Proto::Icmp;
      s = w.table.findOutside(outside, c.innerProto, c.innerSrc, c.innerSrcPort, c.innerDst,
                              echo ? std::uint16_t{0} : c.innerDstPort, now);
      if (s == nullptr) {
        drop(Error::NoMapping, NatDrop::NoMapping);
        continue;
      }
      rewriteIcmpError(ip, c, false, s->inAddr, s->inAddr, s->inPort);
    }
    dp::handOver(pm, s->tenant.index(), dp::kMetaFlagTranslated | kMetaFlagOut2In);
    out.to(m, Next::Lookup);
  }
  return out.finish();
}

}  // namespace hnv::nat
