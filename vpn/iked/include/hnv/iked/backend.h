// The C++ side of hnv-iked's kernel-ipsec backend: turns what charon installs
// (hnv_charon.h callbacks, on charon's threads) into messages to hnvgwd, and
// answers charon's questions (new SPIs, SA counters) from its own state.
//
//   - SPIs: random in 0xc0000000-0xcfffffff, never one in use.
//   - Counters: the data plane reports them every second; query_sa answers
//     from the last report.
//   - Policies: charon adds a policy again (new SPI) before deleting the old
//     one on rekey; each (direction, selectors, if_id) is reference-counted
//     and its removal goes out when the last reference goes.
//   - Key log (--keylog, debugging only): every SA's keys, for Wireshark and
//     for interop tests that compare them with the peer's.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "hnv/ike_ipc/messages.h"
#include "hnv/iked/link.h"
#include "hnv_charon.h"

namespace hnv::iked {

// The message for charon's add_sa (keys copied).
ikeipc::SaAdd saAddOf(const hnv_ike_sa_t& sa);
ikeipc::Policy policyOf(const hnv_ike_policy_t& p);
IpAddr addressOf(const hnv_ike_addr_t& a);
// One key-log line: "spi=0x... inbound=... src=... dst=... enc=20 key=... int=1024 intkey=".
std::string keyLogLine(const ikeipc::SaAdd& sa);

class Backend {
 public:
  explicit Backend(Link& link, std::string keyLogPath = {});
  // The callback table for hnv_charon_start (ctx = this).
  hnv_ike_backend_t table();

  // From the data plane.
  void onCounters(const ikeipc::Counters& c);
  // After (re)connecting: every SA charon believes installed, again (hnvgwd
  // drops what it had at our hello: a restarted hnvgwd gets its SAs back
  // without a renegotiation, and a restarted hnv-iked leaves nothing stale).
  void replay();
  // What replay() sends: every installed SA with its use as the data plane
  // last reported it (SaAdd::usedPackets/usedBytes). Keys included: the
  // caller wipes them.
  std::vector<ikeipc::SaAdd> handOver() const;
  std::size_t installedCount() const;
  // With an IKE state sync: an SA charon installs while hnvgwd is away (a
  // passive copy from the other member) is kept for the replay instead of
  // refused (charon would drop the copy for good).
  void keepWhileDisconnected(bool keep) { keepWhileDisconnected_ = keep; }

  // Exposed for tests.
  std::uint32_t newSpi();
  int addSa(const hnv_ike_sa_t& sa);
  int delSa(std::uint32_t spi, const hnv_ike_addr_t& dst);
  int policy(const hnv_ike_policy_t& p);
  int querySa(std::uint32_t spi, std::uint64_t& bytes, std::uint64_t& packets, std::uint64_t& lastUse);
  void event(const hnv_ike_event_t& e);
  std::size_t policyReferences() const;

 private:
  Link& link_;
  mutable std::mutex mu_;
  std::mt19937 rng_;
  std::unordered_set<std::uint32_t> spis_;  // inbound SPIs handed out and not deleted
  std::unordered_map<std::uint32_t, ikeipc::SaCount> counters_;
  std::map<std::uint32_t, ikeipc::SaAdd> installed_;  // by SPI: what charon believes installed (keys included)
  std::map<std::string, int> policyRefs_;
  std::ofstream keyLog_;
  bool keepWhileDisconnected_ = false;
};

}  // namespace hnv::iked
