// The data plane's half of IKE: the S2S interfaces configured on this
// gateway (compiled from policy), the SAs hnv-iked installs for them, and
// the VpnTables snapshot and tenant routes made from both.
//
//   - An sa-add is accepted for a configured interface only: the SA's
//     if_id names the tenant and its addresses the interface's two ends.
//     It becomes an EspSa on the crypto device; the newest outbound SA of
//     an interface carries its traffic (a rekey's new SA takes over at
//     once, the old one leaves with its sa-del).
//   - While an interface has an outbound SA its remote prefixes are routes
//     of the tenant (RouteKind::Vpn, with their metrics); its endpoint is a
//     VpnLocal address of the outside domain always (IKE must reach us).
//   - Every second tick() reports the SAs' counters to hnv-iked (for its
//     query_sa) and asks for a rekey (soft) or deletion (hard) of SAs past
//     their byte or packet limits.
//
// Thread: control. The EspSa objects are freed only after a snapshot
// without them is published (publish waits for the workers).
#pragma once

#include <algorithm>
#include <boost/json/array.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hnv/base/prefix.h"
#include "hnv/dp/rcu.h"
#include "hnv/fib/tenant_tables.h"
#include "hnv/ike_ipc/messages.h"
#include "hnv/vpn/crypto_device.h"
#include "hnv/vpn/tables.h"

namespace hnv::vpn {

struct RemotePrefix {
  Prefix prefix;
  std::uint32_t metric = 0;
};

struct S2sInterface {
  std::string name;  // "<rdid>_<name>": also the IKE connection's name
  std::string rdid;       // the tenant's routing domain (a metrics label)
  std::string shortName;  // the interface's name in the policy (a metrics label)
  TenantId tenant = TenantId::node();
  TenantId outside = TenantId::node();
  IpAddr local, remote;  // of one family (policy)
  // The site's other addresses: charon (hnv-iked) tries them in turn when
  // the one it tries does not answer; SAs may end at any of them.
  std::vector<IpAddr> alternates;
  std::vector<Prefix> localPrefixes;
  std::vector<RemotePrefix> remotePrefixes;
  // Demand dialing: its routes stay while the tunnel is down, and a packet
  // routed into it asks hnv-iked for the tunnel (takeDemand).
  bool onDemand = false;
  // The inner family: policy gives an interface prefixes of one family.
  bool inner6() const { return !localPrefixes.empty() && !localPrefixes.front().isV4(); }
  bool endsAt(const IpAddr& a) const {
    return a == remote || std::find(alternates.begin(), alternates.end(), a) != alternates.end();
  }
  // Bandwidth limits of the tunnel's inner traffic (bytes of the tenant's
  // IP packets per second; 0: none): tenant -> site, site -> tenant.
  std::uint64_t egressBytesPerSecond = 0, ingressBytesPerSecond = 0;
};

class VpnManager {
 public:
  // An outbound SA handed over again (SaAdd::handedOver) starts this many
  // sequence numbers past the highest one last reported to hnv-iked (every
  // second, with the counters; none: 0): what the previous process sent
  // after its last report (up to about 1.6 s at 10 Mpps), so the peer never
  // sees a number twice (nor AES-GCM an IV twice under one key).
  static constexpr std::uint64_t kHandOverMargin = std::uint64_t{1} << 24;

  // `device` may be null: no cryptodev, every SA is refused (said so).
  VpnManager(dp::Rcu& rcu, CryptoDevice* device);
  ~VpnManager();

  const dp::Published<VpnTables>& tables() const { return *tables_; }
  // Replaces the configured interfaces; the SAs of interfaces that are gone
  // or whose ends changed are deleted.
  void configure(std::vector<S2sInterface> interfaces);
  const std::vector<S2sInterface>& interfaces() const { return interfaces_; }

  // Forgets every SA (hnv-iked said hello: it hands over again whatever it
  // still has).
  void clearSas();
  // A message from hnv-iked; the answer to send back, if any.
  std::optional<ikeipc::Message> handle(const ikeipc::Message& m);
  // Counters for hnv-iked, then expiries; `now` in monotonic seconds.
  std::vector<ikeipc::Message> tick(std::uint64_t nowSeconds);
  // Demand dialing: a Dial for each on-demand interface without an outbound
  // SA that workers routed packets into since the last call, at most one
  // per interface every kDialIntervalMs (charon may still be connecting).
  static constexpr std::uint64_t kDialIntervalMs = 2000;
  std::vector<ikeipc::Dial> takeDemand(std::uint64_t nowMs);

  // For the tenant tables: Vpn routes of the interfaces that are up or
  // on demand, and a VpnLocal /32 per endpoint in its outside domain.
  std::vector<fib::TenantRoute> routes() const { return routesFor(interfaces_); }
  // The routes configure(next) would give, with today's SAs (to compile
  // the tenant tables before anything is published).
  std::vector<fib::TenantRoute> routesFor(const std::vector<S2sInterface>& next) const;
  // Per interface: state, last IKE event and alert, SAs with their counters.
  boost::json::array statistics() const;
  // Prometheus text (manager_metrics.cc): per interface, labelled with its
  // tenant's routing domain and its name, whether its tunnel is up and its
  // SAs by direction.
  std::string metricsText() const;
  bool up(std::size_t interface) const;
  // The site address the interface's tunnel uses: its active outbound SA's
  // destination; else the alternate its connecting IKE SA went on to, or
  // the configured destination.
  IpAddr remoteInUse(std::size_t interface) const;
  // Called when routes() changed (an interface went up or down).
  std::function<void()> onRoutesChanged;

  // A gateway cluster's ESP state (manager_sync.cc). The SAs themselves
  // reach both members from hnv-iked (the standby's charon installs the
  // ones its IKE state sync brings); what they lack is the sequence
  // numbers the active has sent.
  struct OutboundSequence {
    std::uint32_t spi = 0;
    IpAddr remote;           // the SA's destination
    std::uint64_t last = 0;  // highest sequence number handed out; kGone: the SA was deleted
  };
  static constexpr std::uint64_t kGone = UINT64_MAX;
  // Keep the keys of outbound SAs installed from now on (a member rebuilds
  // them when it becomes active); wiped when the SA goes.
  void keepOutboundKeys(bool keep) { keepKeys_ = keep; }
  // Active: the outbound SAs not reported yet or whose sequence numbers
  // moved `step` or more past their last report (every one with `all`),
  // now counted as reported;
  // first the outbound SAs deleted since the last call (last = kGone).
  std::vector<OutboundSequence> sequenceReports(std::uint64_t step, bool all);
  // Standby: what the active reported (kept for SAs not handed over yet too).
  void noteSequence(const OutboundSequence& s);
  void forgetReportedSequences() { reported_.clear(); }
  // Standby: how many outbound SAs the active reports that this member
  // does not have (its hnv-iked lacks their IKE state).
  std::size_t missingReported() const;
  // Becoming active: every outbound SA with kept keys is rebuilt to send
  // from `margin` past the highest number it or the active reported used
  // (a number used twice would be dropped by the peer as a replay). What
  // it rebuilt, and a soft expiry for each SA it could not (too close to
  // the end of its sequence space: charon rekeys it).
  struct Advanced {
    std::size_t rebuilt = 0;
    std::vector<ikeipc::Expire> rekey;
  };
  Advanced advanceOutbound(std::uint64_t margin);

 private:
  struct Sa {
    std::unique_ptr<EspSa> esp;
    std::size_t interface = 0;
    bool inbound = false;
    std::uint64_t installed = 0;  // order of installation
    std::vector<TrafficSelector> remote, local;     // an IPv4 SA's
    std::vector<TrafficSelector6> remote6, local6;  // an IPv6 SA's
    std::uint64_t lastPackets = 0, lastUse = 0;
    bool softSent = false, hardSent = false;
    std::shared_ptr<SaSpec> keys;   // outbound, with keepOutboundKeys: to rebuild it
    std::uint64_t lastReported = 0;  // the sequence number last reported to the standby
    bool reported = false;           // ever
  };
  struct State {
    std::string ike = "down";  // from the events: down, up
    std::string child = "down";
    std::string lastAlert;
    std::optional<IpAddr> trying;  // the alternate destination hnv-iked went on to (its IKE SA's peer)
  };
  std::optional<std::size_t> interfaceFor(const ikeipc::SaAdd& a) const;
  Result<std::unique_ptr<EspSa>> build(const ikeipc::SaAdd& a, const S2sInterface& i, SaSpec& spec) const;
  void publish(std::vector<std::unique_ptr<EspSa>> retired = {});
  const Sa* activeOutboundSa(std::size_t interface) const;  // the newest outbound SA; null: down
  EspSa* activeOutbound(std::size_t interface) const;
  // An outbound SA leaves: the standby forgets the active's reports of it.
  using SaKey = std::pair<std::uint32_t, IpAddr>;  // (SPI, destination address)
  void noteGone(const SaKey& key, const Sa& sa);

  dp::Rcu& rcu_;
  CryptoDevice* device_;
  std::unique_ptr<dp::Published<VpnTables>> tables_;
  std::vector<S2sInterface> interfaces_;
  std::map<std::string, State> states_;  // by interface name
  // By (SPI, destination address): inbound SPIs are ours, outbound ones the peers'.
  std::map<SaKey, Sa> sas_;
  std::uint64_t installs_ = 0;
  bool keepKeys_ = false;
  std::map<std::string, std::uint64_t> lastDial_;  // by interface name: when (ms) it was last dialed
  // Per interface (by index), kept across publishes; rebuilt by configure,
  // carrying on the buckets of interfaces whose limit did not change.
  VpnTables::Limiters egress_, ingress_;
  std::map<SaKey, std::uint64_t> reported_;  // standby: by (SPI, destination)
  std::vector<OutboundSequence> gone_;  // active: deleted outbound SAs not reported yet
};

// A copy of an SA's keys that wipes them when the last holder lets go.
std::shared_ptr<SaSpec> keptKeys(const SaSpec& spec);

}  // namespace hnv::vpn
