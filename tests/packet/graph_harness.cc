#include "graph_harness.h"

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_graph_worker.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>

#include "hnv/dp/mempool.h"
#include "hnv/dp/node.h"
#include "hnv/dp/packet.h"

namespace hnv::test {
namespace {

rte_mempool* gPool = nullptr;

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    std::string prefix = "hnvpkt" + std::to_string(::getpid());
    std::vector<std::string> args{"packet-tests", "--no-pci",    "--no-huge",   "-m",  "128", "-l", "0",
                                  "--log-level=3", "--no-telemetry", "--file-prefix", prefix};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    ASSERT_GE(rte_eal_init(static_cast<int>(argv.size()), argv.data()), 0) << "rte_eal_init failed";
    dp::PoolConfig pc;
    pc.name = "pkt-test";
    pc.mbufs = 2047;
    pc.cacheSize = 0;
    auto pool = dp::createPacketPool(pc);
    ASSERT_TRUE(pool.ok()) << pool.error().message();
    gPool = pool->release();
  }
  void TearDown() override { rte_eal_cleanup(); }
};

const auto* const gEnv = ::testing::AddGlobalTestEnvironment(new EalEnvironment);

std::vector<std::uint8_t> copyOut(rte_mbuf* m) {
  const auto* p = rte_pktmbuf_mtod(m, const std::uint8_t*);
  return {p, p + rte_pktmbuf_data_len(m)};
}

}  // namespace

rte_mempool* testPool() { return gPool; }

struct GraphHarness::Endpoints {
  std::deque<rte_mbuf*> pending;
  std::uint16_t rxPort = 0;
  rte_edge_t edge = 1;
  RunResult result;
};

namespace {

struct TestRxNode {
  static constexpr std::string_view kName = "port-rx";
  static constexpr bool kSource = true;
  // Edges are set at construction (GraphHarness(entries)).
  enum class Next : std::uint16_t { Drop = 0 };
  static constexpr std::array<std::string_view, 1> kNextNames{"drop"};
  enum class Error : std::uint16_t {};
  static constexpr std::array<std::string_view, 0> kErrorNames{};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void**, std::uint16_t) {
    dp::NodeEnv& env = dp::nodeEnv(node);
    auto& ep = *static_cast<GraphHarness::Endpoints*>(env.state);
    std::uint16_t n = 0;
    const rte_edge_t edge = ep.edge;
    void** out = rte_node_next_stream_get(graph, node, edge, 32);
    while (!ep.pending.empty() && n < 32) {
      rte_mbuf* m = ep.pending.front();
      ep.pending.pop_front();
      dp::resetMeta(m, ep.rxPort);
      dp::meta(m).traceId = env.trace->take(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m), ep.rxPort);
      out[n++] = m;
    }
    rte_node_next_stream_put(graph, node, edge, n);
    return n;
  }
};

enum class Sink { Tx, Drop, Punt };

template <Sink kKind>
struct TestSinkNode {
  static constexpr std::string_view kName = kKind == Sink::Tx ? "port-tx" : kKind == Sink::Drop ? "drop" : "punt";
  static constexpr bool kSink = true;
  static constexpr std::array<std::string_view, 0> kNextNames{};
  enum class Error : std::uint16_t {};
  static constexpr std::array<std::string_view, 0> kErrorNames{};
  static std::uint16_t process(rte_graph*, rte_node* node, void** objs, std::uint16_t count) {
    auto& ep = *static_cast<GraphHarness::Endpoints*>(dp::nodeEnv(node).state);
    for (std::uint16_t i = 0; i < count; ++i) {
      auto* m = static_cast<rte_mbuf*>(objs[i]);
      if constexpr (kKind == Sink::Tx) {
        ep.result.sent.push_back(SentFrame{dp::meta(m).txPort, copyOut(m)});
      } else if constexpr (kKind == Sink::Punt) {
        ep.result.punted.push_back(PuntedFrame{dp::meta(m).control, dp::meta(m).txPort, copyOut(m), dp::meta(m)});
      } else {
        ep.result.dropped.push_back(copyOut(m));
      }
      rte_pktmbuf_free(m);
    }
    return count;
  }
};

}  // namespace

GraphHarness::GraphHarness(std::vector<std::string> entries) : endpoints_(std::make_unique<Endpoints>()) {
  auto state = [this](unsigned) { return endpoints_.get(); };
  dp::NodeDesc rx = dp::describeNode<TestRxNode>(state);
  rx.nextNodes = {"drop"};
  rx.nextNodes.insert(rx.nextNodes.end(), entries.begin(), entries.end());
  for (auto st : {catalog_.add(std::move(rx)), catalog_.add(dp::describeNode<TestSinkNode<Sink::Tx>>(state)),
                  catalog_.add(dp::describeNode<TestSinkNode<Sink::Drop>>(state)),
                  catalog_.add(dp::describeNode<TestSinkNode<Sink::Punt>>(state))}) {
    EXPECT_TRUE(st.ok()) << st.error().message();
  }
}

GraphHarness::~GraphHarness() = default;

void GraphHarness::build() {
  auto g = dp::WorkerGraph::create("pkt", catalog_, 0, SOCKET_ID_ANY, counters_, trace_);
  ASSERT_TRUE(g.ok()) << g.error().message();
  graph_ = std::move(*g);
}

RunResult GraphHarness::run(const std::vector<std::vector<std::uint8_t>>& frames, std::uint16_t rxPort, std::size_t entry) {
  endpoints_->result = RunResult{};
  endpoints_->rxPort = rxPort;
  endpoints_->edge = static_cast<rte_edge_t>(entry + 1);
  for (const auto& f : frames) {
    rte_mbuf* m = rte_pktmbuf_alloc(gPool);
    EXPECT_NE(m, nullptr);
    if (m == nullptr) break;
    char* p = rte_pktmbuf_append(m, static_cast<std::uint16_t>(f.size()));
    EXPECT_NE(p, nullptr) << "frame of " << f.size() << " bytes does not fit an mbuf";
    if (p == nullptr) {
      rte_pktmbuf_free(m);
      continue;
    }
    std::memcpy(p, f.data(), f.size());
    endpoints_->pending.push_back(m);
  }
  return walk();
}

RunResult GraphHarness::runMbufs(const std::vector<rte_mbuf*>& mbufs, std::uint16_t rxPort, std::size_t entry) {
  endpoints_->result = RunResult{};
  endpoints_->rxPort = rxPort;
  endpoints_->edge = static_cast<rte_edge_t>(entry + 1);
  endpoints_->pending.insert(endpoints_->pending.end(), mbufs.begin(), mbufs.end());
  return walk();
}

RunResult GraphHarness::walk() {
  // Each walk moves up to 32 frames through the whole graph.
  while (!endpoints_->pending.empty()) rte_graph_walk(graph_->graph());
  rte_graph_walk(graph_->graph());
  return endpoints_->result;
}

rte_mbuf* chainedMbuf(const std::vector<std::uint8_t>& bytes, std::size_t segment) {
  rte_mbuf* head = nullptr;
  for (std::size_t at = 0; at < bytes.size(); at += segment) {
    const std::size_t n = std::min(segment, bytes.size() - at);
    rte_mbuf* m = rte_pktmbuf_alloc(gPool);
    EXPECT_NE(m, nullptr);
    if (m == nullptr) break;
    char* p = rte_pktmbuf_append(m, static_cast<std::uint16_t>(n));
    EXPECT_NE(p, nullptr);
    std::memcpy(p, bytes.data() + at, n);
    if (head == nullptr) {
      head = m;
    } else {
      EXPECT_EQ(rte_pktmbuf_chain(head, m), 0);
    }
  }
  return head;
}

std::uint64_t GraphHarness::counter(const std::string& name, const std::vector<CounterLabel>& labels) const {
  auto id = counters_.find(name, labels);
  return id ? counters_.total(*id) : 0;
}

fib::LocalAddresses oneUplink(std::uint16_t port, const MacAddr& mac, std::string_view address) {
  fib::PortAddresses up;
  up.port = port;
  up.mac = mac;
  up.mtu = 1500;
  up.v4.push_back(*InterfaceAddress4::parse(address));
  auto local = fib::LocalAddresses::build({up});
  EXPECT_TRUE(local.ok());
  return std::move(*local);
}

}  // namespace hnv::test
