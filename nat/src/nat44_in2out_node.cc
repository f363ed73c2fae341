#include "hnv/nat/nat44_in2out_node.h"

#include <mutex>

#include "hnv/dp/dispatch.h"
#include "node_util.h"

namespace hnv::nat {
namespace {

using Error = Nat44In2OutNode::Error;

Error errorOf(Verdict v) {
  switch (v) {
    case Verdict::QuotaExceeded:
      return Error::QuotaExceeded;
    case Verdict::PortsExhausted:
      return Error::PortsExhausted;
    case Verdict::TableFull:
      return Error::TableFull;
    default:
      return Error::NoInstance;
  }
}

}  // namespace

std::uint16_t Nat44In2OutNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  NatWorker& w = dp::nodeState<NatWorker>(node);
  // A program without NAT (hnv-hostd) has no configuration: nothing is translated.
  static const NatConfig kNone;
  const NatConfig& cfg = w.ctx.config != nullptr ? *w.ctx.config->get() : kNone;
  const fib::TenantTables* tenants = w.ctx.tenants != nullptr ? w.ctx.tenants->get() : nullptr;
  CounterBlock& block = *dp::nodeEnv(node).counters;
  const std::uint64_t now = w.ctx.nowMs();
  dp::Dispatch<Nat44In2OutNode> out(graph, node, objs, count);
  std::lock_guard guard(w.lock);
  // A new configuration first (also for ICMP errors, which look sessions up
  // without the table's own check), then expired sessions, so that their
  // ports serve this burst.
  if (cfg.generation() != w.table.generation()) w.table.sync(cfg);
  w.table.expire(now, 64);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    const TenantId tenant(pm.tenant);
    const Instance* inst = cfg.instance(tenant);
    auto ip = dp::bytes(m).subspan(pm.l3Offset);
    auto drop = [&](Error e, NatDrop why) {
      countTenantDrop(block, tenants, inst, why);
      out.drop(m, e);
    };
    if (inst == nullptr) {
      drop(Error::NoInstance, NatDrop::NoInstance);
      continue;
    }
    const Classified c = classify(ip);
    const Session* s = nullptr;
    if (dropUntranslatable<Nat44In2OutNode>(c.kind, drop)) continue;
    if (c.kind == PacketKind::Flow) {
      if (c.proto == Proto::Icmp && !c.echoRequest) {
        // An echo reply from inside answers nothing NAT let in.
        drop(Error::NoSession, NatDrop::NoMapping);
        continue;
      }
      const Flow f{c.proto, c.src, c.dst, c.srcPort, c.proto == Proto::Icmp ? std::uint16_t{0} : c.dstPort};
      auto r = w.table.in2out(cfg, *inst, f, c.tcpFlags, static_cast<std::uint32_t>(ip.size()), now);
      if (r.verdict != Verdict::Ok) {
        drop(errorOf(r.verdict), dropOf(r.verdict));
        continue;
      }
      if (r.created) countCreated(block, inst);
      s = r.session;
      rewrite(ip, true, s->extAddr, s->extPort);
    } else {
      // About a packet that came in through NAT: remote -> inside endpoint.
      const bool echo = c.innerProto == Proto::Icmp;
      s = w.table.findInside(tenant, c.innerProto, c.innerDst, c.innerDstPort, c.innerSrc,
                             echo ? std::uint16_t{0} : c.innerSrcPort, now);
      if (s == nullptr) {
        drop(Error::NoSession, NatDrop::NoMapping);
        continue;
      }
      rewriteIcmpError(ip, c, true, s->extAddr, s->extAddr, s->extPort);
    }
    dp::handOver(pm, s->outside.index(), dp::kMetaFlagTranslated);
    out.to(m, Next::Lookup);
  }
  return out.finish();
}

}  // namespace hnv::nat
