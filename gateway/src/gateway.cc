#include "hnv/gateway/gateway.h"

#include <algorithm>

#include <boost/json/array.hpp>

#include "hnv/base/log.h"
#include "hnv/daemon/api.h"
#include "hnv/gateway/nat_compile.h"
#include "hnv/gateway/tenant_compile.h"
#include "hnv/gateway/vpn_compile.h"
#include "hnv/nat/module.h"
#include "hnv/nodes/module.h"
#include "hnv/overlay/module.h"
#include "hnv/vpn/module.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nvgre.h"
#include "hnv/wire/udp.h"

namespace hnv::gateway {

namespace json = boost::json;

namespace {

const Logger kLog("gateway");

std::string_view routeKindName(fib::RouteKind k) {
  switch (k) {
    case fib::RouteKind::Overlay: return "overlay";
    case fib::RouteKind::External: return "external";
    case fib::RouteKind::Local: return "local";
    case fib::RouteKind::Nat: return "nat";
    case fib::RouteKind::NatExternal: return "nat-external";
    case fib::RouteKind::Vpn: return "vpn";
    case fib::RouteKind::VpnLocal: return "vpn-local";
  }
  return "?";
}

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::start(const GatewayConfig& config, boost::asio::io_context& io) {
  std::unique_ptr<Gateway> gw(new Gateway());
  gw->config_ = config;
  auto node = daemon::NodeDataplane::create(config.dataplane, config.providerAddresses);
  if (!node) return node.error();
  gw->node_ = std::move(*node);
  gw->io_ = &io;
  dp::Dataplane& dp = gw->node_->dataplane();
  // A cluster member is silent until it becomes active.
  if (!config.clusterMember.empty()) dp.setFenced(true);
  // No policy until the follower restores or receives one: every VSID is unknown.
  gw->policy_ = std::make_unique<dp::Published<overlay::OverlayPolicy>>(
      dp.rcu(), std::make_unique<const overlay::OverlayPolicy>());
  gw->overlayCtx_.policy = gw->policy_.get();
  gw->overlayCtx_.local = &gw->node_->local();
  gw->overlayCtx_.neighbors = &gw->node_->neighbors();
  gw->overlayCtx_.missPunt = gw->node_->missPunt();
  gw->overlayCtx_.settings = config.encap;
  gw->overlayCtx_.tenants = &gw->node_->tenants();
  // Routed TCP SYNs announce at most what fits an NVGRE packet on the
  // smallest underlay port: its MTU less outer IP + GRE (28 with IPv4, 48
  // when the port has IPv6 PAs: the outer header may be IPv6), the inner
  // Ethernet header (14) and the inner IPv4 and TCP headers (40).
  // No clamping when that leaves 536 bytes or less (RFC 879's default).
  int smallest = 0;
  for (const auto& p : gw->node_->local().get()->ports()) {
    const bool underlay = !p.v4.empty() || !p.v6.empty();  // trunk and tenant ports have no PAs
    if (!underlay || p.mtu == 0) continue;
    const int mss = int{p.mtu} - (p.v6.empty() ? 82 : 102);
    if (smallest == 0 || mss < smallest) smallest = mss;
  }
  if (smallest > 536) gw->node_->nodesContext().tenantMss = static_cast<std::uint16_t>(smallest);
  // The module list of hnvgwd. Each module adds its node types; the catalog
  // refuses an edge to a node no module provides.
  if (auto st = nodes::addGenericNodes(dp.catalog(), gw->node_->nodesContext()); !st) return st.error();
  if (auto st = overlay::addOverlayNodes(dp.catalog(), gw->overlayCtx_); !st) return st.error();
  gw->natConfig_ =
      std::make_unique<dp::Published<nat::NatConfig>>(dp.rcu(), std::make_unique<const nat::NatConfig>());
  gw->natCtx_.config = gw->natConfig_.get();
  gw->natCtx_.tenants = &gw->node_->tenants();
  gw->natCtx_.sessionsPerWorker = config.natSessionsPerWorker;
  if (auto st = nat::addNatNodes(dp.catalog(), gw->natCtx_, dp.workers()); !st) return st.error();
  gw->vpnCtx_.tenants = &gw->node_->tenants();
  if (auto st = gw->startVpn(io); !st) return st.error();
  if (auto st = vpn::addVpnNodes(dp.catalog(), gw->vpnCtx_, dp.workers()); !st) return st.error();
  if (auto st = gw->node_->start(io); !st) return st.error();

  Gateway* self = gw.get();
  gw->node_->setCaptureAnnotator(
      [self](std::uint16_t port, std::span<const std::uint8_t> frame) { return self->captureTenant(port, frame); });
  policy::FollowerConfig follow{config.nodeName, config.controller, config.stateFile};
  gw->follower_ = std::make_unique<policy::PolicyFollower>(
      io, std::move(follow), [self](const json::object& desired) { return self->applyPolicy(desired); });
  gw->follower_->start();
  return gw;
}

std::string Gateway::metricsText() const {
  std::string out = prometheusText(node_->dataplane().counters());
  if (vpn_) {
    out += "# HELP hnv_vpn_iked_connected 1 while hnv-iked is connected to this gateway.\n"
           "# TYPE hnv_vpn_iked_connected gauge\n"
           "hnv_vpn_iked_connected " + std::string(vpnLink_ && vpnLink_->connected() ? "1" : "0") + "\n";
    out += vpn_->metricsText();
  }
  return out;
}

std::optional<PortInfo> Gateway::portInfo(std::string_view name) const {
  const dp::Port* port = node_->dataplane().port(std::string(name));
  if (port == nullptr) return std::nullopt;
  PortInfo info{port->id().value(), port->mac(), port->mtu(), false};
  // The home of a provider address (not where failover has put it now).
  const auto& pas = node_->configuredAddresses();
  info.carriesUnderlay = std::any_of(pas.begin(), pas.end(), [&](const auto& pa) { return pa.port == name; });
  return info;
}

Status Gateway::applyPolicy(const json::object& desired) {
  auto next = overlay::OverlayPolicy::compile(desired, policy_->get());
  if (!next) return next.error();
  const overlay::OverlayPolicy& pol = *next;
  auto natConfig = compileNatConfig(desired, pol, [this](const Rdid& rdid) {
    return registerNatCounters(node_->dataplane().counters(), rdid);
  });
  if (!natConfig) return natConfig.error();
  auto vpnCompiled = compileVpn(desired, pol, config_.nodeName, config_.clusterMember.empty());
  if (!vpnCompiled) return vpnCompiled.error();
  if (!vpn_ && !vpnCompiled->interfaces.empty()) {
    kLog.warn("S2S interfaces in the policy, but no \"vpn\" section in the configuration: not served",
              {{"interfaces", std::to_string(vpnCompiled->interfaces.size())}});
  }
  // Everything that can fail is checked before anything is published: a
  // policy is applied whole or not at all. The tenant tables get the routes
  // the VPN will have once configured.
  auto tables = compileTables(desired, pol, vpn_ ? vpn_->routesFor(vpnCompiled->interfaces)
                                                 : std::vector<fib::TenantRoute>{});
  if (!tables) return tables.error();
  auto clusterSet = clusterSettings(desired);
  if (!clusterSet) return clusterSet.error();
  const auto natInstances = natConfig->instances().size();
  const auto revision = next->revision();
  const auto records = next->recordCount();
  lastDesired_ = desired;
  // The VPN's tables (tunnels may be re-indexed: esp-encrypt drops a packet
  // whose route still names another tenant's tunnel until the tenant tables
  // follow), then the overlay policy (tenant indexes in the new tables come
  // from it), then the tenant tables.
  applying_ = true;
  if (vpn_) vpn_->configure(vpnCompiled->interfaces);
  applying_ = false;
  policy_->publish(std::make_unique<const overlay::OverlayPolicy>(std::move(*next)));
  node_->publishTenants(std::make_unique<const fib::TenantTables>(std::move(*tables)));
  // Workers resync their sessions at the first packet that sees the new generation.
  natConfig_->publish(std::make_unique<const nat::NatConfig>(std::move(*natConfig)));
  if (vpn_ && (vpnCompiled->swanctlConf != ikeConnections_.swanctlConf ||
               vpnCompiled->credentials != ikeConnections_.credentials)) {
    ikeConnections_ = {vpnCompiled->swanctlConf, vpnCompiled->credentials};
    persistentConnections_ = vpnCompiled->persistent;
    if (vpnLink_) vpnLink_->send(ikeConnections_);
  }
  applyCluster(*clusterSet);
  sendClusterRole();
  // hnv-iked's messages that came before the first policy: now its SAs find
  // their S2S interfaces.
  auto held = std::move(heldIke_);
  heldIke_.clear();
  for (const auto& m : held) onIkeMessage(m);
  kLog.info("policy applied", {{"revision", std::to_string(revision)},
                               {"records", std::to_string(records)},
                               {"vrfs", std::to_string(node_->tenants().get()->vrfCount())},
                               {"external_interfaces", std::to_string(node_->tenants().get()->interfaces().size())},
                               {"nat_instances", std::to_string(natInstances)},
                               {"s2s_interfaces", std::to_string(vpnCompiled->interfaces.size())}});
  return okStatus();
}

Result<fib::TenantTables> Gateway::compileTables(const json::object& desired, const overlay::OverlayPolicy& pol,
                                                 const std::vector<fib::TenantRoute>& vpnRoutes) {
  return compileTenantTables(
      desired, pol, config_.nodeName, [this](std::string_view name) { return portInfo(name); }, node_->tenants().get(),
      [this, &pol](TenantId t) -> std::optional<fib::TenantCounterIds> {
        auto rdid = pol.rdidOf(t);
        if (!rdid) return std::nullopt;
        return registerTenantCounters(node_->dataplane().counters(), *rdid);
      },
      vpnRoutes);
}

Status Gateway::publishTenantTables(const json::object& desired, const overlay::OverlayPolicy& pol) {
  auto tables = compileTables(desired, pol, vpn_ ? vpn_->routes() : std::vector<fib::TenantRoute>{});
  if (!tables) return tables.error();
  node_->publishTenants(std::make_unique<const fib::TenantTables>(std::move(*tables)));
  return okStatus();
}

Status Gateway::startVpn(boost::asio::io_context& io) {
  if (config_.ikeSocket.empty()) return okStatus();
  dp::Dataplane& dp = node_->dataplane();
  vpn::CryptoDevice::Options o;
  o.driver = config_.cryptoDriver;
  o.queuePairs = dp.workers() == 0 ? 1 : dp.workers();
  auto dev = vpn::CryptoDevice::open(o);
  if (dev) {
    crypto_ = std::move(*dev);
    kLog.info("crypto device ready", {{"driver", crypto_->driver()}, {"queue_pairs", std::to_string(o.queuePairs)}});
  } else {
    // The gateway still forwards; every SA is refused with this reason.
    kLog.error("no crypto device: site-to-site VPN unavailable", {{"why", dev.error().message()}});
  }
  vpn_ = std::make_unique<vpn::VpnManager>(dp.rcu(), crypto_.get());
  vpnCtx_.tables = &vpn_->tables();
  vpn_->onRoutesChanged = [this] {
    if (applying_ || lastDesired_.empty()) return;
    if (auto st = publishTenantTables(lastDesired_, *policy_->get()); !st) {
      kLog.error("tenant tables not rebuilt after a tunnel change", {{"why", st.error().message()}});
    }
  };
  auto kind = dp.control().addPuntKind("ike", [this](rte_mbuf* m) { puntedIke(m); });
  if (!kind) return kind.error();
  vpnCtx_.ikePunt = *kind;
  vpnLink_ = std::make_unique<VpnLink>(
      io, config_.ikeSocket, [this](const ikeipc::Message& m) { onIkeMessage(m); },
      [this] {
        vpnLink_->send(ikeipc::Hello{"hnvgwd", ikeipc::kVersion, ""});
        if (!ikeConnections_.swanctlConf.empty()) vpnLink_->send(ikeConnections_);
      });
  if (auto st = vpnLink_->listen(); !st) return st;
  node_->addTicker([this, last = std::chrono::steady_clock::time_point()](auto now) mutable {
    // Demand dialing, every tick (100 ms): traffic into an on-demand tunnel without SA.
    const auto ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
    for (const auto& d : vpn_->takeDemand(ms)) vpnLink_->send(d);
    if (now - last < std::chrono::seconds(1)) return true;
    last = now;
    const auto secs = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
    for (const auto& m : vpn_->tick(secs)) vpnLink_->send(m);
    checkIkeState();
    return true;
  });
  return okStatus();
}

void Gateway::onIkeMessage(const ikeipc::Message& m) {
  if (const auto* out = std::get_if<ikeipc::IkeOut>(&m)) return sendIke(*out);
  // Before the first policy no S2S interface is known and every SA would be
  // refused: held (in order) until then. Bounded: past that hnv-iked's
  // messages are dropped, said once.
  if (lastDesired_.empty()) {
    constexpr std::size_t kMaxHeld = 100000;
    if (heldIke_.size() < kMaxHeld) return heldIke_.push_back(m);
    if (heldDropped_++ == 0) {
      kLog.error("hnv-iked's messages dropped: no policy applied yet", {{"held", std::to_string(kMaxHeld)}});
    }
    return;
  }
  // A new hnv-iked, or one that lost us: it hands over every SA it still
  // has right after its hello, so what we hold is dropped first.
  if (const auto* hello = std::get_if<ikeipc::Hello>(&m)) {
    ikedHa_ = hello->ha;
    vpn_->clearSas();
    return sendClusterRole();
  }
  if (auto answer = vpn_->handle(m)) vpnLink_->send(*answer);
}

// An IKE datagram from hnv-iked: a UDP packet from the endpoint, routed in
// the endpoint's outside domain (injected into ip4-lookup or ip6-lookup
// there).
void Gateway::sendIke(const ikeipc::IkeOut& d) {
  if (!d.src.sameFamily(d.dst)) return;
  // The interface of this pair of addresses names the outside domain (one
  // local address may serve interfaces in several domains).
  const vpn::S2sInterface* via = nullptr;
  for (const auto& x : vpn_->interfaces()) {
    if (x.local == d.src && (via == nullptr || x.endsAt(d.dst))) via = &x;
  }
  if (via == nullptr) {
    kLog.warn("IKE datagram from an address that is no VPN endpoint here", {{"src", d.src.toString()}});
    return;
  }
  // charon's sender has put the non-ESP marker in front where one belongs.
  // The Ethernet header is a placeholder: ip4-lookup or ip6-lookup routes
  // the packet (the builder fills the UDP checksum IPv6 requires).
  const bool v6 = d.src.isV6();
  wire::PacketBuilder b;
  b.eth(MacAddr(), MacAddr());
  if (v6) {
    b.ipv6(d.src.v6(), d.dst.v6());
  } else {
    b.ipv4(d.src.v4(), d.dst.v4());
  }
  const std::vector<std::uint8_t> frame = b.udp(d.srcPort, d.dstPort).payload(d.data).build();
  if (frame.size() > 9000) return;
  rte_mbuf* m = dp::mbufFromFrame(node_->dataplane().pool(), frame, 0);
  if (m == nullptr) return;
  dp::PacketMeta& pm = dp::meta(m);
  pm.tenant = via->outside.index();
  pm.l3Offset = wire::kEthernetHeaderLen;
  pm.flags = dp::kMetaFlagTranslated;
  node_->dataplane().control().inject(m, v6 ? dp::InjectEdge::Ip6Lookup : dp::InjectEdge::Ip4Lookup);
}

// IKE to an endpoint (esp-input punted it): the UDP payload to hnv-iked,
// as received (charon's receiver takes the non-ESP marker off itself).
void Gateway::puntedIke(rte_mbuf* m) {
  const dp::PacketMeta& pm = dp::meta(m);
  // esp-input checked the headers; parsed again here on the control thread.
  const auto l3 = dp::bytes(m).subspan(pm.l3Offset);
  std::optional<std::pair<IpAddr, IpAddr>> ends;  // source, destination
  std::span<const std::uint8_t> payload;
  if (!l3.empty() && (l3[0] >> 4) == 6) {
    if (auto ip = wire::parseIpv6(l3); ip && ip->nextHeader == wire::kIpProtoUdp) {
      ends.emplace(ip->src, ip->dst);
      payload = ip->payload;
    }
  } else if (auto ip = wire::parseIpv4(l3); ip) {
    ends.emplace(ip->src, ip->dst);
    payload = ip->payload;
  }
  auto udp = ends ? wire::parseUdp(payload) : wire::parseUdp({});
  // To an endpoint of this outside domain only.
  bool ours = false;
  if (ends && udp) {
    for (const auto& x : vpn_->interfaces()) ours = ours || (x.local == ends->second && x.outside.index() == pm.tenant);
  }
  if (ours && vpnLink_ && vpnLink_->connected()) {
    ikeipc::IkeIn d;
    d.src = ends->first;
    d.dst = ends->second;
    d.srcPort = udp->srcPort;
    d.dstPort = udp->dstPort;
    d.data.assign(udp->payload.begin(), udp->payload.end());
    vpnLink_->send(d);
  }
  rte_pktmbuf_free(m);
}

// "tenant=<rdid>" for a frame of a tenant interface (and its VLAN) or an
// NVGRE packet of a tenant's VSID, for capture comments.
std::string Gateway::captureTenant(std::uint16_t port, std::span<const std::uint8_t> frame) const {
  auto eth = wire::parseEthernet(frame);
  if (!eth) return {};
  const fib::TenantTables& tenants = *node_->tenants().get();
  if (eth->vlanTci || tenants.portCarriesTenants(port)) {
    const fib::TenantInterface* x = tenants.interface(port, eth->vlanId());
    if (x == nullptr) return {};
    const std::string rdid = x->name.substr(0, x->name.find('/'));
    return "tenant=" + rdid + (eth->vlanTci ? " vlan=" + std::to_string(eth->vlanId()) : "");
  }
  if (eth->etherType != wire::kEtherTypeIpv4) return {};
  auto ip = wire::parseIpv4(frame.subspan(eth->headerLength));
  if (!ip || ip->protocol != wire::kIpProtoGre) return {};
  auto nv = wire::parseNvgre(ip->payload);
  if (!nv) return {};
  const overlay::VsidInfo* info = policy_->get()->vsid(nv->vsid);
  return info != nullptr ? "tenant=" + info->rdid.toString() : std::string();
}

json::object Gateway::policyJson() const {
  json::object out = follower_->toJson();
  out["revision"] = policy_->get()->revision();
  out["records"] = policy_->get()->recordCount();
  out["vrfs"] = node_->tenants().get()->vrfCount();
  out["external_interfaces"] = node_->tenants().get()->interfaces().size();
  return out;
}

json::object Gateway::tenantsJson() const {
  const fib::TenantTables& t = *node_->tenants().get();
  json::array interfaces;
  for (const auto& x : t.interfaces()) {
    std::string port;
    for (const auto& p : node_->dataplane().ports()) {
      if (p.id().value() == x.port) port = p.name();
    }
    json::object o{{"name", x.name},
                   {"tenant", x.tenant.index()},
                   {"port", port},
                   {"vlan", x.vlan},
                   {"mac", x.mac.toString()},
                   {"mtu", x.mtu},
                   {"address", x.address.toString() + "/" + std::to_string(x.prefixLength)}};
    if (x.address6) o["address6"] = x.address6->toString() + "/" + std::to_string(x.prefixLength6);
    interfaces.push_back(std::move(o));
  }
  json::array vrfs;
  std::uint32_t found = 0;
  for (std::uint32_t i = 1; found < t.vrfCount(); ++i) {
    const fib::Vrf* vrf = t.vrf(TenantId(i));
    if (vrf == nullptr) continue;
    ++found;
    json::array routes;
    for (const auto& r : vrf->routes()) {
      json::object o{{"prefix", r.prefix.toString()}, {"metric", r.metric}, {"target", routeKindName(r.target.kind)},
                     {"origin", r.origin}};
      if (fib::namesInterface(r.target.kind)) o["interface"] = t.interfaces()[r.target.iface].name;
      o["next_hop"] = r.target.nextHop ? json::value(r.target.nextHop->toString()) : json::value(nullptr);
      routes.push_back(std::move(o));
    }
    vrfs.push_back(json::object{{"tenant", i}, {"routes", std::move(routes)}, {"memory_bytes", vrf->memoryBytes()}});
  }
  return json::object{{"interfaces", std::move(interfaces)}, {"vrfs", std::move(vrfs)}};
}

void Gateway::registerApi(agent::LocalApiServer& api) {
  daemon::registerNodeApi(api, *node_, config_.nodeName);
  api.on("policy", [this](const json::object&) -> Result<json::value> { return policyJson(); });
  api.on("tenants", [this](const json::object&) -> Result<json::value> { return tenantsJson(); });
  api.on("nat-sessions", [this](const json::object& p) -> Result<json::value> { return natSessionsJson(p); });
  api.on("cluster", [this](const json::object&) -> Result<json::value> { return clusterJson(); });
  api.on("cluster-switchover", [this](const json::object& p) -> Result<json::value> {
    if (!member_) return makeError(Errc::Unavailable, "cluster", config_.clusterMember, "this gateway is no running cluster member");
    const auto* force = p.if_contains("force");
    if (force != nullptr && !force->is_bool()) return makeError(Errc::InvalidArgument, "force", "", "must be true or false");
    if (auto st = member_->switchover(force != nullptr && force->as_bool()); !st) return st.error();
    return json::value(json::object{{"started", true}});
  });
  api.on("vpn-interfaces", [this](const json::object&) -> Result<json::value> {
    json::object o{{"enabled", vpn_ != nullptr},
                   {"crypto", crypto_ ? json::value(crypto_->driver()) : json::value(nullptr)},
                   {"iked_connected", vpnLink_ && vpnLink_->connected()}};
    o["interfaces"] = vpn_ ? vpn_->statistics() : json::array();
    return o;
  });
}

void Gateway::stop() {
  if (follower_) follower_->stop();
  member_.reset();
  if (vpnLink_) vpnLink_->close();
  if (node_) node_->stop();
}

Gateway::~Gateway() {
  // The follower (no more posts or reports) first, then the cluster member
  // (its witness thread), then the node (workers first, then resolver,
  // Dataplane and its tables), then the policy the overlay and nat44 nodes read.
  follower_.reset();
  member_.reset();
  vpnLink_.reset();
  // The SAs and their cryptodev need EAL: after the workers, before the
  // Dataplane (and EAL) go with node_.
  if (node_) node_->stop();
  vpn_.reset();
  crypto_.reset();
  node_.reset();
  policy_.reset();
  natConfig_.reset();
}

}  // namespace hnv::gateway
