// What gateway_bench, nat_bench and vpn_bench share around their own
// tables: the gateway's underlay (port 0, its PA 192.0.2.1/24 of the
// tenant plan) and the 64 hosts as neighbours, the compiled tables
// published to the worker as hnvgwd publishes them (dp::Published over one
// RCU), the node contexts over them, and the one worker graph of every
// module's nodes with the bench's source and sinks.
//
// Use: construct (the RCU: a VpnManager needs it first), fill `nat` and
// `vpn` beyond the defaults if the bench has NAT or tunnels, publish(),
// then graph().
#pragma once

#include <memory>
#include <string_view>

#include "bench_graph.h"
#include "tenant_plan.h"
#include "hnv/dp/rcu.h"
#include "hnv/fib/tenant_tables.h"
#include "hnv/nat/module.h"
#include "hnv/nodes/module.h"
#include "hnv/overlay/module.h"
#include "hnv/overlay/overlay_policy.h"
#include "hnv/vpn/module.h"

namespace hnv::bench {

class GatewayRig {
 public:
  explicit GatewayRig(std::string_view program) : program_(program) {
    auto rcu = dp::Rcu::create(1);
    if (!rcu) fail(program_, rcu.error().message());
    rcu_ = std::move(*rcu);
    nat.sessionsPerWorker = 0;  // no NAT unless the bench configures it
  }

  dp::Rcu& rcu() { return *rcu_; }

  // The tenant plan's 64 hosts on the underlay port, for the caller's
  // neighbour table (it adds its routers).
  static fib::NeighborTable::Map hostNeighbors() {
    fib::NeighborTable::Map m;
    for (std::uint32_t h = 0; h < kHosts; ++h) m.emplace(hostPa(h), fib::Neighbor{hostMac(h), kUnderlay});
    return m;
  }

  void publish(fib::TenantTables tenants, fib::NeighborTable::Map neighbors, overlay::OverlayPolicy policy) {
    fib::PortAddresses up;
    up.port = kUnderlay;
    up.mac = kUnderlayMac;
    up.mtu = 1500;
    up.v4.push_back(*InterfaceAddress4::parse("192.0.2.1/24"));
    auto local = fib::LocalAddresses::build({up});
    if (!local) fail(program_, local.error().message());
    local_ = std::make_unique<dp::Published<fib::LocalAddresses>>(
        *rcu_, std::make_unique<const fib::LocalAddresses>(std::move(*local)));
    neighbors_ = std::make_unique<dp::Published<fib::NeighborTable>>(
        *rcu_, std::make_unique<const fib::NeighborTable>(std::move(neighbors)));
    tenants_ = std::make_unique<dp::Published<fib::TenantTables>>(
        *rcu_, std::make_unique<const fib::TenantTables>(std::move(tenants)));
    policy_ = std::make_unique<dp::Published<overlay::OverlayPolicy>>(
        *rcu_, std::make_unique<const overlay::OverlayPolicy>(std::move(policy)));
    nodes_.local = local_.get();
    nodes_.neighbors = neighbors_.get();
    nodes_.tenants = tenants_.get();
    nodes_.tenantMss = 1418;
    overlay_.policy = policy_.get();
    overlay_.local = local_.get();
    overlay_.neighbors = neighbors_.get();
    overlay_.tenants = tenants_.get();
  }
  const dp::Published<fib::TenantTables>& tenants() const { return *tenants_; }

  // The worker graph of every module's nodes (after publish()).
  rte_graph* graph(const std::string& name, CounterRegistry& counters) {
    for (auto s : {addBenchNodes(catalog_), nodes::addGenericNodes(catalog_, nodes_),
                   overlay::addOverlayNodes(catalog_, overlay_), nat::addNatNodes(catalog_, nat, 1),
                   vpn::addVpnNodes(catalog_, vpn, 1)}) {
      if (!s) fail(program_, s.error().message());
    }
    graph_ = makeGraph(program_, name, catalog_, counters, trace_);
    return graph_->graph();
  }
  // The graph goes before the tables and contexts it reads.
  ~GatewayRig() { graph_.reset(); }

  nat::NatContext nat;  // no NAT unless filled: the nodes only complete ip4-lookup's edges
  vpn::VpnContext vpn;  // no tunnels unless filled

 private:
  std::string_view program_;
  std::unique_ptr<dp::Rcu> rcu_;
  std::unique_ptr<dp::Published<fib::LocalAddresses>> local_;
  std::unique_ptr<dp::Published<fib::NeighborTable>> neighbors_;
  std::unique_ptr<dp::Published<fib::TenantTables>> tenants_;
  std::unique_ptr<dp::Published<overlay::OverlayPolicy>> policy_;
  nodes::NodesContext nodes_;
  overlay::OverlayContext overlay_;
  dp::NodeCatalog catalog_;
  dp::TraceBuffer trace_{0};
  std::unique_ptr<dp::WorkerGraph> graph_;
};

}  // namespace hnv::bench
