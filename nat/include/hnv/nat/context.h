// What the nat44 nodes share: the published configuration, a session table
// per worker, and the clock.
//
// Each worker's table is its own: the worker's nodes take its lock once per
// burst, and the control thread takes it only to list sessions (session
// listings stall that worker for the time of the copy; nothing else does).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "hnv/dp/rcu.h"
#include "hnv/dp/spin_lock.h"
#include "hnv/fib/tenant_tables.h"
#include "hnv/nat/config.h"
#include "hnv/nat/sessions.h"

namespace hnv::nat {

using SpinLock = dp::SpinLock;

struct NatContext;

struct NatWorker {
  NatWorker(NatContext& c, SessionTable::Limits limits) : ctx(c), table(limits) {}
  NatContext& ctx;
  SpinLock lock;
  SessionTable table;
};

// Why the nodes dropped a packet, by tenant (NatCounterIds::drops order).
enum class NatDrop : std::uint8_t {
  NoInstance,
  NoMapping,
  Filtered,
  QuotaExceeded,
  PortsExhausted,
  TableFull,
  Fragment,
  Unsupported,
};
NatDrop dropOf(Verdict v);

struct NatContext {
  const dp::Published<NatConfig>* config = nullptr;
  const dp::Published<fib::TenantTables>* tenants = nullptr;  // for the tenants' drop counters
  // Milliseconds of a monotonic clock (default: the TSC); tests set a fake one.
  std::function<std::uint64_t()> clock;
  // Sessions per worker table; set before addNatNodes.
  std::uint32_t sessionsPerWorker = 1u << 16;
  // One per worker, made by addNatNodes.
  std::vector<std::unique_ptr<NatWorker>> workers;

  std::uint64_t nowMs() const;
  // Calls fn for every session of every worker, each worker's table locked
  // while it is read; stops when fn returns false.
  void forEachSession(const std::function<bool(const Session&)>& fn);

  // --- Replication (replication.cc; the control thread, each worker's
  // table locked while it is read or written) ---
  // Every worker's table keeps a journal of at most `limit` events.
  void keepJournals(std::size_t limit);
  // Every live session, after dropping what the journals held: the
  // snapshot the journals continue.
  void exportAll(const std::function<void(const SessionState&)>& fn);
  // The journals' events; false if a journal overflowed since the last
  // drain or export (events were lost: export again).
  bool drainJournals(const std::function<void(const SessionState&)>& fn);
  // An event from another node, into the worker whose port slice holds
  // its external port (tried in turn).
  Status importEvent(const NatConfig& config, const SessionState& e);
  // Frees every session (a new snapshot is coming).
  void clearAll();
};

}  // namespace hnv::nat
