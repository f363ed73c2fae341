#include "hnv/nat/module.h"

#include <rte_cycles.h>

#include "hnv/nat/nat44_in2out_node.h"
#include "hnv/nat/nat44_out2in_node.h"

namespace hnv::nat {

NatDrop dropOf(Verdict v) {
  switch (v) {
    case Verdict::NoMapping:
      return NatDrop::NoMapping;
    case Verdict::Filtered:
      return NatDrop::Filtered;
    case Verdict::QuotaExceeded:
      return NatDrop::QuotaExceeded;
    case Verdict::PortsExhausted:
      return NatDrop::PortsExhausted;
    case Verdict::TableFull:
      return NatDrop::TableFull;
    default:
      return NatDrop::NoInstance;
  }
}

std::uint64_t NatContext::nowMs() const {
  if (clock) return clock();
  static const std::uint64_t hz = rte_get_tsc_hz();
  return rte_get_tsc_cycles() / (hz / 1000);
}

void NatContext::forEachSession(const std::function<bool(const Session&)>& fn) {
  bool more = true;
  for (auto& w : workers) {
    if (!more) break;
    std::lock_guard guard(w->lock);
    w->table.forEach([&](const Session& s) {
      if (more) more = fn(s);
    });
  }
}

Status addNatNodes(dp::NodeCatalog& catalog, NatContext& ctx, unsigned workers) {
  ctx.workers.clear();
  for (unsigned i = 0; i < (workers == 0 ? 1 : workers); ++i) {
    ctx.workers.push_back(std::make_unique<NatWorker>(ctx, SessionTable::Limits{ctx.sessionsPerWorker, i, workers}));
  }
  auto state = [&ctx](unsigned worker) -> void* {
    return ctx.workers[worker < ctx.workers.size() ? worker : 0].get();
  };
  for (auto st : {catalog.add(dp::describeNode<Nat44In2OutNode>(state)),
                  catalog.add(dp::describeNode<Nat44Out2InNode>(state))}) {
    if (!st) return st;
  }
  return okStatus();
}

}  // namespace hnv::nat
