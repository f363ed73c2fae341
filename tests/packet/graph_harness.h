// Packet tests: the real nodes in a real rte_graph, without ports.
//
// The harness registers test endpoints under the names the nodes use for
// their edges: "port-rx" injects prepared frames into one of the entry nodes
// (`entries`, edge 1.. in that order; rte_graph keeps the first registration
// of a name for the whole process, so one test binary uses one list);
// "port-tx", "drop" and "punt" collect what comes out. A test adds the node types under test (through
// the same module functions the programs call), builds the graph and runs
// frames through it on the test thread; then it checks the frames sent,
// the frames dropped and the named counters.
//
// EAL is initialised once per test binary (no hugepages, one lcore).
#pragma once

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hnv/base/counters.h"
#include "hnv/dp/catalog.h"
#include "hnv/dp/graph.h"
#include "hnv/dp/packet.h"
#include "hnv/dp/trace.h"
#include "hnv/fib/local_addresses.h"

namespace hnv::test {

struct SentFrame {
  std::uint16_t port = 0;
  std::vector<std::uint8_t> bytes;
};

struct PuntedFrame {
  std::uint8_t kind = 0;  // meta.control
  std::uint16_t txPort = 0;
  std::vector<std::uint8_t> bytes;
  dp::PacketMeta meta{};  // as the punting node left it (fib::nextHop reads the next hop)
};

struct RunResult {
  std::vector<SentFrame> sent;
  std::vector<std::vector<std::uint8_t>> dropped;
  std::vector<PuntedFrame> punted;
};

class GraphHarness {
 public:
  explicit GraphHarness(std::vector<std::string> entries = {"eth-input"});
  ~GraphHarness();

  // Add the node types under test before build().
  dp::NodeCatalog& catalog() { return catalog_; }
  void build();

  // Injects each frame as received on `rxPort` into entry node `entry` and
  // walks until the graph is idle.
  RunResult run(const std::vector<std::vector<std::uint8_t>>& frames, std::uint16_t rxPort = 0, std::size_t entry = 0);
  RunResult run(const std::vector<std::uint8_t>& frame, std::uint16_t rxPort = 0, std::size_t entry = 0) {
    return run(std::vector<std::vector<std::uint8_t>>{frame}, rxPort, entry);
  }

  // Injects prepared mbufs (chained, with offload flags) as received on `rxPort`.
  RunResult runMbufs(const std::vector<rte_mbuf*>& mbufs, std::uint16_t rxPort = 0, std::size_t entry = 0);

  std::uint64_t counter(const std::string& name, const std::vector<CounterLabel>& labels) const;
  std::uint64_t nodeError(const std::string& node, const std::string& error) const {
    return counter("hnv_node_errors_total", {{"node", node}, {"error", error}});
  }
  dp::TraceBuffer& trace() { return trace_; }
  CounterRegistry& registry() { return counters_; }

  struct Endpoints;

 private:
  RunResult walk();
  dp::NodeCatalog catalog_;
  CounterRegistry counters_{2};
  dp::TraceBuffer trace_{0};
  std::unique_ptr<Endpoints> endpoints_;
  std::unique_ptr<dp::WorkerGraph> graph_;
};

rte_mempool* testPool();

// A node's provider addresses on one uplink (MTU 1500), e.g. ("192.0.2.11/24").
fib::LocalAddresses oneUplink(std::uint16_t port, const MacAddr& mac, std::string_view address);

// `bytes` as a chain of mbufs of at most `segment` bytes each (a VM's TSO frame).
rte_mbuf* chainedMbuf(const std::vector<std::uint8_t>& bytes, std::size_t segment = 2048);

}  // namespace hnv::test
