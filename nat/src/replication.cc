// The NAT44 side of the cluster's state sync: export, journals, import and
// clearing across every worker's table.
#include "hnv/nat/context.h"

namespace hnv::nat {

void NatContext::keepJournals(std::size_t limit) {
  for (auto& w : workers) {
    std::lock_guard guard(w->lock);
    w->table.keepJournal(limit);
  }
}

void NatContext::exportAll(const std::function<void(const SessionState&)>& fn) {
  const std::uint64_t now = nowMs();
  for (auto& w : workers) {
    std::lock_guard guard(w->lock);
    w->table.drainJournal([](const SessionState&) {});
    w->table.exportState(now, fn);
  }
}

bool NatContext::drainJournals(const std::function<void(const SessionState&)>& fn) {
  bool complete = true;
  for (auto& w : workers) {
    std::lock_guard guard(w->lock);
    complete = complete && !w->table.journalOverflowed();
    w->table.drainJournal(fn);
  }
  return complete;
}

Status NatContext::importEvent(const NatConfig& cfg, const SessionState& e) {
  const std::uint64_t now = nowMs();
  Status last = makeError(Errc::Unavailable, "session", "", "no NAT worker here");
  for (auto& w : workers) {
    std::lock_guard guard(w->lock);
    last = w->table.importState(cfg, e, now);
    // Another worker's port slice (or, for a refresh or delete, another
    // worker's session): try the next.
    if (last || (last.error().code != Errc::OutOfRange && last.error().code != Errc::NotFound)) return last;
  }
  return last;
}

void NatContext::clearAll() {
  const std::uint64_t now = nowMs();
  for (auto& w : workers) {
    std::lock_guard guard(w->lock);
    std::vector<SessionState> all;
    w->table.exportState(now, [&](const SessionState& s) { all.push_back(s); });
    for (auto& s : all) {
      s.kind = SessionEventKind::Delete;
      (void)w->table.importState(*config->get(), s, now);
    }
    w->table.drainJournal([](const SessionState&) {});
  }
}

}  // namespace hnv::nat
