// One worker's NAT44 state: mappings (an inside endpoint's external address
// and port, endpoint-independent: shared by every remote it talks to) and
// sessions (one per 5-tuple, with TCP state and idle timeout). Only the
// worker that owns the table touches it, so there are no locks; the
// worker's share of every port range comes from its PortPool slice.
//
// Keys always carry the routing domain: an inside key (tenant, protocol,
// inside address and port[, remote]) or an outside key (outside domain,
// protocol, external address and port[, remote]). ICMP echo uses its
// identifier as the port on both ends and 0 as the remote port.
//
// Time is the caller's, in milliseconds (tests pass a fake clock). A
// session idle for longer than its timeout is gone: lookups treat it as
// absent and free it, and expire() frees every expired one: sessions sit
// in one list per timeout value, in the order they were last refreshed, so
// the expired ones are at the lists' heads (O(1) per freed session, and
// O(lists) when none is due).
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "hnv/base/ip.h"
#include "hnv/base/tenant.h"
#include "hnv/nat/config.h"
#include "hnv/nat/flat_index.h"
#include "hnv/nat/port_pool.h"
#include "hnv/nat/session_sync.h"

namespace hnv::nat {

// A packet's 5-tuple as the NAT sees it. In to out: src is the inside
// endpoint, dst the remote. Out to in: src is the remote, dst the external
// address and port.
struct Flow {
  Proto proto = Proto::Udp;
  Ipv4Addr src, dst;
  std::uint16_t srcPort = 0, dstPort = 0;
};

enum class Verdict : std::uint8_t {
  Ok,
  NoInstance,     // the tenant has no NAT instance / no instance owns the external address
  NoMapping,      // from outside: nothing maps that address and port
  Filtered,       // from outside: the mapping's filtering refuses this remote
  QuotaExceeded,  // the tenant holds its maximum of sessions
  PortsExhausted, // no free port on the tenant's external addresses
  TableFull,      // the worker's table holds its maximum of sessions
};
const char* verdictName(Verdict v);

enum TcpBits : std::uint8_t {
  kSynIn = 1,   // SYN seen from inside
  kSynOut = 2,  // SYN seen from outside
  kFinIn = 4,
  kFinOut = 8,
  kRst = 16,
};

struct Session {
  TenantId tenant = TenantId::node();
  TenantId outside = TenantId::node();
  Proto proto = Proto::Udp;
  std::uint8_t tcp = 0;  // TcpBits
  bool live = false;
  bool fromOutside = false;  // created by a packet from outside (a static mapping or an open mapping)
  Ipv4Addr inAddr, extAddr, remAddr;
  std::uint16_t inPort = 0, extPort = 0, remPort = 0;
  std::uint32_t mapping = 0;
  std::uint32_t timeoutMs = 0;
  std::uint64_t createdMs = 0, lastMs = 0;
  std::uint64_t packetsIn = 0, packetsOut = 0;  // inside -> outside, outside -> inside
  std::uint64_t bytesIn = 0, bytesOut = 0;
  // Its place in the expiry list of its timeout (SessionTable's).
  std::uint32_t lruPrev = 0, lruNext = 0;
  std::uint16_t lruList = 0;
  bool isStatic = false;          // its mapping is a static one
  std::uint64_t journaledMs = 0;  // lastMs as the journal last told it
  bool tcpEstablished() const { return (tcp & (kSynIn | kSynOut)) == (kSynIn | kSynOut) && (tcp & (kFinIn | kFinOut | kRst)) == 0; }
};

class SessionTable {
 public:
  struct Limits {
    std::uint32_t sessions = 1u << 16;  // of this worker
    unsigned worker = 0;
    unsigned workers = 1;
  };
  explicit SessionTable(Limits limits);

  // Adopts a new configuration (call when its generation differs from
  // generation()): drops the sessions and mappings it no longer allows
  // (instance gone, outside changed, address or static mapping gone, port
  // out of the new range) and rebuilds the port pools around the rest.
  void sync(const NatConfig& config);
  std::uint64_t generation() const { return generation_; }

  struct Lookup {
    Verdict verdict = Verdict::Ok;
    Session* session = nullptr;
    bool created = false;
  };
  // A packet from inside `tenant`: its session, created (with a mapping,
  // reused or allocated) if there is none. Counts and refreshes it.
  Lookup in2out(const NatConfig& config, TenantId tenant, const Flow& f, std::uint8_t tcpFlags, std::uint32_t bytes,
                std::uint64_t nowMs);
  // A packet from outside domain `outside` to an external address: its
  // session, created from a mapping (dynamic, if the filtering allows the
  // remote, or static) if there is none. Counts and refreshes it.
  Lookup out2in(const NatConfig& config, TenantId outside, const Flow& f, std::uint8_t tcpFlags, std::uint32_t bytes,
                std::uint64_t nowMs);
  // The same with the instance the caller has found already (the tenant's
  // for in2out, the owner of f.dst for out2in), for the nodes: they resync
  // the table at the start of each burst, so these do not check the
  // configuration's generation.
  Lookup in2out(const NatConfig& config, const Instance& inst, const Flow& f, std::uint8_t tcpFlags,
                std::uint32_t bytes, std::uint64_t nowMs);
  Lookup out2in(const NatConfig& config, const Instance& owner, const Flow& f, std::uint8_t tcpFlags,
                std::uint32_t bytes, std::uint64_t nowMs);
  // Lookups without side effects beyond freeing an expired session (for
  // ICMP errors, whose embedded packet names the session).
  Session* findInside(TenantId tenant, Proto p, const Ipv4Addr& in, std::uint16_t inPort, const Ipv4Addr& rem,
                      std::uint16_t remPort, std::uint64_t nowMs);
  Session* findOutside(TenantId outside, Proto p, const Ipv4Addr& ext, std::uint16_t extPort, const Ipv4Addr& rem,
                       std::uint16_t remPort, std::uint64_t nowMs);

  // Frees up to `budget` sessions idle past their timeout, the longest
  // expired first within each timeout. Returns how many it freed.
  std::uint32_t expire(std::uint64_t nowMs, std::uint32_t budget);
  void forEach(const std::function<void(const Session&)>& fn) const;

  // --- State export and import (the cluster's replication) ---
  // Every live session, as a Create event, idle time as of nowMs.
  void exportState(std::uint64_t nowMs, const std::function<void(const SessionState&)>& fn) const;
  // With a journal, the table records each session it creates or frees,
  // and a refresh whenever a session's last packet moved by a quarter of
  // its timeout since the last one it recorded. At most `limit` events
  // wait; past that they are dropped and journalOverflowed() says a full
  // export is needed.
  void keepJournal(std::size_t limit) { journalLimit_ = limit; }
  void drainJournal(const std::function<void(const SessionState&)>& fn);
  bool journalOverflowed() const { return journalOverflow_; }
  // Applies an event from another node's table: creates the session (and
  // its mapping, with the same external port) as it was, moves its last
  // packet time, or frees it. Refuses what this configuration does not
  // allow (no instance, an address or port that is not the tenant's or not
  // this worker's, a port another mapping holds, a full table) with the
  // reason; an event for a session that is not here (refresh, delete) is
  // NotFound.
  Status importState(const NatConfig& config, const SessionState& s, std::uint64_t nowMs);

  std::uint32_t sessions() const { return live_; }
  std::uint32_t mappings() const { return mapIn_.size(); }
  std::uint32_t sessionsOf(TenantId tenant) const {
    return tenant.index() < perTenant_.size() ? perTenant_[tenant.index()] : 0;
  }
  std::uint32_t capacity() const { return static_cast<std::uint32_t>(sessions_.size()); }
  std::size_t memoryBytes() const;

 private:
  struct Mapping {
    TenantId tenant = TenantId::node();
    TenantId outside = TenantId::node();
    Proto proto = Proto::Udp;
    bool live = false;
    bool isStatic = false;
    Ipv4Addr inAddr, extAddr;
    std::uint16_t inPort = 0, extPort = 0;
    std::uint32_t refs = 0;
    // Remotes the inside endpoint sent to (address-dependent filtering):
    // the last kRemotes of them.
    static constexpr int kRemotes = 4;
    Ipv4Addr remotes[kRemotes];
    std::uint8_t remoteCount = 0, nextRemote = 0;
    void addRemote(const Ipv4Addr& a);
    bool knows(const Ipv4Addr& a) const;
  };

  static Key16 insideKey(TenantId t, Proto p, const Ipv4Addr& a, std::uint16_t port, const Ipv4Addr& rem,
                         std::uint16_t remPort) {
    return Key16{{t.index() << 8 | static_cast<std::uint32_t>(p), a.host(), rem.host(),
                  std::uint32_t{port} << 16 | remPort}};
  }
  PortPool* pool(TenantId tenant, const Ipv4Addr& ext, Proto p);
  std::optional<std::uint32_t> newMapping(const Instance& inst, const Flow& f, Verdict& why);
  std::optional<std::uint32_t> staticMapping(const Instance& inst, const StaticMapping& m);
  // Takes a free mapping record (there must be one) and indexes it.
  std::uint32_t addMapping(const Instance& inst, Proto p, const Ipv4Addr& in, std::uint16_t inPort, const Ipv4Addr& ext,
                           std::uint16_t extPort, bool isStatic);
  std::optional<std::uint32_t> newSession(std::uint32_t mapping, const Ipv4Addr& rem, std::uint16_t remPort,
                                          std::uint64_t nowMs, bool fromOutside);
  void freeSession(std::uint32_t s);
  void freeMapping(std::uint32_t m);
  // (A clock behind the session's last packet, another worker's, expires nothing.)
  bool expired(const Session& s, std::uint64_t nowMs) const { return nowMs > s.lastMs && nowMs - s.lastMs > s.timeoutMs; }
  void touch(Session& s, const Timeouts& t, bool inbound, std::uint8_t tcpFlags, std::uint32_t bytes,
             std::uint64_t nowMs);
  // The expiry lists: sessions with the same timeout, least recently refreshed first.
  static constexpr std::uint32_t kNil = UINT32_MAX;
  static constexpr std::uint16_t kNoList = UINT16_MAX;
  struct LruList {
    std::uint32_t timeoutMs = 0;
    std::uint32_t head = kNil, tail = kNil;
  };
  void lruUnlink(std::uint32_t s);
  void lruAppend(std::uint32_t s, std::uint32_t timeoutMs);
  std::vector<LruList> lists_;
  SessionState stateOf(const Session& s, SessionEventKind kind, std::uint64_t nowMs) const;
  void journal(Session& s, SessionEventKind kind, std::uint64_t nowMs);
  std::size_t journalLimit_ = 0;
  bool journalOverflow_ = false;
  std::vector<SessionState> journal_;

  Limits limits_;
  std::uint64_t generation_ = 0;
  std::vector<Session> sessions_;
  std::vector<Mapping> mappings_;
  std::vector<std::uint32_t> freeSessions_, freeMappings_;
  FlatIndex flowIn_, flowOut_, mapIn_, mapOut_;
  std::unordered_map<std::uint64_t, PortPool> pools_;  // by (tenant, address, protocol)
  std::vector<std::uint32_t> perTenant_;
  std::uint32_t live_ = 0;
};

}  // namespace hnv::nat
