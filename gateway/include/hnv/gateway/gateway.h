// The gateway appliance's data plane as assembled from its modules: the
// platform nodes, the generic nodes and the overlay, with the node's
// provider addresses, neighbours, overlay policy and tenant tables (external
// interfaces, VRFs) published to them. A policy::PolicyFollower keeps the
// policy in step with the controller (or restores it from the state file);
// each desired state compiles into an OverlayPolicy and fib::TenantTables
// (compileTenantTables), published together.
//
// Thread: control (the io_context's thread once started).
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <span>
#include <string>

#include "hnv/agent/local_api.h"
#include "hnv/base/result.h"
#include "hnv/cluster/member.h"
#include "hnv/daemon/node_dataplane.h"
#include "hnv/dp/rcu.h"
#include "hnv/gateway/config.h"
#include "hnv/gateway/tenant_compile.h"
#include "hnv/nat/context.h"
#include "hnv/gateway/vpn_link.h"
#include "hnv/vpn/crypto_device.h"
#include "hnv/vpn/manager.h"
#include "hnv/vpn/module.h"
#include "hnv/overlay/context.h"
#include "hnv/policy/follower.h"

namespace hnv::gateway {

class Gateway {
 public:
  // Brings up EAL, ports and graphs, starts the workers, and schedules the
  // control loop (punted packets, neighbour resolution) on `io`.
  static Result<std::unique_ptr<Gateway>> start(const GatewayConfig& config, boost::asio::io_context& io);
  ~Gateway();

  dp::Dataplane& dataplane() { return node_->dataplane(); }
  const GatewayConfig& config() const { return config_; }
  // Registers the local API methods: daemon::registerNodeApi (status,
  // counters, ports, trace.*, neighbors, ...), "policy", "tenants" and
  // "nat-sessions".
  void registerApi(agent::LocalApiServer& api);
  // Every counter (node and per tenant) in Prometheus' text format.
  std::string metricsText() const;
  void stop();

 private:
  Gateway() = default;
  Status applyPolicy(const boost::json::object& desired);
  // The tenant tables from `desired` and the VPN's current routes, published.
  Status publishTenantTables(const boost::json::object& desired, const overlay::OverlayPolicy& pol);
  Result<fib::TenantTables> compileTables(const boost::json::object& desired, const overlay::OverlayPolicy& pol,
                                          const std::vector<fib::TenantRoute>& vpnRoutes);
  Status startVpn(boost::asio::io_context& io);
  void onIkeMessage(const ikeipc::Message& m);
  void sendIke(const ikeipc::IkeOut& d);
  void puntedIke(rte_mbuf* m);
  std::optional<PortInfo> portInfo(std::string_view name) const;
  boost::json::object policyJson() const;
  boost::json::object tenantsJson() const;
  Result<boost::json::value> natSessionsJson(const boost::json::object& params);
  std::string captureTenant(std::uint16_t port, std::span<const std::uint8_t> frame) const;
  // Cluster (gateway_cluster.cc): the member's settings from `desired`
  // (nullopt: not clustered), checked before anything is published.
  Result<std::optional<cluster::ClusterSettings>> clusterSettings(const boost::json::object& desired) const;
  void applyCluster(const std::optional<cluster::ClusterSettings>& settings);
  void onClusterTransition(const cluster::Transition& t);
  // Gratuitous ARP for every IPv4 address the node owns (its provider
  // addresses, its tenant interfaces' addresses and proxy-ARP addresses)
  // and an unsolicited NA for each IPv6 provider address.
  void announceAddresses();
  // The NAT44 sessions the active sends and the standby imports.
  cluster::SyncProvider syncProvider();
  cluster::SyncConsumer syncConsumer();
  boost::json::object clusterJson() const;
  // A cluster member's role to hnv-iked (after its hello, a role change and
  // new connections): only the active one's charon starts tunnels.
  void sendClusterRole();
  // The ESP sequence numbers the active sends and the standby keeps.
  void exportEspSequences(const cluster::RecordEmit& emit, bool all);
  // Every second on a standby with an IKE state sync: SAs the active
  // reports and this member lacks ask the active's hnv-iked for a resync.
  void checkIkeState();
  GatewayConfig config_;
  std::unique_ptr<daemon::NodeDataplane> node_;
  // Read by the overlay nodes; freed only after node_ (and its workers) are gone.
  std::unique_ptr<dp::Published<overlay::OverlayPolicy>> policy_;
  overlay::OverlayContext overlayCtx_;
  // Read by the nat44 nodes, like policy_.
  std::unique_ptr<dp::Published<nat::NatConfig>> natConfig_;
  nat::NatContext natCtx_;
  vpn::VpnContext vpnCtx_;
  // Site-to-site VPN (config "vpn"): the cryptodev, the SAs and tunnels,
  // the socket hnv-iked connects to. The manager's tables are read by the
  // ESP nodes: freed only after node_.
  std::unique_ptr<vpn::CryptoDevice> crypto_;
  std::unique_ptr<vpn::VpnManager> vpn_;
  std::unique_ptr<VpnLink> vpnLink_;
  ikeipc::Connections ikeConnections_;  // last sent to hnv-iked
  std::vector<std::string> persistentConnections_;
  std::string ikedHa_;  // what hnv-iked's hello says of its IKE state sync
  std::vector<ikeipc::Message> heldIke_;  // from hnv-iked before the first policy
  std::uint64_t heldDropped_ = 0;         // past the bound of heldIke_
  unsigned ikeMissingSeconds_ = 0;
  std::chrono::steady_clock::time_point lastIkeResync_{};
  std::uint64_t ikeResyncsAsked_ = 0, ikeResyncsServed_ = 0;
  boost::json::object lastDesired_;  // for rebuilding the tenant tables when a tunnel goes up or down
  bool applying_ = false;
  std::unique_ptr<policy::PolicyFollower> follower_;
  boost::asio::io_context* io_ = nullptr;
  // A cluster member (config "cluster"): the data plane is fenced unless active.
  std::unique_ptr<cluster::ClusterMember> member_;
  unsigned announcements_ = 0;  // further gratuitous ARP rounds due after becoming active
  mutable bool warnedStandalone_ = false;  // said once while the policy lists a cluster we are not in
};

}  // namespace hnv::gateway
