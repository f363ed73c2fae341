#include "hnv/hostd/host.h"

#include <boost/asio/post.hpp>

#include "hnv/base/log.h"
#include "hnv/daemon/api.h"
#include "hnv/nodes/module.h"
#include "hnv/daemon/params.h"
#include "hnv/overlay/next_hop.h"
#include "hnv/nat/module.h"
#include "hnv/vpn/module.h"
#include "hnv/overlay/module.h"

namespace hnv::hostd {

namespace json = boost::json;

namespace {

const Logger kLog("hostd");

// The VM ports with the DPDK ids the Dataplane gave them.
Result<std::vector<LocalVmPort>> openVmPorts(const std::vector<VmPortConfig>& vmPorts, const dp::Dataplane& dp) {
  std::vector<LocalVmPort> out;
  for (const auto& vm : vmPorts) {
    const dp::Port* port = dp.port(vm.port);
    if (port == nullptr) return makeError(Errc::Internal, "ports", vm.port, "the VM port is not open");
    out.push_back(LocalVmPort{vm, port->id().value()});
  }
  return out;
}

// The PA multicast groups (IPv4 or IPv6) of the VSIDs this host has VM ports in:
// their broadcast may arrive addressed to the group.
std::vector<IpAddr> joinedGroups(const overlay::OverlayPolicy& policy, const std::vector<ResolvedVmPort>& ports) {
  std::vector<IpAddr> out;
  for (const auto& p : ports) {
    const overlay::VsidInfo* info = policy.vsid(p.binding.vsid);
    if (info != nullptr && info->multicastGroup) out.push_back(*info->multicastGroup);
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Host>> Host::start(const HostConfig& config, boost::asio::io_context& io) {
  std::unique_ptr<Host> h(new Host(io));
  h->config_ = config;
  auto node = daemon::NodeDataplane::create(config.dataplane, config.providerAddresses);
  if (!node) return node.error();
  h->node_ = std::move(*node);
  dp::Dataplane& dp = h->node_->dataplane();
  auto vmPorts = openVmPorts(config.vmPorts, dp);
  if (!vmPorts) return vmPorts.error();
  h->vmPorts_ = std::move(*vmPorts);
  // The first policy: nothing from the controller yet, the VM ports bound
  // as the configuration says.
  const json::object first{{"revision", 0}};
  auto resolved = resolveVmPorts(config.nodeName, first, h->vmPorts_);
  if (!resolved) return resolved.error();
  h->resolved_ = std::move(*resolved);
  auto empty = overlay::OverlayPolicy::compile(first, nullptr, h->resolved_.bindings());
  if (!empty) return empty.error();
  h->policy_ = std::make_unique<dp::Published<overlay::OverlayPolicy>>(
      dp.rcu(), std::make_unique<const overlay::OverlayPolicy>(std::move(*empty)));

  // Dynamic IP learning: arp-proxy and nd-proxy punt, the Learner reports
  // through the session (dropped without a controller: nobody to tell).
  Host* self = h.get();
  h->learner_ = std::make_unique<overlay::Learner>(*h->policy_, [self](Vsid vsid, const IpAddr& ca, const MacAddr& mac) {
    const bool reported =
        self->follower_ != nullptr &&
        self->follower_->reportLearned(json::object{{"vsid", vsid.value()}, {"ca", ca.toString()}, {"mac", mac.toString()}});
    kLog.info("address learned", {{"vsid", std::to_string(vsid.value())}, {"ca", ca.toString()}, {"mac", mac.toString()},
                                  {"reported", reported ? "yes" : "no (no controller)"}});
  });
  h->caTester_ = std::make_unique<overlay::CaTester>(h->overlayCtx_, dp.control(), dp.pool());
  overlay::CaTester* tester = h->caTester_.get();
  auto caTest = dp.control().addPuntKind("ca-test", [tester](rte_mbuf* m) { tester->onReply(m); });
  if (!caTest) return caTest.error();
  h->overlayCtx_.caTestPunt = *caTest;
  h->node_->addTicker([tester](std::chrono::steady_clock::time_point now) {
    tester->tick(now);
    return tester->running();
  });
  // Captures name a VM port's VSID.
  h->node_->setPortVsid([self](std::uint16_t port) -> std::optional<std::uint32_t> {
    const overlay::VmPortBinding* b = self->policy_->get()->vmPort(port);
    if (b == nullptr) return std::nullopt;
    return b->vsid.value();
  });
  overlay::Learner* learner = h->learner_.get();
  auto learn = dp.control().addPuntKind("learn", [learner](rte_mbuf* m) { learner->onPunt(m); });
  if (!learn) return learn.error();

  h->extensions_ = std::make_unique<overlay::Extensions>(dp.rcu());
  h->overlayCtx_.hooks = &h->extensions_->table();
  h->overlayCtx_.policy = h->policy_.get();
  h->overlayCtx_.local = &h->node_->local();
  h->overlayCtx_.neighbors = &h->node_->neighbors();
  h->overlayCtx_.missPunt = h->node_->missPunt();
  h->overlayCtx_.learnPunt = *learn;
  h->overlayCtx_.settings = config.encap;
  // The module list of hnv-hostd (the same as hnvgwd's). Each module adds
  // its node types; the catalog refuses an edge to a node no module provides.
  if (auto st = nodes::addGenericNodes(dp.catalog(), h->node_->nodesContext()); !st) return st.error();
  if (auto st = overlay::addOverlayNodes(dp.catalog(), h->overlayCtx_); !st) return st.error();
  // ip4-lookup's NAT edges need the nat44 nodes; a host has no NAT, so no sessions.
  h->natCtx_.sessionsPerWorker = 0;
  if (auto st = nat::addNatNodes(dp.catalog(), h->natCtx_, dp.workers()); !st) return st.error();
  if (auto st = vpn::addVpnNodes(dp.catalog(), h->vpnCtx_, dp.workers()); !st) return st.error();
  if (auto st = h->node_->start(io); !st) return st.error();
  h->logVmPorts();

  policy::FollowerConfig follow{config.nodeName, config.controller, config.stateFile};
  h->follower_ = std::make_unique<policy::PolicyFollower>(io, std::move(follow), [self](const json::object& desired) {
    return self->applyPolicy(desired);
  });
  h->follower_->start();
  return h;
}

Status Host::applyPolicy(const json::object& desired) {
  const overlay::OverlayPolicy* previous = policy_->get();
  auto resolved = resolveVmPorts(config_.nodeName, desired, vmPorts_);
  if (!resolved) return resolved.error();
  auto next = overlay::OverlayPolicy::compile(desired, previous, resolved->bindings());
  if (!next) return next.error();
  auto revision = next->revision();
  auto records = next->recordCount();
  policy_->publish(std::make_unique<const overlay::OverlayPolicy>(std::move(*next)));
  node_->setMulticastGroups(joinedGroups(*policy_->get(), resolved->bound));
  kLog.info("policy applied", {{"revision", std::to_string(revision)}, {"records", std::to_string(records)}});
  const bool portsChanged = resolved_ != *resolved;
  resolved_ = std::move(*resolved);
  if (portsChanged) logVmPorts();
  return okStatus();
}

void Host::logVmPorts() const {
  for (const auto& b : resolved_.bound) {
    std::string allowed;
    for (const auto& p : b.binding.allowedCas) allowed += (allowed.empty() ? "" : ",") + p.toString();
    kLog.info("VM port", {{"port", portName(b.binding.port)},
                          {"vsid", b.binding.vsid.toString()},
                          {"vm_mac", b.binding.mac.toString()},
                          {"allowed_cas", allowed.empty() ? "any" : allowed},
                          {"from", std::string(bindingSourceName(b.source))}});
  }
  for (const auto& name : resolved_.unbound) {
    kLog.info("VM port unbound", {{"port", name}, {"why", "no vm-ports object for it and no vsid/vm_mac configured"}});
  }
  for (const auto& p : resolved_.problems) kLog.warn("vm-port not applied", {{"problem", p}});
}

std::string Host::portName(std::uint16_t id) const {
  for (const auto& l : vmPorts_) {
    if (l.id == id) return l.config.port;
  }
  return std::to_string(id);
}

json::object Host::policyJson() const {
  const overlay::OverlayPolicy* p = policy_->get();
  json::array ports;
  for (const auto& l : vmPorts_) {
    json::object o{{"port", l.config.port}, {"id", l.id}};
    const overlay::VmPortBinding* b = p->vmPort(l.id);
    if (b == nullptr) {
      o["bound"] = false;
    } else {
      o["bound"] = true;
      o["vsid"] = b->vsid.value();
      o["mac"] = b->mac.toString();
      json::array allowed;
      for (const auto& pre : b->allowedCas) allowed.emplace_back(pre.toString());
      o["allowed_cas"] = std::move(allowed);
      o["vsid_known"] = p->vsid(b->vsid) != nullptr;
      for (const auto& r : resolved_.bound) {
        if (r.binding.port != l.id) continue;
        o["from"] = bindingSourceName(r.source);
        if (!r.vmName.empty()) o["vm_name"] = r.vmName;
      }
    }
    ports.push_back(std::move(o));
  }
  json::array problems;
  for (const auto& pr : resolved_.problems) problems.emplace_back(pr);
  json::object out = follower_->toJson();
  out["revision"] = p->revision();
  out["records"] = p->recordCount();
  out["vm_ports"] = std::move(ports);
  out["vm_port_problems"] = std::move(problems);
  out["learning"] = learner_->toJson();
  return out;
}

// Test-VMNetworkAdapter: params {"port", "sender", "receiver", "count"?, "interval_ms"?, "timeout_ms"?}.
Result<overlay::CaTestRequest> Host::caTestRequest(const json::object& p) const {
  overlay::CaTestRequest req;
  auto port = daemon::needString(p, "port", "a VM port name");
  if (!port) return port.error();
  const dp::Port* dpPort = node_->dataplane().port(*port);
  if (dpPort == nullptr) return makeError(Errc::NotFound, "params.port", *port, "no port of that name");
  req.port = dpPort->id().value();
  req.portName = *port;
  for (auto [key, slot] : {std::pair{"sender", &req.sender}, std::pair{"receiver", &req.receiver}}) {
    auto text = daemon::needString(p, key, "an IPv4 customer address");
    if (!text) return text.error();
    auto ip = Ipv4Addr::parse(*text);
    if (!ip) return makeError(Errc::InvalidArgument, std::string("params.") + key, *text, "an IPv4 customer address is required");
    *slot = *ip;
  }
  auto timing = daemon::probeTiming(p);
  if (!timing) return timing.error();
  req.count = timing->count;
  req.interval = timing->interval;
  req.timeout = timing->timeout;
  return req;
}

// Select-NetVirtualizationNextHop: params {"vsid": N, "ca": "..."}.
Result<json::value> Host::nextHopJson(const json::object& p) const {
  const auto* v = p.if_contains("vsid");
  if (v == nullptr || !v->is_int64()) return makeError(Errc::InvalidArgument, "params.vsid", "", "a VSID number is required");
  auto vsid = Vsid::forTenant(static_cast<std::uint64_t>(std::max<std::int64_t>(0, v->as_int64())));
  if (!vsid) return makeError(Errc::InvalidArgument, "params.vsid", std::to_string(v->as_int64()), vsid.error().why);
  auto text = daemon::needString(p, "ca", "a customer address");
  if (!text) return text.error();
  auto ca = IpAddr::parse(*text);
  if (!ca) return makeError(Errc::InvalidArgument, "params.ca", *text, ca.error().why);
  auto hop = overlay::selectNextHop(*policy_->get(), *vsid, *ca);
  if (!hop) return hop.error();
  json::object out = hop->toJson();
  out["ca"] = ca->toString();
  if (hop->localPort) {
    for (const auto& port : node_->dataplane().ports()) {
      if (port.id().value() == *hop->localPort) out["local_port"] = port.name();
    }
  }
  if (hop->pa) {
    // The underlay side: the PA's MAC as the neighbour table knows it now.
    const fib::Neighbor* nb = node_->neighbors().get()->find(*hop->pa);
    out["pa_mac"] = nb != nullptr ? json::value(nb->mac.toString()) : json::value(nullptr);
  }
  return json::value(std::move(out));
}

void Host::registerApi(agent::LocalApiServer& api) {
  daemon::registerNodeApi(api, *node_, config_.nodeName);
  api.on("policy", [this](const json::object&) -> Result<json::value> { return policyJson(); });
  api.on("extensions", [this](const json::object&) -> Result<json::value> {
    json::array out;
    for (const auto& [id, what] : extensions_->list()) out.push_back(json::object{{"id", id}, {"hook", what}});
    return json::value(std::move(out));
  });
  api.on("nexthop", [this](const json::object& p) -> Result<json::value> { return nextHopJson(p); });
  api.onAsync("ca.test", [this](const json::object& p, agent::Responder respond) {
    auto req = caTestRequest(p);
    if (!req) return respond(req.error());
    if (auto st = caTester_->start(*req, respond); !st) respond(st.error());
  });
}

std::string Host::metricsText() const { return prometheusText(node_->dataplane().counters()); }

void Host::stop() {
  if (follower_) follower_->stop();
  if (node_) node_->stop();
}

Host::~Host() {
  // The order is stated in the header: session, node (workers first), tables.
  follower_.reset();
  node_.reset();
  extensions_.reset();
  caTester_.reset();
  learner_.reset();
  policy_.reset();
}

}  // namespace hnv::hostd
