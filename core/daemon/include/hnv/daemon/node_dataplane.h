// The part of a data-plane daemon that hnvgwd and hnv-hostd share: the
// Dataplane, the node's provider addresses, the underlay neighbour table
// with its resolver, and the control loop that serves the control path.
//
// Start-up (control thread):
//   auto node = NodeDataplane::create(dataplaneConfig, providerAddresses);
//   ... the program adds its modules' nodes to node->dataplane().catalog(),
//       reading node->nodesContext(), node->neighbors(), node->missPunt() ...
//   node->start(io);   // workers, then the control loop on `io`
//
// Punt kinds: "arp" (ARP that teaches the resolver something, from
// arp-input), "nd" (the same for IPv6 neighbour discovery, from icmp6-local)
// and "neighbor-miss" (a finished frame whose underlay next hop has no MAC
// yet) go to the NeighborResolver; "echo-reply" (ICMP and ICMPv6 echo
// replies to the node, from icmp4-local and icmp6-local) goes to the PaPinger.
//
// The control loop runs on the program's io_context. It sleeps on the punt
// path's eventfd (written by a worker that punts into an empty ring) and then
// drains punted packets 256 at a time, yielding to the io_context between
// bursts so that the API stays responsive under a punt flood (the punt ring
// drops and counts what does not fit). A timer, every 100 ms (10 ms while a
// PA ping runs), lets the resolver retry and give up, checks the uplinks and
// drains as a backstop. An idle node thus wakes 10 times a second.
//
// Uplink failover (NIC teaming, spec section 3): every 100 ms the loop reads
// the link state of the uplinks that are home to a provider address (the
// team). A provider address whose port is down moves to the first team
// member that is up, and back when its own port returns; each
// move publishes new LocalAddresses (arp-input answers for the PA on its new
// port, nvgre-encap sends from it) and announces the PA with a gratuitous
// ARP from the new port's MAC (an unsolicited Neighbor Advertisement for an
// IPv6 PA), so that peers re-resolve at once.
//
// Teardown order (the destructor, or stop() then the destructor):
//   1. the control loop's timer is cancelled (no handler touches the
//      resolver again);
//   2. the workers are joined: nothing reads the tables or punts any more;
//   3. the PA pinger, then the resolver go: the resolver frees the frames it holds, which come from the
//      Dataplane's mempool, so this must happen before the Dataplane (pool,
//      then EAL) is destroyed;
//   4. the Dataplane: ports, control path (freeing punted frames left on its
//      rings without calling handlers), pool, RCU, EAL;
//   5. the published tables (plain heap memory, read by nobody now).
// A program's own tables (the overlay policy) must likewise outlive the
// workers: destroy the NodeDataplane (or call stop()) before them.
//
// Thread: control (the io_context's thread once started).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <memory>
#include <span>
#include <vector>

#include "hnv/base/result.h"
#include "hnv/daemon/capture_session.h"
#include "hnv/dp/dataplane.h"
#include "hnv/fib/neighbor_resolver.h"
#include "hnv/fib/pa_pinger.h"
#include "hnv/fib/provider_addresses.h"
#include "hnv/nodes/context.h"

namespace hnv::daemon {

class NodeDataplane {
 public:
  static constexpr unsigned kDrainBurst = 256;
  static constexpr std::chrono::milliseconds kTickPeriod{100};
  static constexpr std::chrono::milliseconds kPingTickPeriod{10};

  // Brings up EAL, pool and ports, publishes the provider addresses and an
  // empty neighbour table, and registers the punt kinds.
  static Result<std::unique_ptr<NodeDataplane>> create(const dp::DataplaneConfig& config,
                                                       std::span<const fib::ProviderAddressConfig> providerAddresses);
  // The provider addresses as configured (on their home ports).
  const std::vector<fib::ProviderAddressConfig>& configuredAddresses() const { return configured_; }
  // Where each provider address is now (port name), after failover.
  const std::vector<fib::ProviderAddressConfig>& placedAddresses() const { return placed_; }
  std::uint64_t addressMoves() const { return moves_; }
  ~NodeDataplane();
  NodeDataplane(const NodeDataplane&) = delete;
  NodeDataplane& operator=(const NodeDataplane&) = delete;

  dp::Dataplane& dataplane() { return *dp_; }
  const dp::Published<fib::LocalAddresses>& local() const { return *local_; }
  const dp::Published<fib::NeighborTable>& neighbors() const { return *neighbors_; }
  // The tenants' external interfaces and VRFs (a gateway publishes them from
  // its policy; empty otherwise). Neighbours on those interfaces are resolved
  // by the same resolver, each interface in its own scope.
  const dp::Published<fib::TenantTables>& tenants() const { return *tenants_; }
  // Publishes new tenant tables; the neighbours of interfaces they no longer have are forgotten.
  void publishTenants(std::unique_ptr<const fib::TenantTables> tables);
  // The multicast groups ip4-input and ip6-input accept NVGRE on (the PA
  // multicast groups of the VSIDs with local members); published only when
  // changed.
  void setMulticastGroups(std::vector<IpAddr> groups);
  const fib::MulticastGroups& multicastGroups() const { return *groups_->get(); }
  const fib::NeighborResolver& resolver() const { return *resolver_; }
  fib::PaPinger& pinger() { return *pinger_; }
  dp::PuntKind arpPunt() const { return arpPunt_; }
  dp::PuntKind missPunt() const { return missPunt_; }
  // What the generic nodes read (local, neighbors, arpPunt), filled in.
  nodes::NodesContext& nodesContext() { return nodesCtx_; }

  // Capture to pcapng (hnvctl capture): the named ports' traffic, both
  // directions, until `count` packets or `duration`; `done` gets the file,
  // the packet count and the copies lost. One capture at a time.
  using CaptureDone = std::function<void(Result<boost::json::value>)>;
  Status startCapture(const std::vector<std::string>& ports, const std::string& file, std::uint64_t count,
                      std::chrono::milliseconds duration, CaptureDone done);
  // How the program names a port's VSID (hnv-hostd: its VM ports).
  void setPortVsid(std::function<std::optional<std::uint32_t>(std::uint16_t port)> f) { portVsid_ = std::move(f); }
  // What the program adds to each captured packet's comment (hnvgwd: the tenant).
  void setCaptureAnnotator(CaptureAnnotator f) { annotate_ = std::move(f); }

  // A program's periodic work on the control loop (a running diagnostic):
  // called on every tick; returning true asks for the fast tick period.
  using Ticker = std::function<bool(std::chrono::steady_clock::time_point now)>;
  void addTicker(Ticker t) { tickers_.push_back(std::move(t)); }

  // Announces every provider address where it is placed now, as uplink
  // failover does (a cluster member that becomes active).
  void announceProviderAddresses() {
    for (const auto& pa : placed_) announce(pa);
  }

  // Starts the workers, then the control loop on `io` (it runs when `io` does).
  Status start(boost::asio::io_context& io);
  // Cancels the control loop and joins the workers; idempotent.
  void stop();

 private:
  NodeDataplane() = default;
  void scheduleTick();
  void waitForPunts();
  void drainPunts();
  // Moves provider addresses off uplinks that are down (and back); see above.
  void checkUplinks();
  void announce(const fib::ProviderAddressConfig& pa);

  std::unique_ptr<dp::Dataplane> dp_;
  std::unique_ptr<dp::Published<fib::LocalAddresses>> local_;
  std::unique_ptr<dp::Published<fib::MulticastGroups>> groups_;
  std::unique_ptr<dp::Published<fib::NeighborTable>> neighbors_;
  std::unique_ptr<dp::Published<fib::TenantTables>> tenants_;
  std::unique_ptr<fib::NeighborResolver> resolver_;
  std::unique_ptr<fib::PaPinger> pinger_;
  dp::PuntKind arpPunt_ = 0;
  dp::PuntKind missPunt_ = 0;
  nodes::NodesContext nodesCtx_;
  void serviceCapture(std::chrono::steady_clock::time_point now);
  std::vector<Ticker> tickers_;
  std::unique_ptr<CaptureSession> capture_;
  CaptureDone captureDone_;
  std::uint64_t captureLost0_ = 0;
  std::function<std::optional<std::uint32_t>(std::uint16_t)> portVsid_;
  CaptureAnnotator annotate_;
  bool fast_ = false;  // a ticker or the pinger asked for kPingTickPeriod
  std::vector<fib::ProviderAddressConfig> configured_;  // home ports
  std::vector<fib::ProviderAddressConfig> placed_;      // current ports
  std::uint64_t moves_ = 0;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> wake_;
  std::uint64_t wakeValue_ = 0;
  bool drainPosted_ = false;
  std::chrono::steady_clock::time_point lastTick_{};
};

}  // namespace hnv::daemon
