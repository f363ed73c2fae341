#include "hnv/daemon/node_dataplane.h"

#include <unistd.h>

#include <boost/asio/post.hpp>

#include "hnv/base/log.h"

#include <algorithm>

namespace hnv::daemon {
namespace {

const Logger kLog("node");

}  // namespace

Result<std::unique_ptr<NodeDataplane>> NodeDataplane::create(
    const dp::DataplaneConfig& config, std::span<const fib::ProviderAddressConfig> providerAddresses) {
  std::unique_ptr<NodeDataplane> n(new NodeDataplane());
  auto dp = dp::Dataplane::create(config);
  if (!dp) return dp.error();
  n->dp_ = std::move(*dp);
  auto local = fib::buildLocalAddresses(providerAddresses, *n->dp_);
  if (!local) return local.error();
  n->configured_.assign(providerAddresses.begin(), providerAddresses.end());
  n->placed_ = n->configured_;
  n->local_ = std::make_unique<dp::Published<fib::LocalAddresses>>(
      n->dp_->rcu(), std::make_unique<const fib::LocalAddresses>(std::move(*local)));
  n->groups_ = std::make_unique<dp::Published<fib::MulticastGroups>>(n->dp_->rcu(),
                                                                     std::make_unique<const fib::MulticastGroups>());
  n->neighbors_ = std::make_unique<dp::Published<fib::NeighborTable>>(n->dp_->rcu(),
                                                                      std::make_unique<const fib::NeighborTable>());
  n->tenants_ = std::make_unique<dp::Published<fib::TenantTables>>(n->dp_->rcu(),
                                                                   std::make_unique<const fib::TenantTables>());
  n->resolver_ =
      std::make_unique<fib::NeighborResolver>(*n->neighbors_, *n->local_, n->dp_->control(), n->dp_->pool());
  n->resolver_->setTenantTables(n->tenants_.get());
  fib::NeighborResolver* resolver = n->resolver_.get();
  auto arp = n->dp_->control().addPuntKind("arp", [resolver](rte_mbuf* m) { resolver->onArp(m); });
  if (!arp) return arp.error();
  auto nd = n->dp_->control().addPuntKind("nd", [resolver](rte_mbuf* m) { resolver->onNd(m); });
  if (!nd) return nd.error();
  auto miss = n->dp_->control().addPuntKind("neighbor-miss", [resolver](rte_mbuf* m) { resolver->onMiss(m); });
  if (!miss) return miss.error();
  n->pinger_ = std::make_unique<fib::PaPinger>(*n->local_, *n->neighbors_, *n->resolver_, n->dp_->control(),
                                               n->dp_->pool());
  fib::PaPinger* pinger = n->pinger_.get();
  auto echo = n->dp_->control().addPuntKind("echo-reply", [pinger](rte_mbuf* m) { pinger->onReply(m); });
  if (!echo) return echo.error();
  n->nodesCtx_.echoReplyPunt = *echo;
  n->arpPunt_ = *arp;
  n->missPunt_ = *miss;
  n->nodesCtx_.local = n->local_.get();
  n->nodesCtx_.groups = n->groups_.get();
  n->nodesCtx_.neighbors = n->neighbors_.get();
  n->nodesCtx_.arpPunt = n->arpPunt_;
  n->nodesCtx_.ndPunt = *nd;
  n->nodesCtx_.missPunt = n->missPunt_;
  n->nodesCtx_.tenants = n->tenants_.get();
  for (const auto& a : providerAddresses) {
    kLog.info("provider address", {{"port", a.port}, {"address", a.addressText()}});
  }
  return n;
}

void NodeDataplane::setMulticastGroups(std::vector<IpAddr> groups) {
  fib::MulticastGroups next(std::move(groups));
  if (next.list() == groups_->get()->list()) return;
  std::string text;
  for (const auto& g : next.list()) text += (text.empty() ? "" : ",") + g.toString();
  kLog.info("multicast groups", {{"groups", text.empty() ? "none" : text}});
  groups_->publish(std::make_unique<const fib::MulticastGroups>(std::move(next)));
}

void NodeDataplane::publishTenants(std::unique_ptr<const fib::TenantTables> tables) {
  tenants_->publish(std::move(tables));
  resolver_->forgetGoneScopes();
}

Status NodeDataplane::start(boost::asio::io_context& io) {
  if (auto st = dp_->start(); !st) return st;
  for (const auto& p : dp_->ports()) {
    kLog.info("port up", {{"port", p.name()},
                          {"device", std::to_string(p.id().value())},
                          {"mac", p.mac().toString()},
                          {"mtu", std::to_string(p.mtu())},
                          {"role", p.role() == dp::PortRole::Vm ? "vm" : "uplink"}});
  }
  timer_ = std::make_unique<boost::asio::steady_timer>(io);
  // A duplicate of the eventfd: the descriptor object closes its own copy.
  wake_ = std::make_unique<boost::asio::posix::stream_descriptor>(io, ::dup(dp_->control().wakeFd()));
  lastTick_ = std::chrono::steady_clock::now();
  scheduleTick();
  waitForPunts();
  return okStatus();
}

void NodeDataplane::waitForPunts() {
  wake_->async_read_some(boost::asio::buffer(&wakeValue_, sizeof wakeValue_),
                         [this](const boost::system::error_code& ec, std::size_t) {
                           if (ec) return;  // cancelled by stop()
                           drainPunts();
                           waitForPunts();
                         });
}

void NodeDataplane::drainPunts() {
  // A full burst may leave more: come back after the io_context served others.
  if (dp_->control().drain(kDrainBurst) == kDrainBurst && !drainPosted_) {
    drainPosted_ = true;
    boost::asio::post(timer_->get_executor(), [this] {
      drainPosted_ = false;
      if (timer_) drainPunts();
    });
  }
}

void NodeDataplane::scheduleTick() {
  timer_->expires_after(fast_ || pinger_->running() != 0 ? kPingTickPeriod : kTickPeriod);
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled by stop()
    drainPunts();  // the backstop for a wake-up lost to a race
    auto now = std::chrono::steady_clock::now();
    if (pinger_->running() != 0) pinger_->tick(now);
    fast_ = false;
    for (auto& t : tickers_) fast_ = t(now) || fast_;
    if (capture_) {
      serviceCapture(now);
      fast_ = fast_ || capture_ != nullptr;
    }
    if (now - lastTick_ >= kTickPeriod) {
      resolver_->tick(now);
      checkUplinks();
      lastTick_ = now;
    }
    scheduleTick();
  });
}

Status NodeDataplane::startCapture(const std::vector<std::string>& ports, const std::string& file, std::uint64_t count,
                                   std::chrono::milliseconds duration, CaptureDone done) {
  if (capture_) return makeError(Errc::Unavailable, "capture", capture_->path(), "a capture is already running");
  if (ports.empty()) return makeError(Errc::InvalidArgument, "params.ports", "", "at least one port is required");
  std::vector<CapturePort> chosen;
  for (const auto& name : ports) {
    const dp::Port* p = dp_->port(name);
    if (p == nullptr) return makeError(Errc::NotFound, "params.ports", name, "no port of that name");
    if (p->id().value() >= dp::CaptureTap::kMaxPorts) {
      return makeError(Errc::OutOfRange, "params.ports", name, "port ids above 63 cannot be captured");
    }
    chosen.push_back(CapturePort{p->id().value(), name, portVsid_ ? portVsid_(p->id().value()) : std::nullopt});
  }
  auto session = CaptureSession::open(file, chosen, count, duration, annotate_);
  if (!session) return session.error();
  capture_ = std::move(*session);
  captureDone_ = std::move(done);
  captureLost0_ = dp_->capture().lost();
  for (const auto& p : capture_->ports()) dp_->capture().arm(p.id);
  kLog.info("capture started", {{"file", file}, {"packets", std::to_string(count)}});
  // Take the fast tick at once rather than at the next slow one.
  fast_ = true;
  timer_->cancel();
  scheduleTick();
  return okStatus();
}

void NodeDataplane::serviceCapture(std::chrono::steady_clock::time_point now) {
  dp_->capture().drain([this](const rte_mbuf* m, std::uint16_t port, dp::CaptureDirection dir, std::uint64_t tsc) {
    capture_->write(m, port, dir, tsc);
  });
  capture_->flush();
  if (!capture_->done(now)) return;
  for (const auto& p : capture_->ports()) dp_->capture().disarm(p.id);
  // Copies taken after the limit are drained and dropped with the session.
  dp_->capture().drain([](const rte_mbuf*, std::uint16_t, dp::CaptureDirection, std::uint64_t) {});
  boost::json::object result{{"file", capture_->path()}, {"packets", capture_->written()},
                             {"lost", dp_->capture().lost() - captureLost0_}};
  kLog.info("capture finished", {{"file", capture_->path()}, {"packets", std::to_string(capture_->written())}});
  capture_.reset();
  auto done = std::move(captureDone_);
  done(boost::json::value(std::move(result)));
}

void NodeDataplane::checkUplinks() {
  // Team members: uplinks that are the home of a provider address, with
  // link, in configuration order. Other uplinks (a gateway's trunk or a
  // port dedicated to a tenant) never take the underlay's addresses.
  std::vector<std::string> up;
  for (const auto& p : dp_->ports()) {
    const bool member = std::any_of(configured_.begin(), configured_.end(),
                                    [&](const fib::ProviderAddressConfig& pa) { return pa.port == p.name(); });
    if (p.role() == dp::PortRole::Underlay && member && p.link().up) up.push_back(p.name());
  }
  std::vector<fib::ProviderAddressConfig> next = configured_;
  for (auto& pa : next) {
    if (up.empty() || std::find(up.begin(), up.end(), pa.port) != up.end()) continue;
    pa.port = up.front();
  }
  bool changed = false;
  for (std::size_t i = 0; i < next.size(); ++i) changed = changed || next[i].port != placed_[i].port;
  if (!changed) return;
  auto local = fib::buildLocalAddresses(next, *dp_);
  if (!local) {
    kLog.error("provider addresses not moved", {{"error", local.error().message()}});
    return;
  }
  local_->publish(std::make_unique<const fib::LocalAddresses>(std::move(*local)));
  for (std::size_t i = 0; i < next.size(); ++i) {
    if (next[i].port == placed_[i].port) continue;
    ++moves_;
    kLog.notice("provider address moved", {{"address", next[i].addressText()}, {"from", placed_[i].port},
                                          {"to", next[i].port}});
    announce(next[i]);
  }
  placed_ = std::move(next);
}

void NodeDataplane::announce(const fib::ProviderAddressConfig& pa) {
  const dp::Port* port = dp_->port(pa.port);
  if (port == nullptr) return;
  // A gratuitous ARP (an unsolicited NA for IPv6) from the new port's MAC:
  // peers re-resolve the PA at once.
  if (const auto* v4 = std::get_if<InterfaceAddress4>(&pa.address)) {
    (void)fib::sendArpRequest(dp_->control(), dp_->pool(), port->id().value(), port->mac(), v4->address(),
                              v4->address());
  } else if (const auto* v6 = std::get_if<InterfaceAddress6>(&pa.address)) {
    (void)fib::sendUnsolicitedNa(dp_->control(), dp_->pool(), port->id().value(), port->mac(), v6->address());
  }
}

void NodeDataplane::stop() {
  if (timer_) timer_->cancel();
  if (wake_) {
    boost::system::error_code ec;
    wake_->cancel(ec);
  }
  if (dp_) dp_->stop();
}

NodeDataplane::~NodeDataplane() {
  // The order is stated in the header: timer, workers, resolver, Dataplane, tables.
  stop();
  wake_.reset();
  timer_.reset();
  capture_.reset();
  pinger_.reset();
  resolver_.reset();
  dp_.reset();
  neighbors_.reset();
  tenants_.reset();
  groups_.reset();
  local_.reset();
}

}  // namespace hnv::daemon
