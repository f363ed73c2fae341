// VpnManager's part in a gateway cluster: the outbound sequence numbers the
// active reports and the standby continues past when it takes over.
#include "hnv/base/log.h"
#include "hnv/vpn/manager.h"

namespace hnv::vpn {
namespace {

const Logger kLog("vpn");
// Sequence numbers the standby keeps for SAs it does not have (yet).
constexpr std::size_t kMaxReported = 1u << 16;

}  // namespace

std::shared_ptr<SaSpec> keptKeys(const SaSpec& spec) {
  return std::shared_ptr<SaSpec>(new SaSpec(spec), [](SaSpec* s) {
    wipeKeys(*s);
    delete s;
  });
}

std::vector<VpnManager::OutboundSequence> VpnManager::sequenceReports(std::uint64_t step, bool all) {
  std::vector<OutboundSequence> out = std::move(gone_);
  gone_.clear();
  for (auto& [key, sa] : sas_) {
    if (sa.inbound) continue;
    const std::uint64_t last = sa.esp->lastSequence();
    // A new SA at once (the standby learns of every SA it should have), then by steps.
    if (!all && sa.reported && last < sa.lastReported + step) continue;
    sa.reported = true;
    sa.lastReported = last;
    out.push_back({key.first, key.second, last});
  }
  return out;
}

void VpnManager::noteSequence(const OutboundSequence& s) {
  const SaKey key(s.spi, s.remote);
  if (s.last == kGone) {
    reported_.erase(key);
    return;
  }
  if (reported_.size() >= kMaxReported && reported_.count(key) == 0) {
    // Forget the numbers of SAs that are not here: the oldest reports.
    for (auto it = reported_.begin(); it != reported_.end();) {
      it = sas_.count(it->first) == 0 ? reported_.erase(it) : std::next(it);
    }
    if (reported_.size() >= kMaxReported) return;
  }
  std::uint64_t& last = reported_[key];
  last = std::max(last, s.last);
}

std::size_t VpnManager::missingReported() const {
  std::size_t n = 0;
  for (const auto& [key, last] : reported_) n += sas_.count(key) == 0 ? 1 : 0;
  return n;
}

void VpnManager::noteGone(const SaKey& key, const Sa& sa) {
  if (keepKeys_ && !sa.inbound && gone_.size() < 4096) gone_.push_back({key.first, key.second, kGone});
}

VpnManager::Advanced VpnManager::advanceOutbound(std::uint64_t margin) {
  std::vector<std::unique_ptr<EspSa>> retired;
  Advanced done;
  for (auto& [key, sa] : sas_) {
    if (sa.inbound || !sa.keys) continue;
    std::uint64_t last = sa.esp->lastSequence();
    if (auto it = reported_.find(key); it != reported_.end()) last = std::max(last, it->second);
    // Also an SA this member never saw used: the active may have sent on it
    // without reaching a report.
    const std::uint64_t first = last + margin + 1;
    auto esp = EspSa::create(*sa.keys, *device_, first);
    if (!esp) {
      kLog.error("outbound SA not advanced past the old active's sequence numbers: rekeying it (the peer drops "
                 "its packets as replays until then)",
                 {{"spi", std::to_string(key.first)}, {"why", esp.error().message()}});
      done.rekey.push_back(ikeipc::Expire{key.first, key.second, false});
      sa.softSent = true;
      continue;
    }
    // Its volume so far counts towards its lifetime.
    const SaCounters& old = sa.esp->counters();
    (*esp)->counters().packets.store(old.packets.load(std::memory_order_relaxed), std::memory_order_relaxed);
    (*esp)->counters().bytes.store(old.bytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
    retired.push_back(std::move(sa.esp));
    sa.esp = std::move(*esp);
    sa.lastReported = first - 1;
    ++done.rebuilt;
  }
  if (done.rebuilt != 0) publish(std::move(retired));
  return done;
}

}  // namespace hnv::vpn
