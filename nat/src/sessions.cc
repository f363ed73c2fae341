#include "hnv/nat/sessions.h"

#include <algorithm>

namespace hnv::nat {

const char* verdictName(Verdict v) {
  switch (v) {
    case Verdict::Ok:
      return "ok";
    case Verdict::NoInstance:
      return "no NAT instance";
    case Verdict::NoMapping:
      return "no mapping";
    case Verdict::Filtered:
      return "filtered";
    case Verdict::QuotaExceeded:
      return "session quota exceeded";
    case Verdict::PortsExhausted:
      return "ports exhausted";
    case Verdict::TableFull:
      return "session table full";
  }
  return "?";
}

namespace {

std::uint64_t poolKey(TenantId tenant, const Ipv4Addr& ext, Proto p) {
  return std::uint64_t{tenant.index()} << 34 | std::uint64_t{static_cast<std::uint32_t>(p)} << 32 | ext.host();
}

// An outside key has the outside domain where an inside key has the tenant;
// the tables are separate, so the two never meet.
Key16 outsideKey(TenantId outside, Proto p, const Ipv4Addr& ext, std::uint16_t port, const Ipv4Addr& rem,
                 std::uint16_t remPort) {
  return Key16{{outside.index() << 8 | static_cast<std::uint32_t>(p), ext.host(), rem.host(),
                std::uint32_t{port} << 16 | remPort}};
}

const ExternalAddress* addressOf(const Instance& inst, const Ipv4Addr& a) {
  for (const ExternalAddress& x : inst.addresses) {
    if (x.address == a) return &x;
  }
  return nullptr;
}

}  // namespace

void SessionTable::Mapping::addRemote(const Ipv4Addr& a) {
  if (knows(a)) return;
  remotes[nextRemote] = a;
  nextRemote = static_cast<std::uint8_t>((nextRemote + 1) % kRemotes);
  if (remoteCount < kRemotes) ++remoteCount;
}

bool SessionTable::Mapping::knows(const Ipv4Addr& a) const {
  return std::find(remotes, remotes + remoteCount, a) != remotes + remoteCount;
}

SessionTable::SessionTable(Limits limits)
    : limits_(limits),
      sessions_(limits.sessions),
      mappings_(limits.sessions),
      flowIn_(limits.sessions),
      flowOut_(limits.sessions),
      mapIn_(limits.sessions),
      mapOut_(limits.sessions) {
  freeSessions_.reserve(limits.sessions);
  freeMappings_.reserve(limits.sessions);
  for (std::uint32_t i = limits.sessions; i-- > 0;) {
    freeSessions_.push_back(i);
    freeMappings_.push_back(i);
  }
}

PortPool* SessionTable::pool(TenantId tenant, const Ipv4Addr& ext, Proto p) {
  auto it = pools_.find(poolKey(tenant, ext, p));
  return it == pools_.end() ? nullptr : &it->second;
}

void SessionTable::sync(const NatConfig& config) {
  generation_ = config.generation();
  // Mappings that no longer fit the configuration go, with their sessions.
  std::vector<bool> gone(mappings_.size(), false);
  for (std::uint32_t m = 0; m < mappings_.size(); ++m) {
    const Mapping& x = mappings_[m];
    if (!x.live) continue;
    const Instance* inst = config.instance(x.tenant);
    bool keep = inst != nullptr && inst->outside == x.outside;
    if (keep && x.isStatic) {
      const StaticMapping* s = config.staticByInternal(x.tenant, x.proto, x.inAddr, x.inPort);
      keep = s != nullptr && s->externalAddress == x.extAddr && s->externalPort == x.extPort;
    } else if (keep) {
      const ExternalAddress* a = addressOf(*inst, x.extAddr);
      keep = a != nullptr && x.extPort >= a->firstPort && x.extPort <= a->lastPort &&
             config.staticByInternal(x.tenant, x.proto, x.inAddr, x.inPort) == nullptr;  // a static one takes over
    }
    if (!keep) gone[m] = true;
  }
  for (std::uint32_t s = 0; s < sessions_.size(); ++s) {
    if (sessions_[s].live && gone[sessions_[s].mapping]) freeSession(s);
  }
  // freeSession released every mapping in `gone` when its last session went;
  // a mapping without sessions does not outlive the call that made it.
  pools_.clear();
  for (const Instance& inst : config.instances()) {
    for (const ExternalAddress& a : inst.addresses) {
      for (int p = 0; p < kProtoCount; ++p) {
        pools_.emplace(poolKey(inst.tenant, a.address, static_cast<Proto>(p)),
                       PortPool(a.firstPort, a.lastPort, limits_.worker, limits_.workers));
      }
    }
    if (inst.tenant.index() >= perTenant_.size()) perTenant_.resize(inst.tenant.index() + 1, 0);
  }
  for (const Mapping& x : mappings_) {
    if (!x.live || x.isStatic) continue;
    if (PortPool* p = pool(x.tenant, x.extAddr, x.proto)) (void)p->take(x.extPort);
  }
}

std::optional<std::uint32_t> SessionTable::newMapping(const Instance& inst, const Flow& f, Verdict& why) {
  if (freeMappings_.empty()) {
    why = Verdict::TableFull;
    return std::nullopt;
  }
  // Paired pooling (RFC 4787 REQ-2): an inside address appears from the same
  // external address while that one has ports, the next ones after it if not.
  const std::size_t n = inst.addresses.size();
  const std::size_t start = f.src.host() % n;
  for (std::size_t k = 0; k < n; ++k) {
    const ExternalAddress& a = inst.addresses[(start + k) % n];
    PortPool* p = pool(inst.tenant, a.address, f.proto);
    if (p == nullptr) continue;
    auto port = p->allocate(f.srcPort);
    if (!port) continue;
    return addMapping(inst, f.proto, f.src, f.srcPort, a.address, *port, false);
  }
  why = Verdict::PortsExhausted;
  return std::nullopt;
}

std::optional<std::uint32_t> SessionTable::staticMapping(const Instance& inst, const StaticMapping& s) {
  if (auto m = mapIn_.find(insideKey(inst.tenant, s.proto, s.internalAddress, s.internalPort, Ipv4Addr(), 0))) {
    const Mapping& x = mappings_[*m];
    if (x.isStatic && x.extAddr == s.externalAddress && x.extPort == s.externalPort) return m;
    return std::nullopt;  // another mapping holds the endpoint (sync() removes it at a configuration change)
  }
  if (freeMappings_.empty()) return std::nullopt;
  return addMapping(inst, s.proto, s.internalAddress, s.internalPort, s.externalAddress, s.externalPort, true);
}

std::uint32_t SessionTable::addMapping(const Instance& inst, Proto p, const Ipv4Addr& in, std::uint16_t inPort,
                                       const Ipv4Addr& ext, std::uint16_t extPort, bool isStatic) {
  const std::uint32_t m = freeMappings_.back();
  freeMappings_.pop_back();
  Mapping& x = mappings_[m];
  x = Mapping{};
  x.tenant = inst.tenant;
  x.outside = inst.outside;
  x.proto = p;
  x.live = true;
  x.isStatic = isStatic;
  x.inAddr = in;
  x.inPort = inPort;
  x.extAddr = ext;
  x.extPort = extPort;
  mapIn_.insert(insideKey(x.tenant, x.proto, x.inAddr, x.inPort, Ipv4Addr(), 0), m);
  mapOut_.insert(outsideKey(x.outside, x.proto, x.extAddr, x.extPort, Ipv4Addr(), 0), m);
  return m;
}

std::optional<std::uint32_t> SessionTable::newSession(std::uint32_t mapping, const Ipv4Addr& rem,
                                                      std::uint16_t remPort, std::uint64_t nowMs, bool fromOutside) {
  if (freeSessions_.empty()) return std::nullopt;
  const std::uint32_t s = freeSessions_.back();
  freeSessions_.pop_back();
  Mapping& x = mappings_[mapping];
  Session& n = sessions_[s];
  n = Session{};
  n.tenant = x.tenant;
  n.outside = x.outside;
  n.proto = x.proto;
  n.live = true;
  n.fromOutside = fromOutside;
  n.inAddr = x.inAddr;
  n.inPort = x.inPort;
  n.extAddr = x.extAddr;
  n.extPort = x.extPort;
  n.remAddr = rem;
  n.remPort = remPort;
  n.mapping = mapping;
  n.createdMs = nowMs;
  n.lastMs = nowMs;
  n.lruList = kNoList;  // touch() puts it in its list
  n.isStatic = x.isStatic;
  n.journaledMs = nowMs;
  // The keys must be new; if either is taken (a flow of another session), nothing is made.
  const Key16 in = insideKey(n.tenant, n.proto, n.inAddr, n.inPort, rem, remPort);
  const Key16 out = outsideKey(n.outside, n.proto, n.extAddr, n.extPort, rem, remPort);
  if (!flowIn_.insert(in, s)) {
    n.live = false;
    freeSessions_.push_back(s);
    return std::nullopt;
  }
  if (!flowOut_.insert(out, s)) {
    flowIn_.erase(in);
    n.live = false;
    freeSessions_.push_back(s);
    return std::nullopt;
  }
  ++x.refs;
  ++live_;
  ++perTenant_[n.tenant.index()];
  return s;
}

void SessionTable::freeSession(std::uint32_t s) {
  Session& n = sessions_[s];
  if (!n.live) return;
  flowIn_.erase(insideKey(n.tenant, n.proto, n.inAddr, n.inPort, n.remAddr, n.remPort));
  flowOut_.erase(outsideKey(n.outside, n.proto, n.extAddr, n.extPort, n.remAddr, n.remPort));
  lruUnlink(s);
  if (journalLimit_ != 0) journal(n, SessionEventKind::Delete, n.lastMs);
  n.live = false;
  --live_;
  --perTenant_[n.tenant.index()];
  freeSessions_.push_back(s);
  Mapping& x = mappings_[n.mapping];
  if (--x.refs == 0) freeMapping(n.mapping);
}

void SessionTable::freeMapping(std::uint32_t m) {
  Mapping& x = mappings_[m];
  if (!x.live) return;
  mapIn_.erase(insideKey(x.tenant, x.proto, x.inAddr, x.inPort, Ipv4Addr(), 0));
  mapOut_.erase(outsideKey(x.outside, x.proto, x.extAddr, x.extPort, Ipv4Addr(), 0));
  if (!x.isStatic) {
    if (PortPool* p = pool(x.tenant, x.extAddr, x.proto)) p->release(x.extPort);
  }
  x.live = false;
  freeMappings_.push_back(m);
}

void SessionTable::touch(Session& s, const Timeouts& t, bool inbound, std::uint8_t tcpFlags, std::uint32_t bytes,
                         std::uint64_t nowMs) {
  constexpr std::uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04;
  const std::uint64_t lastBefore = s.lastMs;
  const std::uint32_t timeoutBefore = s.timeoutMs;
  (inbound ? s.packetsOut : s.packetsIn) += 1;
  (inbound ? s.bytesOut : s.bytesIn) += bytes;
  switch (s.proto) {
    case Proto::Tcp:
      if ((tcpFlags & kTcpSyn) != 0) s.tcp |= inbound ? kSynOut : kSynIn;
      if ((tcpFlags & kTcpFin) != 0) s.tcp |= inbound ? kFinOut : kFinIn;
      if ((tcpFlags & kTcpRst) != 0) s.tcp |= kRst;
      s.timeoutMs = (s.tcpEstablished() ? t.tcpEstablished : t.tcpTransient) * 1000u;
      s.lastMs = nowMs;
      break;
    case Proto::Udp:
      s.timeoutMs = t.udpIdle * 1000u;
      if (!inbound || t.udpInboundRefresh) s.lastMs = nowMs;
      break;
    case Proto::Icmp:
      s.timeoutMs = t.icmpQuery * 1000u;
      s.lastMs = nowMs;
      break;
  }
  const auto index = static_cast<std::uint32_t>(&s - sessions_.data());
  if (s.lruList == kNoList || s.lastMs != lastBefore || s.timeoutMs != timeoutBefore) {
    lruUnlink(index);
    lruAppend(index, s.timeoutMs);
  }
  if (journalLimit_ != 0 && s.lastMs != lastBefore && s.lastMs - s.journaledMs >= s.timeoutMs / 4) {
    journal(s, SessionEventKind::Refresh, nowMs);
  }
}

void SessionTable::lruUnlink(std::uint32_t i) {
  Session& s = sessions_[i];
  if (s.lruList == kNoList) return;
  LruList& l = lists_[s.lruList];
  (s.lruPrev == kNil ? l.head : sessions_[s.lruPrev].lruNext) = s.lruNext;
  (s.lruNext == kNil ? l.tail : sessions_[s.lruNext].lruPrev) = s.lruPrev;
  s.lruList = kNoList;
}

void SessionTable::lruAppend(std::uint32_t i, std::uint32_t timeoutMs) {
  std::size_t k = 0;
  while (k < lists_.size() && lists_[k].timeoutMs != timeoutMs) ++k;
  if (k == lists_.size()) lists_.push_back(LruList{timeoutMs, kNil, kNil});  // a new timeout value: rare
  LruList& l = lists_[k];
  Session& s = sessions_[i];
  s.lruList = static_cast<std::uint16_t>(k);
  s.lruPrev = l.tail;
  s.lruNext = kNil;
  (l.tail == kNil ? l.head : sessions_[l.tail].lruNext) = i;
  l.tail = i;
}

Session* SessionTable::findInside(TenantId tenant, Proto p, const Ipv4Addr& in, std::uint16_t inPort,
                                  const Ipv4Addr& rem, std::uint16_t remPort, std::uint64_t nowMs) {
  auto s = flowIn_.find(insideKey(tenant, p, in, inPort, rem, remPort));
  if (!s) return nullptr;
  if (expired(sessions_[*s], nowMs)) {
    freeSession(*s);
    return nullptr;
  }
  return &sessions_[*s];
}

Session* SessionTable::findOutside(TenantId outside, Proto p, const Ipv4Addr& ext, std::uint16_t extPort,
                                   const Ipv4Addr& rem, std::uint16_t remPort, std::uint64_t nowMs) {
  auto s = flowOut_.find(outsideKey(outside, p, ext, extPort, rem, remPort));
  if (!s) return nullptr;
  if (expired(sessions_[*s], nowMs)) {
    freeSession(*s);
    return nullptr;
  }
  return &sessions_[*s];
}

SessionTable::Lookup SessionTable::in2out(const NatConfig& config, TenantId tenant, const Flow& f,
                                          std::uint8_t tcpFlags, std::uint32_t bytes, std::uint64_t nowMs) {
  if (config.generation() != generation_) sync(config);
  const Instance* inst = config.instance(tenant);
  if (inst == nullptr) return {Verdict::NoInstance};
  return in2out(config, *inst, f, tcpFlags, bytes, nowMs);
}

SessionTable::Lookup SessionTable::in2out(const NatConfig& config, const Instance& instance, const Flow& f,
                                          std::uint8_t tcpFlags, std::uint32_t bytes, std::uint64_t nowMs) {
  const Instance* inst = &instance;
  const TenantId tenant = inst->tenant;
  if (Session* s = findInside(tenant, f.proto, f.src, f.srcPort, f.dst, f.dstPort, nowMs)) {
    touch(*s, inst->timeouts, false, tcpFlags, bytes, nowMs);
    return {Verdict::Ok, s};
  }
  if (inst->maxSessions != 0 && sessionsOf(tenant) >= inst->maxSessions) return {Verdict::QuotaExceeded};
  if (freeSessions_.empty() && expire(nowMs, 256) == 0) return {Verdict::TableFull};
  Verdict why = Verdict::Ok;
  std::optional<std::uint32_t> m = mapIn_.find(insideKey(tenant, f.proto, f.src, f.srcPort, Ipv4Addr(), 0));
  if (!m) {
    if (const StaticMapping* st = config.staticByInternal(tenant, f.proto, f.src, f.srcPort)) {
      m = staticMapping(*inst, *st);
      if (!m) return {Verdict::TableFull};
    } else {
      m = newMapping(*inst, f, why);
      if (!m) return {why};
    }
  }
  mappings_[*m].addRemote(f.dst);
  auto s = newSession(*m, f.dst, f.dstPort, nowMs, false);
  if (!s) {
    if (mappings_[*m].refs == 0) freeMapping(*m);
    return {Verdict::TableFull};
  }
  touch(sessions_[*s], inst->timeouts, false, tcpFlags, bytes, nowMs);
  if (journalLimit_ != 0) journal(sessions_[*s], SessionEventKind::Create, nowMs);
  return {Verdict::Ok, &sessions_[*s], true};
}

SessionTable::Lookup SessionTable::out2in(const NatConfig& config, TenantId outside, const Flow& f,
                                          std::uint8_t tcpFlags, std::uint32_t bytes, std::uint64_t nowMs) {
  if (config.generation() != generation_) sync(config);
  const Instance* inst = config.owner(outside, f.dst);
  if (inst == nullptr) return {Verdict::NoInstance};
  return out2in(config, *inst, f, tcpFlags, bytes, nowMs);
}

SessionTable::Lookup SessionTable::out2in(const NatConfig& config, const Instance& owner, const Flow& f,
                                          std::uint8_t tcpFlags, std::uint32_t bytes, std::uint64_t nowMs) {
  const Instance* inst = &owner;
  const TenantId outside = inst->outside;
  if (Session* s = findOutside(outside, f.proto, f.dst, f.dstPort, f.src, f.srcPort, nowMs)) {
    touch(*s, inst->timeouts, true, tcpFlags, bytes, nowMs);
    return {Verdict::Ok, s};
  }
  // Room first: expiring sessions can free the mapping looked up below.
  if (freeSessions_.empty()) (void)expire(nowMs, 256);
  std::optional<std::uint32_t> m = mapOut_.find(outsideKey(outside, f.proto, f.dst, f.dstPort, Ipv4Addr(), 0));
  if (m) {
    const Mapping& x = mappings_[*m];
    if (x.isStatic) {
      const StaticMapping* st = config.staticByInternal(x.tenant, x.proto, x.inAddr, x.inPort);
      if (st != nullptr && st->remotePrefix && !st->remotePrefix->contains(IpAddr(f.src))) return {Verdict::Filtered};
    } else if (f.proto == Proto::Icmp) {
      return {Verdict::NoMapping};  // an echo reply needs its request's session
    } else if (inst->filtering == Filtering::AddressDependent && !x.knows(f.src)) {
      return {Verdict::Filtered};
    }
  } else {
    const StaticMapping* st =
        f.proto == Proto::Icmp ? nullptr : config.staticByExternal(outside, f.proto, f.dst, f.dstPort);
    if (st == nullptr) return {Verdict::NoMapping};
    if (st->remotePrefix && !st->remotePrefix->contains(IpAddr(f.src))) return {Verdict::Filtered};
  }
  if (inst->maxSessions != 0 && sessionsOf(inst->tenant) >= inst->maxSessions) return {Verdict::QuotaExceeded};
  if (freeSessions_.empty()) return {Verdict::TableFull};
  if (!m) {
    m = staticMapping(*inst, *config.staticByExternal(outside, f.proto, f.dst, f.dstPort));
    if (!m) return {Verdict::TableFull};
  }
  auto s = newSession(*m, f.src, f.srcPort, nowMs, true);
  if (!s) {
    if (mappings_[*m].refs == 0) freeMapping(*m);
    return {Verdict::TableFull};
  }
  touch(sessions_[*s], inst->timeouts, true, tcpFlags, bytes, nowMs);
  if (journalLimit_ != 0) journal(sessions_[*s], SessionEventKind::Create, nowMs);
  return {Verdict::Ok, &sessions_[*s], true};
}

std::uint32_t SessionTable::expire(std::uint64_t nowMs, std::uint32_t budget) {
  std::uint32_t freed = 0;
  for (std::size_t k = 0; k < lists_.size() && freed < budget; ++k) {
    while (freed < budget && lists_[k].head != kNil && expired(sessions_[lists_[k].head], nowMs)) {
      freeSession(lists_[k].head);
      ++freed;
    }
  }
  return freed;
}

void SessionTable::forEach(const std::function<void(const Session&)>& fn) const {
  for (const Session& s : sessions_) {
    if (s.live) fn(s);
  }
}

SessionState SessionTable::stateOf(const Session& s, SessionEventKind kind, std::uint64_t nowMs) const {
  SessionState x;
  x.kind = kind;
  x.tenant = s.tenant;
  x.proto = s.proto;
  x.tcp = s.tcp;
  x.fromOutside = s.fromOutside;
  x.isStatic = s.isStatic;
  x.inAddr = s.inAddr;
  x.extAddr = s.extAddr;
  x.remAddr = s.remAddr;
  x.inPort = s.inPort;
  x.extPort = s.extPort;
  x.remPort = s.remPort;
  x.idleMs = nowMs > s.lastMs ? static_cast<std::uint32_t>(std::min<std::uint64_t>(nowMs - s.lastMs, UINT32_MAX)) : 0;
  x.timeoutMs = s.timeoutMs;
  return x;
}

void SessionTable::journal(Session& s, SessionEventKind kind, std::uint64_t nowMs) {
  if (journal_.size() >= journalLimit_) {
    journalOverflow_ = true;
    return;
  }
  journal_.push_back(stateOf(s, kind, nowMs));
  if (kind == SessionEventKind::Refresh) s.journaledMs = s.lastMs;
}

void SessionTable::drainJournal(const std::function<void(const SessionState&)>& fn) {
  for (const SessionState& e : journal_) fn(e);
  journal_.clear();
  journalOverflow_ = false;
}

void SessionTable::exportState(std::uint64_t nowMs, const std::function<void(const SessionState&)>& fn) const {
  for (const Session& s : sessions_) {
    if (s.live && !expired(s, nowMs)) fn(stateOf(s, SessionEventKind::Create, nowMs));
  }
}

Status SessionTable::importState(const NatConfig& config, const SessionState& e, std::uint64_t nowMs) {
  if (config.generation() != generation_) sync(config);
  auto refuse = [&](Errc code, std::string why) {
    return makeError(code, "session " + e.inAddr.toString() + ":" + std::to_string(e.inPort) + " -> " +
                               e.remAddr.toString() + ":" + std::to_string(e.remPort) + " of tenant " + e.tenant.toString(),
                     std::string(protoName(e.proto)), std::move(why));
  };
  const std::uint64_t last = nowMs > e.idleMs ? nowMs - e.idleMs : 0;
  auto found = flowIn_.find(insideKey(e.tenant, e.proto, e.inAddr, e.inPort, e.remAddr, e.remPort));
  if (e.kind == SessionEventKind::Delete || e.kind == SessionEventKind::Refresh) {
    if (!found) return refuse(Errc::NotFound, "is not in this table");
    if (e.kind == SessionEventKind::Delete) {
      freeSession(*found);
    } else {
      Session& s = sessions_[*found];
      s.lastMs = std::max(s.lastMs, last);
      s.tcp = e.tcp;
      s.timeoutMs = e.timeoutMs;
      s.journaledMs = s.lastMs;
      lruUnlink(*found);
      lruAppend(*found, s.timeoutMs);
    }
    return okStatus();
  }
  if (found) return refuse(Errc::AlreadyExists, "is in this table already");
  const Instance* inst = config.instance(e.tenant);
  if (inst == nullptr) return refuse(Errc::NotFound, "the tenant has no NAT instance here");
  const Timeouts& t = inst->timeouts;
  if (e.timeoutMs != t.icmpQuery * 1000u && e.timeoutMs != t.tcpEstablished * 1000u &&
      e.timeoutMs != t.tcpTransient * 1000u && e.timeoutMs != t.udpIdle * 1000u) {
    return refuse(Errc::InvalidArgument, "timeout " + std::to_string(e.timeoutMs) + " ms is none of the instance's");
  }
  // Its mapping: here already (another session of the inside endpoint), or made with the same external port.
  std::optional<std::uint32_t> m = mapIn_.find(insideKey(e.tenant, e.proto, e.inAddr, e.inPort, Ipv4Addr(), 0));
  if (m && (mappings_[*m].extAddr != e.extAddr || mappings_[*m].extPort != e.extPort)) {
    return refuse(Errc::Conflict, "its inside endpoint is mapped to another external port here");
  }
  if (!m) {
    if (e.isStatic) {
      const StaticMapping* st = config.staticByInternal(e.tenant, e.proto, e.inAddr, e.inPort);
      if (st == nullptr || st->externalAddress != e.extAddr || st->externalPort != e.extPort) {
        return refuse(Errc::NotFound, "its static mapping is not configured here");
      }
      m = staticMapping(*inst, *st);
    } else {
      PortPool* p = pool(e.tenant, e.extAddr, e.proto);
      if (p == nullptr) return refuse(Errc::NotFound, e.extAddr.toString() + " is not an external address of the tenant");
      if (!p->owns(e.extPort)) {
        return refuse(Errc::OutOfRange, "external port " + std::to_string(e.extPort) +
                                            " is outside the range or another worker's slice");
      }
      if (mapOut_.find(outsideKey(inst->outside, e.proto, e.extAddr, e.extPort, Ipv4Addr(), 0))) {
        return refuse(Errc::Conflict, "external port " + std::to_string(e.extPort) + " is mapped to another endpoint");
      }
      if (freeMappings_.empty() || !p->take(e.extPort)) return refuse(Errc::Unavailable, "no room for its mapping");
      m = addMapping(*inst, e.proto, e.inAddr, e.inPort, e.extAddr, e.extPort, false);
    }
    if (!m) return refuse(Errc::Unavailable, "no room for its mapping");
  }
  mappings_[*m].addRemote(e.remAddr);
  auto s = newSession(*m, e.remAddr, e.remPort, last, e.fromOutside);
  if (!s) {
    if (mappings_[*m].refs == 0) freeMapping(*m);
    return refuse(Errc::Unavailable, "the session table is full");
  }
  Session& n = sessions_[*s];
  n.tcp = e.tcp;
  n.timeoutMs = e.timeoutMs;
  lruAppend(*s, n.timeoutMs);
  return okStatus();
}

std::size_t SessionTable::memoryBytes() const {
  return sessions_.size() * sizeof(Session) + mappings_.size() * sizeof(Mapping) + flowIn_.memoryBytes() +
         flowOut_.memoryBytes() + mapIn_.memoryBytes() + mapOut_.memoryBytes() +
         (freeSessions_.capacity() + freeMappings_.capacity()) * sizeof(std::uint32_t);
}

}  // namespace hnv::nat
