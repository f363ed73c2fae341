#include "graph_harness.h"

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_graph_worker.h>
#include <rte_mbuf.h>
#include <unistd.h>

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
  RunResult result;
};

namespace {

struct TestRxNode {
  static constexpr std::string_view kName = "port-rx";
  static constexpr bool kSource = true;
  enum class Next : std::uint16_t { Drop = 0, EthInput };
  static constexpr std::array<std::string_view, 2> kNextNames{"drop", "eth-input"};
  enum class Error : std::uint16_t {};
  static constexpr std::array<std::string_view, 0> kErrorNames{};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void**, std::uint16_t) {
    dp::NodeEnv& env = dp::nodeEnv(node);
    auto& ep = *static_cast<GraphHarness::Endpoints*>(env.state);
    std::uint16_t n = 0;
    void** out = rte_node_next_stream_get(graph, node, 1, 32);
    while (!ep.pending.empty() && n < 32) {
      rte_mbuf* m = ep.pending.front();
      ep.pending.pop_front();
      dp::resetMeta(m, ep.rxPort);
      dp::meta(m).traceId = env.trace->take(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m), ep.rxPort);
      out[n++] = m;
    }
    rte_node_next_stream_put(graph, node, 1, n);
    return n;
  }
};

template <bool kTx>
struct TestSinkNode {
  static constexpr std::string_view kName = kTx ? "port-tx" : "drop";
  static constexpr bool kSink = true;
  static constexpr std::array<std::string_view, 0> kNextNames{};
  enum class Error : std::uint16_t {};
  static constexpr std::array<std::string_view, 0> kErrorNames{};
  static std::uint16_t process(rte_graph*, rte_node* node, void** objs, std::uint16_t count) {
    auto& ep = *static_cast<GraphHarness::Endpoints*>(dp::nodeEnv(node).state);
    for (std::uint16_t i = 0; i < count; ++i) {
      auto* m = static_cast<rte_mbuf*>(objs[i]);
      if constexpr (kTx) {
        ep.result.sent.push_back(SentFrame{dp::meta(m).txPort, copyOut(m)});
      } else {
        ep.result.dropped.push_back(copyOut(m));
      }
      rte_pktmbuf_free(m);
    }
    return count;
  }
};

}  // namespace

GraphHarness::GraphHarness() : endpoints_(std::make_unique<Endpoints>()) {
  auto state = [this](unsigned) { return endpoints_.get(); };
  for (auto st : {catalog_.add(dp::describeNode<TestRxNode>(state)),
                  catalog_.add(dp::describeNode<TestSinkNode<true>>(state)),
                  catalog_.add(dp::describeNode<TestSinkNode<false>>(state))}) {
    EXPECT_TRUE(st.ok()) << st.error().message();
  }
}

GraphHarness::~GraphHarness() = default;

void GraphHarness::build() {
  auto g = dp::WorkerGraph::create("pkt", catalog_, 0, SOCKET_ID_ANY, counters_, trace_);
  ASSERT_TRUE(g.ok()) << g.error().message();
  graph_ = std::move(*g);
}

RunResult GraphHarness::run(const std::vector<std::vector<std::uint8_t>>& frames, std::uint16_t rxPort) {
  endpoints_->result = RunResult{};
  endpoints_->rxPort = rxPort;
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
  // Each walk moves up to 32 frames through the whole graph.
  while (!endpoints_->pending.empty()) rte_graph_walk(graph_->graph());
  rte_graph_walk(graph_->graph());
  return endpoints_->result;
}

std::uint64_t GraphHarness::counter(const std::string& name, const std::vector<CounterLabel>& labels) const {
  auto id = counters_.find(name, labels);
  return id ? counters_.total(*id) : 0;
}

}  // namespace hnv::test
