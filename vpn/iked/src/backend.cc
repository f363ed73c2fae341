#include "hnv/iked/backend.h"

#include <chrono>

#include "hnv/base/log.h"

namespace hnv::iked {
namespace {

const Logger kLog("iked");

ikeipc::Selector selectorOf(const hnv_ike_ts_t& t) {
  ikeipc::Selector s;
  s.from = addressOf(t.from);
  s.to = addressOf(t.to);
  s.protocol = t.protocol;
  s.fromPort = t.from_port;
  s.toPort = t.to_port;
  return s;
}

const char* directionName(ikeipc::PolicyDirection d) {
  return d == ikeipc::PolicyDirection::In ? "in" : d == ikeipc::PolicyDirection::Out ? "out" : "fwd";
}

std::string policyKey(const ikeipc::Policy& p) {
  return std::string(directionName(p.direction)) + " " + ikeipc::toString(p.src) + " > " + ikeipc::toString(p.dst) +
         " if_id " + std::to_string(p.ifId);
}

std::string spiText(std::uint32_t spi) {
  char b[16];
  std::snprintf(b, sizeof b, "%08x", spi);
  return b;
}

}  // namespace

IpAddr addressOf(const hnv_ike_addr_t& a) {
  if (a.family == 6) return Ipv6Addr::fromBytes(a.bytes);
  return Ipv4Addr::fromBytes(a.bytes);
}

ikeipc::SaAdd saAddOf(const hnv_ike_sa_t& sa) {
  ikeipc::SaAdd m;
  m.spi = sa.spi;
  m.inbound = sa.inbound != 0;
  m.src = addressOf(sa.src);
  m.dst = addressOf(sa.dst);
  m.srcPort = sa.src.port;
  m.dstPort = sa.dst.port;
  m.encap = sa.encap != 0;
  m.encAlg = sa.enc_alg;
  m.intAlg = sa.int_alg;
  m.encKey.assign(sa.enc_key, sa.enc_key + sa.enc_key_len);
  if (sa.int_key != nullptr) m.intKey.assign(sa.int_key, sa.int_key + sa.int_key_len);
  m.replayWindow = sa.replay_window;
  m.esn = sa.esn != 0;
  m.reqid = sa.reqid;
  m.ifId = sa.if_id_in_out;
  m.softBytes = sa.soft_bytes;
  m.hardBytes = sa.hard_bytes;
  m.softPackets = sa.soft_packets;
  m.hardPackets = sa.hard_packets;
  m.softSeconds = sa.soft_seconds;
  m.hardSeconds = sa.hard_seconds;
  for (std::size_t i = 0; i < sa.src_ts_count; ++i) m.srcTs.push_back(selectorOf(sa.src_ts[i]));
  for (std::size_t i = 0; i < sa.dst_ts_count; ++i) m.dstTs.push_back(selectorOf(sa.dst_ts[i]));
  return m;
}

ikeipc::Policy policyOf(const hnv_ike_policy_t& p) {
  ikeipc::Policy m;
  m.add = p.add != 0;
  m.direction = p.dir == HNV_POLICY_IN    ? ikeipc::PolicyDirection::In
                : p.dir == HNV_POLICY_OUT ? ikeipc::PolicyDirection::Out
                                          : ikeipc::PolicyDirection::Forward;
  m.src = selectorOf(p.src_ts);
  m.dst = selectorOf(p.dst_ts);
  m.tunnelSrc = addressOf(p.src);
  m.tunnelDst = addressOf(p.dst);
  m.spi = p.spi;
  m.reqid = p.reqid;
  m.ifId = p.if_id;
  return m;
}

std::string keyLogLine(const ikeipc::SaAdd& sa) {
  return "spi=0x" + spiText(sa.spi) + " inbound=" + (sa.inbound ? "1" : "0") + " src=" + sa.src.toString() +
         " dst=" + sa.dst.toString() + " encap=" + (sa.encap ? "1" : "0") + " if_id=" + std::to_string(sa.ifId) +
         " enc=" + std::to_string(sa.encAlg) + " key=" + ikeipc::toHex(sa.encKey) +
         " int=" + std::to_string(sa.intAlg) + " intkey=" + ikeipc::toHex(sa.intKey);
}

Backend::Backend(Link& link, std::string keyLogPath) : link_(link), rng_(std::random_device{}()) {
  if (!keyLogPath.empty()) {
    keyLog_.open(keyLogPath, std::ios::app);
    kLog.warn("writing every SA's keys to " + keyLogPath + " (--keylog): for debugging only");
  }
}

std::uint32_t Backend::newSpi() {
  std::lock_guard guard(mu_);
  std::uniform_int_distribution<std::uint32_t> d(0xc0000000u, 0xcfffffffu);
  for (int tries = 0; tries < 64; ++tries) {
    const std::uint32_t spi = d(rng_);
    if (spis_.insert(spi).second) return spi;
  }
  return 0;
}

int Backend::addSa(const hnv_ike_sa_t& sa) {
  ikeipc::SaAdd m = saAddOf(sa);
  {
    std::lock_guard guard(mu_);
    if (keyLog_.is_open()) keyLog_ << keyLogLine(m) << std::endl;
    counters_[m.spi] = ikeipc::SaCount{m.spi, 0, 0, 0};
  }
  const bool sent = link_.send(m);
  const bool kept = sent || keepWhileDisconnected_;
  if (kept) {
    std::lock_guard guard(mu_);
    installed_[m.spi] = m;
  }
  kLog.log(kept ? LogLevel::Info : LogLevel::Error,
           sent   ? "SA installed"
           : kept ? "SA kept until the data plane is back (IKE state sync)"
                  : "SA not installed: the data plane is not connected",
            {{"spi", spiText(m.spi)},
             {"direction", m.inbound ? "in" : "out"},
             {"src", m.src.toString()},
             {"dst", m.dst.toString()},
             {"encap", m.encap ? "udp" : "none"},
             {"if_id", std::to_string(m.ifId)}});
  std::fill(m.encKey.begin(), m.encKey.end(), 0);
  std::fill(m.intKey.begin(), m.intKey.end(), 0);
  return kept ? 0 : -1;
}

int Backend::delSa(std::uint32_t spi, const hnv_ike_addr_t& dst) {
  {
    std::lock_guard guard(mu_);
    spis_.erase(spi);
    counters_.erase(spi);
    if (auto it = installed_.find(spi); it != installed_.end()) {
      std::fill(it->second.encKey.begin(), it->second.encKey.end(), 0);
      std::fill(it->second.intKey.begin(), it->second.intKey.end(), 0);
      installed_.erase(it);
    }
  }
  link_.send(ikeipc::SaDel{spi, addressOf(dst)});
  kLog.info("SA deleted", {{"spi", spiText(spi)}});
  return 0;
}

int Backend::policy(const hnv_ike_policy_t& p) {
  ikeipc::Policy m = policyOf(p);
  const std::string key = policyKey(m);
  {
    std::lock_guard guard(mu_);
    int& refs = policyRefs_[key];
    if (m.add) {
      ++refs;
    } else {
      if (refs > 0) --refs;
      if (refs > 0) return 0;  // still used by the other SA of a rekey
      policyRefs_.erase(key);
    }
  }
  if (m.direction == ikeipc::PolicyDirection::Forward) return 0;  // no forwarding policies in our data plane
  return link_.send(m) ? 0 : -1;
}

std::size_t Backend::policyReferences() const {
  std::lock_guard guard(mu_);
  std::size_t n = 0;
  for (const auto& [k, v] : policyRefs_) n += static_cast<std::size_t>(v);
  return n;
}

int Backend::querySa(std::uint32_t spi, std::uint64_t& bytes, std::uint64_t& packets, std::uint64_t& lastUse) {
  std::lock_guard guard(mu_);
  auto it = counters_.find(spi);
  if (it == counters_.end()) return -1;
  bytes = it->second.bytes;
  packets = it->second.packets;
  lastUse = it->second.lastUse;
  return 0;
}

std::vector<ikeipc::SaAdd> Backend::handOver() const {
  std::vector<ikeipc::SaAdd> all;
  std::lock_guard guard(mu_);
  for (const auto& [spi, m] : installed_) {
    all.push_back(m);
    // With what the data plane last reported (nothing yet: zeros): a
    // restarted hnvgwd continues the SA's lifetime and, outbound, its
    // sequence numbers past those.
    all.back().handedOver = true;
    if (auto c = counters_.find(spi); c != counters_.end()) {
      all.back().usedPackets = c->second.packets;
      all.back().usedBytes = c->second.bytes;
      all.back().usedSequence = c->second.sequence;
    }
  }
  return all;
}

void Backend::replay() {
  std::vector<ikeipc::SaAdd> all = handOver();
  for (auto& m : all) {
    link_.send(m);
    std::fill(m.encKey.begin(), m.encKey.end(), 0);
    std::fill(m.intKey.begin(), m.intKey.end(), 0);
  }
  if (!all.empty()) kLog.notice("SAs handed to the data plane again", {{"count", std::to_string(all.size())}});
}

std::size_t Backend::installedCount() const {
  std::lock_guard guard(mu_);
  return installed_.size();
}

void Backend::onCounters(const ikeipc::Counters& c) {
  std::lock_guard guard(mu_);
  for (const auto& s : c.sas) {
    auto it = counters_.find(s.spi);
    if (it != counters_.end()) it->second = s;
  }
}

void Backend::event(const hnv_ike_event_t& e) {
  static const char* kinds[] = {"",           "alert",         "ike-up",     "ike-down",
                                "child-up",   "child-down",    "child-rekeyed", "destination"};
  ikeipc::Event m;
  m.kind = e.kind >= 1 && e.kind <= 7 ? kinds[e.kind] : "unknown";
  m.connection = e.connection ? e.connection : "";
  m.child = e.child ? e.child : "";
  m.what = e.what ? e.what : "";
  m.spiIn = e.spi_in;
  m.spiOut = e.spi_out;
  kLog.log(m.kind == "alert" ? LogLevel::Warning : LogLevel::Info, "ike " + m.kind,
           {{"connection", m.connection}, {"child", m.child}, {"what", m.what}});
  link_.send(m);
}

hnv_ike_backend_t Backend::table() {
  hnv_ike_backend_t t{};
  t.ctx = this;
  t.get_spi = [](void* c) { return static_cast<Backend*>(c)->newSpi(); };
  t.add_sa = [](void* c, const hnv_ike_sa_t* sa) { return static_cast<Backend*>(c)->addSa(*sa); };
  t.update_sa = [](void* c, std::uint32_t spi, const hnv_ike_addr_t* src, const hnv_ike_addr_t* dst, int encap) {
    auto* self = static_cast<Backend*>(c);
    return self->link_.send(ikeipc::SaUpdate{spi, addressOf(*src), addressOf(*dst), src->port, dst->port,
                                             encap != 0})
               ? 0
               : -1;
  };
  t.del_sa = [](void* c, std::uint32_t spi, std::uint8_t, const hnv_ike_addr_t* dst) {
    return static_cast<Backend*>(c)->delSa(spi, *dst);
  };
  t.query_sa = [](void* c, std::uint32_t spi, std::uint64_t* b, std::uint64_t* p, std::uint64_t* t2) {
    return static_cast<Backend*>(c)->querySa(spi, *b, *p, *t2);
  };
  t.policy = [](void* c, const hnv_ike_policy_t* p) { return static_cast<Backend*>(c)->policy(*p); };
  t.event = [](void* c, const hnv_ike_event_t* e) { static_cast<Backend*>(c)->event(*e); };
  t.send_ike = [](void* c, const hnv_ike_addr_t* src, const hnv_ike_addr_t* dst, const std::uint8_t* data,
                  std::size_t len) {
    ikeipc::IkeOut d;
    d.src = addressOf(*src);
    d.dst = addressOf(*dst);
    d.srcPort = src->port;
    d.dstPort = dst->port;
    d.data.assign(data, data + len);
    return static_cast<Backend*>(c)->link_.send(d) ? 0 : -1;
  };
  return t;
}

}  // namespace hnv::iked
