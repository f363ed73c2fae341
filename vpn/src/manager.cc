#include "hnv/vpn/manager.h"

#include <rte_cycles.h>

#include <algorithm>
#include <type_traits>

#include <boost/json/object.hpp>

#include "hnv/base/log.h"

namespace hnv::vpn {
namespace {

namespace json = boost::json;
const Logger kLog("vpn");

std::string spiText(std::uint32_t spi) {
  char b[12];
  std::snprintf(b, sizeof b, "%08x", spi);
  return b;
}

// The selectors of the SA's family (selectorProblem checked there are no others).
template <typename Addr>
std::vector<BasicSelector<Addr>> rangesOf(const std::vector<ikeipc::Selector>& ts) {
  std::vector<BasicSelector<Addr>> out;
  for (const auto& s : ts) {
    if constexpr (std::is_same_v<Addr, Ipv4Addr>) {
      if (s.from.isV4() && s.to.isV4()) out.push_back({s.from.v4(), s.to.v4(), s.protocol, s.fromPort, s.toPort});
    } else {
      if (s.from.isV6() && s.to.isV6()) out.push_back({s.from.v6(), s.to.v6(), s.protocol, s.fromPort, s.toPort});
    }
  }
  return out;
}

// Why the SA's selectors do not fit an interface of the inner family: every
// one must be of it (the SA carries one family, and a selector left out
// would leave the data plane checking nothing), and an IPv6 SA may not name
// a protocol or ports (only IPv4 packets are checked beyond addresses).
std::optional<std::string> selectorProblem(const ikeipc::SaAdd& a, bool inner6) {
  for (const auto* side : {&a.srcTs, &a.dstTs}) {
    for (const auto& s : *side) {
      if (s.from.isV6() != inner6 || s.to.isV6() != inner6) {
        return "traffic selector " + ikeipc::toString(s) + " is not " + (inner6 ? "IPv6" : "IPv4") +
               " like the interface's prefixes";
      }
      if (inner6 && (s.protocol != 0 || s.fromPort != 0 || s.toPort != 65535)) {
        return "traffic selector " + ikeipc::toString(s) +
               " names a protocol or ports: not supported for IPv6 inside the tunnel yet";
      }
    }
  }
  return std::nullopt;
}

// The selectors as hnvctl shows them ("10.0.1.0-10.0.1.255 proto 6 port 443").
template <typename Addr>
void appendSelectorTexts(json::array& out, const std::vector<BasicSelector<Addr>>& ts) {
  for (const auto& s : ts) {
    out.emplace_back(ikeipc::toString(ikeipc::Selector{IpAddr(s.from), IpAddr(s.to), s.protocol, s.fromPort, s.toPort}));
  }
}

json::array selectorTexts(const std::vector<TrafficSelector>& v4, const std::vector<TrafficSelector6>& v6) {
  json::array out;
  appendSelectorTexts(out, v4);
  appendSelectorTexts(out, v6);
  return out;
}

// The same interface before and after a policy change: its SAs stay
// (those whose peer is still one of its destinations: alternates may change).
bool sameEnds(const S2sInterface& a, const S2sInterface& b) {
  return a.name == b.name && a.local == b.local && a.remote == b.remote && a.tenant == b.tenant &&
         a.outside == b.outside && a.inner6() == b.inner6();
}

ikeipc::Result_ refuse(std::uint32_t spi, const std::string& why) {
  kLog.error("SA refused", {{"spi", spiText(spi)}, {"why", why}});
  return ikeipc::Result_{spi, false, why};
}

}  // namespace

VpnManager::VpnManager(dp::Rcu& rcu, CryptoDevice* device)
    : rcu_(rcu), device_(device),
      tables_(std::make_unique<dp::Published<VpnTables>>(rcu, std::make_unique<const VpnTables>())) {}

VpnManager::~VpnManager() = default;

void VpnManager::configure(std::vector<S2sInterface> interfaces) {
  // SAs follow their interface by name; an interface gone or moved loses them.
  std::vector<std::unique_ptr<EspSa>> retired;
  for (auto it = sas_.begin(); it != sas_.end();) {
    const S2sInterface& old = interfaces_[it->second.interface];
    std::optional<std::size_t> now;
    for (std::size_t i = 0; i < interfaces.size(); ++i) {
      if (sameEnds(interfaces[i], old) && interfaces[i].endsAt(IpAddr(it->second.esp->spec().remote))) now = i;
    }
    if (now) {
      it->second.interface = *now;
      ++it;
    } else {
      kLog.notice("SA deleted with its S2S interface", {{"spi", spiText(it->first.first)}, {"interface", old.name}});
      noteGone(it->first, it->second);
      retired.push_back(std::move(it->second.esp));
      it = sas_.erase(it);
    }
  }
  std::map<std::string, State> states;
  for (const auto& i : interfaces) {
    auto it = states_.find(i.name);
    states[i.name] = it != states_.end() ? it->second : State{};
  }
  states_ = std::move(states);
  // Bandwidth buckets: an interface whose limit is unchanged keeps its bucket.
  auto egress = VpnTables::Limiters(new RateLimiter[interfaces.size()]);
  auto ingress = VpnTables::Limiters(new RateLimiter[interfaces.size()]);
  const std::uint64_t hz = rte_get_tsc_hz(), tsc = rte_rdtsc();
  for (std::size_t i = 0; i < interfaces.size(); ++i) {
    std::optional<std::size_t> was;
    for (std::size_t j = 0; j < interfaces_.size() && !was; ++j) {
      if (interfaces_[j].name == interfaces[i].name) was = j;
    }
    const S2sInterface& x = interfaces[i];
    if (was && egress_ && egress_[*was].rate() == x.egressBytesPerSecond && x.egressBytesPerSecond != 0) {
      egress[i].carryFrom(egress_[*was]);
    } else {
      egress[i].configure(x.egressBytesPerSecond, hz, tsc);
    }
    if (was && ingress_ && ingress_[*was].rate() == x.ingressBytesPerSecond && x.ingressBytesPerSecond != 0) {
      ingress[i].carryFrom(ingress_[*was]);
    } else {
      ingress[i].configure(x.ingressBytesPerSecond, hz, tsc);
    }
  }
  egress_ = std::move(egress);
  ingress_ = std::move(ingress);
  for (auto it = lastDial_.begin(); it != lastDial_.end();) {
    bool kept = false;
    for (const auto& x : interfaces) kept |= x.name == it->first;
    it = kept ? std::next(it) : lastDial_.erase(it);
  }
  interfaces_ = std::move(interfaces);
  publish(std::move(retired));
  if (onRoutesChanged) onRoutesChanged();
}

void VpnManager::clearSas() {
  if (sas_.empty()) return;
  std::vector<bool> wasUp;
  for (std::size_t i = 0; i < interfaces_.size(); ++i) wasUp.push_back(up(i));
  std::vector<std::unique_ptr<EspSa>> retired;
  for (auto& [key, sa] : sas_) {
    noteGone(key, sa);
    retired.push_back(std::move(sa.esp));
  }
  kLog.notice("SAs dropped: hnv-iked (re)connected and hands over its own", {{"count", std::to_string(sas_.size())}});
  sas_.clear();
  publish(std::move(retired));
  bool changed = false;
  for (std::size_t i = 0; i < interfaces_.size(); ++i) changed = changed || (wasUp[i] && !up(i));
  if (changed && onRoutesChanged) onRoutesChanged();
}

std::optional<std::size_t> VpnManager::interfaceFor(const ikeipc::SaAdd& a) const {
  const IpAddr local = a.inbound ? a.dst : a.src, remote = a.inbound ? a.src : a.dst;
  for (std::size_t i = 0; i < interfaces_.size(); ++i) {
    const auto& x = interfaces_[i];
    if (x.tenant.index() == a.ifId && x.local == local && x.endsAt(remote)) return i;
  }
  return std::nullopt;
}

Result<std::unique_ptr<EspSa>> VpnManager::build(const ikeipc::SaAdd& a, const S2sInterface& i, SaSpec& s) const {
  s.spi = a.spi;
  s.direction = a.inbound ? SaDirection::Inbound : SaDirection::Outbound;
  s.local = i.local;
  s.remote = a.inbound ? a.src : a.dst;  // the destination or an alternate
  s.tenant = i.tenant;
  s.inner6 = i.inner6();
  s.replayWindow = a.replayWindow;
  s.esn = a.esn;
  s.softBytes = a.softBytes;
  s.hardBytes = a.hardBytes;
  s.softPackets = a.softPackets;
  s.hardPackets = a.hardPackets;
  if (a.encap) {
    s.udpEncap = UdpEncap{a.inbound ? a.dstPort : a.srcPort, a.inbound ? a.srcPort : a.dstPort};
  }
  if (auto st = setAlgorithms(s, a.encAlg, a.encKey, a.intAlg, a.intKey); !st) return st.error();
  // Handed over: past every number the previous process may have sent,
  // reported or not (it may have died before its first report).
  const std::uint64_t first =
      !a.inbound && a.handedOver ? std::max(a.usedSequence, a.usedPackets) + kHandOverMargin + 1 : 1;
  auto esp = EspSa::create(s, *device_, first);
  if (!esp) return esp;
  // Its volume so far counts towards its lifetime.
  (*esp)->counters().packets.store(a.usedPackets, std::memory_order_relaxed);
  (*esp)->counters().bytes.store(a.usedBytes, std::memory_order_relaxed);
  return esp;
}

std::optional<ikeipc::Message> VpnManager::handle(const ikeipc::Message& m) {
  if (const auto* a = std::get_if<ikeipc::SaAdd>(&m)) {
    if (device_ == nullptr) return refuse(a->spi, "no crypto device: ESP is not available on this gateway");
    auto index = interfaceFor(*a);
    if (!index) {
      return refuse(a->spi, "no S2S interface of tenant " + std::to_string(a->ifId) + " between " +
                                (a->inbound ? a->dst : a->src).toString() + " and " +
                                (a->inbound ? a->src : a->dst).toString() + " on this gateway");
    }
    const bool inner6 = interfaces_[*index].inner6();
    if (auto why = selectorProblem(*a, inner6)) return refuse(a->spi, *why);
    const SaKey key(a->spi, a->dst);
    if (sas_.count(key) != 0) return refuse(a->spi, "an SA with this SPI and destination exists");
    SaSpec spec;
    auto esp = build(*a, interfaces_[*index], spec);
    if (!esp) {
      wipeKeys(spec);
      if (!a->inbound && a->handedOver) {
        // Handed over too close to the end of its sequence numbers to go
        // past what was sent: charon rekeys it (soft expiry) instead.
        kLog.warn("outbound SA handed over again not installed: rekeying it",
                  {{"spi", spiText(a->spi)}, {"why", esp.error().message()}});
        return ikeipc::Expire{a->spi, a->dst, false};
      }
      return refuse(a->spi, esp.error().message());
    }
    const bool wasUp = up(*index);
    Sa sa;
    sa.esp = std::move(*esp);
    sa.interface = *index;
    sa.inbound = a->inbound;
    sa.installed = ++installs_;
    if (keepKeys_ && !a->inbound) sa.keys = keptKeys(spec);
    wipeKeys(spec);
    if (inner6) {
      sa.remote6 = rangesOf<Ipv6Addr>(a->srcTs);
      sa.local6 = rangesOf<Ipv6Addr>(a->dstTs);
      if (!a->inbound) std::swap(sa.remote6, sa.local6);
    } else {
      sa.remote = rangesOf<Ipv4Addr>(a->srcTs);
      sa.local = rangesOf<Ipv4Addr>(a->dstTs);
      if (!a->inbound) std::swap(sa.remote, sa.local);
    }
    kLog.info("SA installed", {{"spi", spiText(a->spi)},
                               {"direction", a->inbound ? "in" : "out"},
                               {"interface", interfaces_[*index].name},
                               {"cipher", cipherName(sa.esp->spec().cipher)},
                               {"encap", a->encap ? "udp" : "none"}});
    sas_.emplace(key, std::move(sa));
    publish();
    if (!wasUp && up(*index) && onRoutesChanged) onRoutesChanged();
    return ikeipc::Result_{a->spi, true, ""};
  }
  if (const auto* d = std::get_if<ikeipc::SaDel>(&m)) {
    auto it = sas_.find(SaKey(d->spi, d->dst));
    if (it == sas_.end()) return std::nullopt;
    const std::size_t index = it->second.interface;
    const bool wasUp = up(index);
    std::vector<std::unique_ptr<EspSa>> retired;
    noteGone(it->first, it->second);
    retired.push_back(std::move(it->second.esp));
    kLog.info("SA deleted", {{"spi", spiText(d->spi)}, {"interface", interfaces_[index].name}});
    sas_.erase(it);
    publish(std::move(retired));
    if (wasUp && !up(index) && onRoutesChanged) onRoutesChanged();
    return std::nullopt;
  }
  if (const auto* e = std::get_if<ikeipc::Event>(&m)) {
    auto it = states_.find(e->connection);
    if (it == states_.end()) return std::nullopt;
    State& s = it->second;
    if (e->kind == "ike-up") s.ike = "up";
    if (e->kind == "ike-down") s.ike = s.child = "down";
    if (e->kind == "child-up" || e->kind == "child-rekeyed") s.child = "up";
    if (e->kind == "child-down") s.child = "down";
    if (e->kind == "alert") s.lastAlert = e->what;
    if (e->kind == "ike-up" || e->kind == "child-up") s.lastAlert.clear();
    if (e->kind == "ike-up" || e->kind == "ike-down") s.trying.reset();  // a new IKE SA starts at the destination
    // An unanswered try: the "destination" that follows says where the next
    // goes; none follows the last try of a dial, and the next dial starts
    // at the destination.
    if (e->kind == "alert" && e->what == "peer-unreachable") s.trying.reset();
    if (e->kind == "destination") {
      auto to = IpAddr::parse(e->what);
      const auto x = std::find_if(interfaces_.begin(), interfaces_.end(),
                                  [&](const S2sInterface& i) { return i.name == e->connection; });
      if (to && x != interfaces_.end() && x->endsAt(*to)) {
        s.trying = *to;
        kLog.warn("site does not answer: trying its next address",
                  {{"interface", x->name}, {"destination", e->what}});
      }
    }
    return std::nullopt;
  }
  return std::nullopt;  // policies: routes come from the interfaces' prefixes
}

const VpnManager::Sa* VpnManager::activeOutboundSa(std::size_t interface) const {
  const Sa* best = nullptr;
  for (const auto& [key, sa] : sas_) {
    if (!sa.inbound && sa.interface == interface && (best == nullptr || sa.installed > best->installed)) best = &sa;
  }
  return best;
}

EspSa* VpnManager::activeOutbound(std::size_t interface) const {
  const Sa* best = activeOutboundSa(interface);
  return best != nullptr ? best->esp.get() : nullptr;
}

bool VpnManager::up(std::size_t interface) const { return activeOutbound(interface) != nullptr; }

IpAddr VpnManager::remoteInUse(std::size_t interface) const {
  const EspSa* sa = activeOutbound(interface);
  if (sa != nullptr) return sa->spec().remote;
  const auto& x = interfaces_[interface];
  const auto st = states_.find(x.name);
  return st != states_.end() && st->second.trying && x.endsAt(*st->second.trying) ? *st->second.trying : x.remote;
}

void VpnManager::publish(std::vector<std::unique_ptr<EspSa>> retired) {
  std::vector<Tunnel> tunnels;
  for (std::size_t i = 0; i < interfaces_.size(); ++i) {
    const S2sInterface& x = interfaces_[i];
    Tunnel tunnel;
    tunnel.tenant = x.tenant;
    tunnel.outside = x.outside;
    tunnel.onDemand = x.onDemand;
    tunnel.inner6 = x.inner6();
    if (const Sa* out = activeOutboundSa(i)) {
      tunnel.outbound = out->esp.get();
      tunnel.narrowed = anyNarrowed(out->local) || anyNarrowed(out->remote);
      if (tunnel.narrowed) {
        tunnel.local = out->local;
        tunnel.remote = out->remote;
      }
    }
    tunnels.push_back(std::move(tunnel));
  }
  auto t = std::make_unique<VpnTables>(std::move(tunnels), egress_, ingress_);
  for (const auto& [key, sa] : sas_) {
    if (!sa.inbound) continue;
    t->sad.emplace(key.first, InboundSa{sa.esp.get(), static_cast<std::uint32_t>(sa.interface), sa.remote, sa.local,
                                        anyNarrowed(sa.remote) || anyNarrowed(sa.local), sa.esp->spec().inner6,
                                        sa.remote6, sa.local6});
  }
  tables_->publish(std::move(t));
  retired.clear();  // no worker sees them any more
}

std::vector<fib::TenantRoute> VpnManager::routesFor(const std::vector<S2sInterface>& next) const {
  std::vector<fib::TenantRoute> out;
  for (std::size_t i = 0; i < next.size(); ++i) {
    const auto& x = next[i];
    const Prefix endpoint =
        x.local.isV4() ? Prefix(*Prefix4::make(x.local.v4(), 32)) : Prefix(*Prefix6::make(x.local.v6(), 128));
    out.push_back({x.outside, endpoint, 0, {fib::RouteKind::VpnLocal, 0, std::nullopt}, "VPN endpoint of " + x.name});
    // Up: an outbound SA of the interface that keeps its SAs across the change.
    bool isUp = false;
    for (std::size_t j = 0; j < interfaces_.size() && !isUp; ++j) {
      isUp = sameEnds(interfaces_[j], x) && up(j);
    }
    if (!isUp && !x.onDemand) continue;
    for (const auto& r : x.remotePrefixes) {
      out.push_back({x.tenant, r.prefix, r.metric,
                     {fib::RouteKind::Vpn, static_cast<std::uint16_t>(i), std::nullopt}, "S2S interface " + x.name});
    }
  }
  return out;
}

std::vector<ikeipc::Dial> VpnManager::takeDemand(std::uint64_t nowMs) {
  std::vector<ikeipc::Dial> out;
  const VpnTables& t = *tables_->get();
  for (std::size_t i = 0; i < interfaces_.size() && i < t.tunnels.size(); ++i) {
    if (!t.takeDemand(i) || !interfaces_[i].onDemand || up(i)) continue;
    auto [it, first] = lastDial_.try_emplace(interfaces_[i].name, nowMs);
    if (!first && nowMs - it->second < kDialIntervalMs) continue;
    it->second = nowMs;
    out.push_back(ikeipc::Dial{interfaces_[i].name});
  }
  return out;
}

std::vector<ikeipc::Message> VpnManager::tick(std::uint64_t now) {
  std::vector<ikeipc::Message> out;
  ikeipc::Counters counters;
  for (auto& [key, sa] : sas_) {
    const SaCounters& c = sa.esp->counters();
    const std::uint64_t packets = c.packets.load(std::memory_order_relaxed);
    const std::uint64_t bytes = c.bytes.load(std::memory_order_relaxed);
    if (packets != sa.lastPackets) {
      sa.lastPackets = packets;
      sa.lastUse = now;
    }
    // Outbound: the sequence high-water mark too (a handed-over SA starts far
    // past its packet count), what a restarted hnvgwd must continue past.
    counters.sas.push_back({key.first, bytes, packets, sa.lastUse, sa.inbound ? 0 : sa.esp->lastSequence()});
    const SaSpec& s = sa.esp->spec();
    const IpAddr dst = sa.inbound ? IpAddr(s.local) : IpAddr(s.remote);
    auto over = [&](std::uint64_t bytesLimit, std::uint64_t packetsLimit) {
      return (bytesLimit != 0 && bytes >= bytesLimit) || (packetsLimit != 0 && packets >= packetsLimit);
    };
    if (!sa.hardSent && over(s.hardBytes, s.hardPackets)) {
      sa.hardSent = sa.softSent = true;
      out.push_back(ikeipc::Expire{key.first, dst, true});
    } else if (!sa.softSent && over(s.softBytes, s.softPackets)) {
      sa.softSent = true;
      out.push_back(ikeipc::Expire{key.first, dst, false});
    }
  }
  out.insert(out.begin(), ikeipc::Message(std::move(counters)));
  return out;
}

json::array VpnManager::statistics() const {
  json::array out;
  for (std::size_t i = 0; i < interfaces_.size(); ++i) {
    const auto& x = interfaces_[i];
    const State& st = states_.at(x.name);
    json::array sas;
    for (const auto& [key, sa] : sas_) {
      if (sa.interface != i) continue;
      const SaCounters& c = sa.esp->counters();
      sas.push_back(json::object{{"spi", spiText(key.first)},
                                 {"direction", sa.inbound ? "in" : "out"},
                                 {"cipher", cipherName(sa.esp->spec().cipher)},
                                 {"encapsulation", sa.esp->spec().udpEncap ? "udp" : "none"},
                                 {"localSelectors", selectorTexts(sa.local, sa.local6)},
                                 {"remoteSelectors", selectorTexts(sa.remote, sa.remote6)},
                                 {"packets", c.packets.load()},
                                 {"bytes", c.bytes.load()},
                                 {"replayed", c.replayed.load()},
                                 {"authFailed", c.authFailed.load()},
                                 {"malformed", c.malformed.load()},
                                 {"cryptoBusy", c.cryptoBusy.load()}});
    }
    std::string state = up(i) ? "connected" : st.ike == "up" ? "connecting" : "disconnected";
    json::array destinations{json::value(x.remote.toString())};
    for (const auto& a : x.alternates) destinations.emplace_back(a.toString());
    json::object o{{"name", x.name},
                   {"tenant", x.tenant.index()},
                   {"local", x.local.toString()},
                   {"remote", remoteInUse(i).toString()},
                   {"destinations", std::move(destinations)},
                   {"state", state},
                   {"ike", st.ike},
                   {"child", st.child},
                   {"lastError", st.lastAlert},
                   {"sas", std::move(sas)}};
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace hnv::vpn
