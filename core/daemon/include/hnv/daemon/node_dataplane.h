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
// arp-input) and "neighbor-miss" (a finished frame whose underlay next hop
// has no MAC yet) both go to the NeighborResolver.
//
// The control loop runs on the program's io_context: every 1 ms it drains up
// to 256 punted packets, and every 100 ms it lets the resolver retry and give
// up. A 1 ms timer bounds the latency a punted packet sees; draining a burst
// at a time keeps the API responsive under a punt flood (the punt ring drops
// and counts what does not fit).
//
// Teardown order (the destructor, or stop() then the destructor):
//   1. the control loop's timer is cancelled (no handler touches the
//      resolver again);
//   2. the workers are joined: nothing reads the tables or punts any more;
//   3. the resolver goes: it frees the frames it holds, which come from the
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
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <span>

#include "hnv/base/result.h"
#include "hnv/dp/dataplane.h"
#include "hnv/fib/neighbor_resolver.h"
#include "hnv/fib/provider_addresses.h"
#include "hnv/nodes/context.h"

namespace hnv::daemon {

class NodeDataplane {
 public:
  static constexpr std::chrono::milliseconds kDrainPeriod{1};
  static constexpr unsigned kDrainBurst = 256;
  static constexpr std::chrono::milliseconds kResolverPeriod{100};

  // Brings up EAL, pool and ports, publishes the provider addresses and an
  // empty neighbour table, and registers the punt kinds.
  static Result<std::unique_ptr<NodeDataplane>> create(const dp::DataplaneConfig& config,
                                                       std::span<const fib::ProviderAddressConfig> providerAddresses);
  ~NodeDataplane();
  NodeDataplane(const NodeDataplane&) = delete;
  NodeDataplane& operator=(const NodeDataplane&) = delete;

  dp::Dataplane& dataplane() { return *dp_; }
  const dp::Published<fib::LocalAddresses>& local() const { return *local_; }
  const dp::Published<fib::NeighborTable>& neighbors() const { return *neighbors_; }
  const fib::NeighborResolver& resolver() const { return *resolver_; }
  dp::PuntKind arpPunt() const { return arpPunt_; }
  dp::PuntKind missPunt() const { return missPunt_; }
  // What the generic nodes read (local, neighbors, arpPunt), filled in.
  nodes::NodesContext& nodesContext() { return nodesCtx_; }

  // Starts the workers, then the control loop on `io` (it runs when `io` does).
  Status start(boost::asio::io_context& io);
  // Cancels the control loop and joins the workers; idempotent.
  void stop();

 private:
  NodeDataplane() = default;
  void scheduleDrain();

  std::unique_ptr<dp::Dataplane> dp_;
  std::unique_ptr<dp::Published<fib::LocalAddresses>> local_;
  std::unique_ptr<dp::Published<fib::NeighborTable>> neighbors_;
  std::unique_ptr<fib::NeighborResolver> resolver_;
  dp::PuntKind arpPunt_ = 0;
  dp::PuntKind missPunt_ = 0;
  nodes::NodesContext nodesCtx_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::chrono::steady_clock::time_point lastTick_{};
};

}  // namespace hnv::daemon
