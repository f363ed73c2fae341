// hnvgwd as a member of a gateway cluster: the membership follows the
// policy (the gateway-clusters and cluster-members of its node), and each
// role change fences or unfences the data plane. Becoming active, the
// member announces every address it owns by gratuitous ARP (unsolicited NA
// for IPv6 provider addresses), three times
// (at once, then on the next two control ticks, 100 ms apart), so that a
// lost announcement does not leave a neighbour pointing at the old member.
#include "hnv/base/log.h"
#include "hnv/fib/neighbor_resolver.h"
#include "hnv/gateway/gateway.h"
#include "hnv/gateway/vpn_compile.h"
#include "hnv/nat/session_sync.h"

namespace hnv::gateway {

namespace json = boost::json;

namespace {

const Logger kLog("gateway");
constexpr unsigned kAnnounceRounds = 3;
// NAT events a worker keeps between two drains (10 ms apart): past this a
// whole snapshot is sent again.
constexpr std::size_t kJournalLimit = 1u << 18;

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
  member_ = std::make_unique<cluster::ClusterMember>(
      *io_, *settings, config_.controller ? std::optional(config_.controller->endpoint) : std::nullopt,
      [this](const cluster::Transition& t) { onClusterTransition(t); }, syncProvider(), syncConsumer());
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
    dp.setFenced(false);
    announceAddresses();
    announcements_ = kAnnounceRounds - 1;
  } else {
    dp.setFenced(true);
    announcements_ = 0;
  }
  refreshVpnConnections();
}

bool Gateway::vpnInitiates() const {
  return config_.clusterMember.empty() || (member_ && member_->role() == cluster::Role::Active);
}

// The IKE SAs are not replicated yet: the new active's hnv-iked starts its
// persistent tunnels afresh (the sites replace their old IKE SAs with the
// same identities), and a member that became standby stops restarting them.
void Gateway::refreshVpnConnections() {
  if (!vpn_ || lastDesired_.empty()) return;
  auto compiled = compileVpn(lastDesired_, *policy_->get(), config_.nodeName, vpnInitiates());
  if (!compiled) {
    kLog.error("S2S connections not recompiled after a role change", {{"why", compiled.error().message()}});
    return;
  }
  if (compiled->swanctlConf == swanctlConf_) return;
  swanctlConf_ = compiled->swanctlConf;
  if (vpnLink_) vpnLink_->send(ikeipc::Connections{swanctlConf_});
}

void Gateway::announceAddresses() {
  dp::Dataplane& dp = node_->dataplane();
  node_->announceProviderAddresses();
  for (const auto& x : node_->tenants().get()->interfaces()) {
    (void)fib::sendArpRequest(dp.control(), dp.pool(), x.port, x.mac, x.address, x.address, x.vlan);
    for (const auto& extra : x.proxyArp) {
      (void)fib::sendArpRequest(dp.control(), dp.pool(), x.port, x.mac, extra, extra, x.vlan);
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
  p.snapshot = [this, emitter](const cluster::RecordEmit& emit) { natCtx_.exportAll(emitter(emit)); };
  p.drain = [this, emitter](const cluster::RecordEmit& emit) { return natCtx_.drainJournals(emitter(emit)); };
  return p;
}

cluster::SyncConsumer Gateway::syncConsumer() {
  cluster::SyncConsumer c;
  c.reset = [this] { natCtx_.clearAll(); };
  c.apply = [this](cluster::SyncStream, std::span<const std::uint8_t> record) -> Status {
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
  if (!member_) o["problem"] = "no gateway cluster in the applied policy yet";
  return o;
}

}  // namespace hnv::gateway
