// hnvgwd as a member of a gateway cluster: the membership follows the
// policy (the gateway-clusters and cluster-members of its node), and each
// role change fences or unfences the data plane. Becoming active, the
// member announces every address it owns by gratuitous ARP (unsolicited NA
// for IPv6 provider addresses), three times
// (at once, then on the next two control ticks, 100 ms apart), so that a
// lost announcement does not leave a neighbour pointing at the old member.
#include <array>

#include "hnv/base/log.h"
#include "hnv/fib/neighbor_resolver.h"
#include "hnv/gateway/gateway.h"
#include "hnv/gateway/vpn_compile.h"
#include "hnv/nat/session_sync.h"
#include "hnv/wire/bytes.h"

namespace hnv::gateway {

namespace json = boost::json;

namespace {

const Logger kLog("gateway");
constexpr unsigned kAnnounceRounds = 3;
// NAT events a worker keeps between two drains (10 ms apart): past this a
// whole snapshot is sent again.
constexpr std::size_t kJournalLimit = 1u << 18;
// An outbound SA's sequence number is reported each time it moved this far
// (and in every snapshot); a new active sends from kSequenceMargin past the
// last report. The margin covers the step plus what the old active sent
// between its last report and its end: 61,440 packets of one SA in the
// 10 ms of a sync round and its transit (6 Mpps per SA).
constexpr std::uint64_t kSequenceStep = 4096;
constexpr std::uint64_t kSequenceMargin = 65536;
// An ESP sequence record (big-endian): SPI, destination, last sequence
// number. 16 bytes with an IPv4 destination (4 bytes), 28 with an IPv6 one
// (16 bytes); the length tells them apart, and an IPv4 record is what
// members of earlier versions send and read.
constexpr std::size_t kSequenceRecordBytes = 16, kSequenceRecordBytes6 = 28;

std::vector<std::uint8_t> encodeSequence(const vpn::VpnManager::OutboundSequence& s) {
  const bool v6 = s.remote.isV6();
  std::vector<std::uint8_t> b(v6 ? kSequenceRecordBytes6 : kSequenceRecordBytes);
  wire::store32(&b[0], s.spi);
  if (v6) {
    s.remote.v6().toBytes(&b[4]);
  } else {
    s.remote.v4().toBytes(&b[4]);
  }
  const std::size_t at = b.size() - 8;
  wire::store32(&b[at], static_cast<std::uint32_t>(s.last >> 32));
  wire::store32(&b[at + 4], static_cast<std::uint32_t>(s.last));
  return b;
}

Result<vpn::VpnManager::OutboundSequence> decodeSequence(std::span<const std::uint8_t> b) {
  if (b.size() != kSequenceRecordBytes && b.size() != kSequenceRecordBytes6) {
    return makeError(Errc::InvalidArgument, "ESP sequence record", std::to_string(b.size()) + " bytes",
                     "neither " + std::to_string(kSequenceRecordBytes) + " (IPv4) nor " +
                         std::to_string(kSequenceRecordBytes6) + " (IPv6)");
  }
  const std::size_t at = b.size() - 8;
  const std::uint64_t last = static_cast<std::uint64_t>(wire::load32(&b[at])) << 32 | wire::load32(&b[at + 4]);
  const IpAddr remote =
      b.size() == kSequenceRecordBytes6 ? IpAddr(Ipv6Addr::fromBytes(&b[4])) : IpAddr(Ipv4Addr::fromBytes(&b[4]));
  return vpn::VpnManager::OutboundSequence{wire::load32(&b[0]), remote, last};
}

}  // namespace

Result<std::optional<cluster::ClusterSettings>> Gateway::clusterSettings(const json::object& desired) const {
  if (config_.clusterMember.empty()) {
    const auto* clusters = desired.if_contains("gateway-clusters");
    const bool listed = clusters != nullptr && clusters->is_array() && !clusters->as_array().empty();
    if (listed && !warnedStandalone_) {
      kLog.warn("the controller has a gateway cluster for this node, but this appliance has no \"cluster\" section: "
                "running standalone");
    }
    warnedStandalone_ = listed;
    return std::optional<cluster::ClusterSettings>();
  }
  auto s = cluster::clusterSettingsFrom(desired, config_.clusterMember);
  if (!s) return s.error();
  if (!*s) {
    return makeError(Errc::NotFound, "cluster.member", config_.clusterMember,
                     "the controller has no gateway cluster for node " + config_.nodeName +
                         " (gateway-clusters); this member stays fenced");
  }
  return s;
}

void Gateway::applyCluster(const std::optional<cluster::ClusterSettings>& settings) {
  if (!settings) return;
  if (member_) {
    member_->reconfigure(*settings);
    return;
  }
  natCtx_.keepJournals(kJournalLimit);
  if (vpn_) vpn_->keepOutboundKeys(true);
  member_ = std::make_unique<cluster::ClusterMember>(
      *io_, *settings, config_.controller ? std::optional(config_.controller->endpoint) : std::nullopt,
      [this](const cluster::Transition& t) { onClusterTransition(t); }, syncProvider(), syncConsumer());
  member_->onPeerIkeResync([this] {
    if (!vpnLink_ || !vpnLink_->connected() || ikedHa_.empty() || member_->role() != cluster::Role::Active) return;
    ++ikeResyncsServed_;
    kLog.notice("the standby lacks IKE state: hnv-iked sends it again");
    vpnLink_->send(ikeipc::IkeResync{false});
  });
  member_->start();
  // The announcement rounds after a takeover ride on the control loop's tick.
  node_->addTicker([this](auto) {
    if (announcements_ == 0) return false;
    --announcements_;
    announceAddresses();
    return false;
  });
}

void Gateway::onClusterTransition(const cluster::Transition& t) {
  dp::Dataplane& dp = node_->dataplane();
  if (t.to == cluster::Role::Active) {
    // Before the first packet: outbound SAs continue past the numbers the
    // old active used.
    if (vpn_) {
      auto advanced = vpn_->advanceOutbound(kSequenceMargin);
      if (advanced.rebuilt != 0) {
        kLog.info("outbound SAs continue past the old active's sequence numbers",
                  {{"sas", std::to_string(advanced.rebuilt)}});
      }
      for (const auto& e : advanced.rekey) {
        if (vpnLink_) vpnLink_->send(e);
      }
    }
    dp.setFenced(false);
    announceAddresses();
    announcements_ = kAnnounceRounds - 1;
  } else {
    dp.setFenced(true);
    announcements_ = 0;
  }
  sendClusterRole();
}

// A standby whose hnv-iked started after the active's IKE SAs existed, or
// missed the plugin's messages (its connections were not loaded yet), has
// no copy of some SAs: the active's sequence reports name them. Asked once
// they have been missing for 3 s, then at most every 30 s.
void Gateway::checkIkeState() {
  constexpr unsigned kGraceSeconds = 3;
  constexpr auto kInterval = std::chrono::seconds(30);
  if (!member_ || !vpn_ || ikedHa_.empty() || member_->role() != cluster::Role::Standby) {
    ikeMissingSeconds_ = 0;
    return;
  }
  const std::size_t missing = vpn_->missingReported();
  ikeMissingSeconds_ = missing == 0 ? 0 : ikeMissingSeconds_ + 1;
  const auto now = std::chrono::steady_clock::now();
  if (ikeMissingSeconds_ < kGraceSeconds || (ikeResyncsAsked_ != 0 && now - lastIkeResync_ < kInterval)) return;
  lastIkeResync_ = now;
  ++ikeResyncsAsked_;
  kLog.notice("asking the active member for its IKE state again", {{"missing_outbound_sas", std::to_string(missing)}});
  if (vpnLink_) vpnLink_->send(ikeipc::IkeResync{true});  // first: drop the copies we have
  member_->requestPeerIkeResync();
}

void Gateway::sendClusterRole() {
  if (config_.clusterMember.empty() || !vpnLink_ || !vpnLink_->connected()) return;
  const bool active = member_ && member_->role() == cluster::Role::Active;
  vpnLink_->send(ikeipc::ClusterRole{active, active ? persistentConnections_ : std::vector<std::string>{}});
}

void Gateway::announceAddresses() {
  dp::Dataplane& dp = node_->dataplane();
  node_->announceProviderAddresses();
  for (const auto& x : node_->tenants().get()->interfaces()) {
    (void)fib::sendArpRequest(dp.control(), dp.pool(), x.port, x.mac, x.address, x.address, x.vlan);
    for (const auto& extra : x.proxyArp) {
      (void)fib::sendArpRequest(dp.control(), dp.pool(), x.port, x.mac, extra, extra, x.vlan);
    }
    if (x.address6) (void)fib::sendUnsolicitedNa(dp.control(), dp.pool(), x.port, x.mac, *x.address6, x.vlan);
    for (const auto& extra : x.proxyNd) {
      (void)fib::sendUnsolicitedNa(dp.control(), dp.pool(), x.port, x.mac, extra, x.vlan);
    }
  }
}

// The active's NAT sessions as 56-byte records, the tenant named by its
// routing domain (tenant indexes are each node's own).
cluster::SyncProvider Gateway::syncProvider() {
  auto emitter = [this](const cluster::RecordEmit& emit) {
    return [this, &emit](const nat::SessionState& s) {
      auto rdid = policy_->get()->rdidOf(s.tenant);
      if (!rdid) return;
      const auto bytes = nat::encodeEvent(nat::SessionEvent{s, *rdid});
      emit(cluster::SyncStream::NatSessions, bytes);
    };
  };
  cluster::SyncProvider p;
  p.snapshot = [this, emitter](const cluster::RecordEmit& emit) {
    natCtx_.exportAll(emitter(emit));
    exportEspSequences(emit, true);
  };
  p.drain = [this, emitter](const cluster::RecordEmit& emit) {
    exportEspSequences(emit, false);
    return natCtx_.drainJournals(emitter(emit));
  };
  return p;
}

void Gateway::exportEspSequences(const cluster::RecordEmit& emit, bool all) {
  if (!vpn_) return;
  for (const auto& s : vpn_->sequenceReports(kSequenceStep, all)) emit(cluster::SyncStream::EspSequences, encodeSequence(s));
}

cluster::SyncConsumer Gateway::syncConsumer() {
  cluster::SyncConsumer c;
  c.reset = [this] {
    natCtx_.clearAll();
    if (vpn_) vpn_->forgetReportedSequences();
  };
  c.apply = [this](cluster::SyncStream stream, std::span<const std::uint8_t> record) -> Status {
    if (stream == cluster::SyncStream::EspSequences) {
      auto s = decodeSequence(record);
      if (!s) return s.error();
      if (vpn_) vpn_->noteSequence(*s);
      return okStatus();
    }
    auto e = nat::decodeEvent(record);
    if (!e) return e.error();
    auto tenant = policy_->get()->tenant(e->rdid);
    if (!tenant) {
      return makeError(Errc::NotFound, "session", e->rdid.toString(), "the routing domain is not placed on this member");
    }
    nat::SessionState s = e->state;
    s.tenant = *tenant;
    return natCtx_.importEvent(*natConfig_->get(), s);
  };
  return c;
}

json::object Gateway::clusterJson() const {
  if (config_.clusterMember.empty()) return json::object{{"clustered", false}};
  json::object o = member_ ? member_->status() : json::object{{"member", config_.clusterMember}, {"role", "init"}};
  o["clustered"] = true;
  o["fenced"] = node_->dataplane().fenced();
  if (vpn_) {
    o["ike_state_sync"] = !vpnLink_ || !vpnLink_->connected() ? "unknown (hnv-iked not connected)"
                          : ikedHa_.empty() ? "none (tunnels are negotiated again after a takeover)"
                                            : "strongSwan ha plugin " + ikedHa_;
    o["ike_resyncs"] = json::object{{"asked", ikeResyncsAsked_}, {"served", ikeResyncsServed_},
                                    {"missing_outbound_sas", vpn_->missingReported()}};
  }
  if (!member_) o["problem"] = "no gateway cluster in the applied policy yet";
  return o;
}

}  // namespace hnv::gateway
