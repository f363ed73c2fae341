// What the data-plane benchmarks share: the recycling packet source and
// sinks that stand for port-rx/port-tx/drop/punt, the measured walk loop
// (callgrind toggles on it), and small helpers.
//
// The source ("port-rx") hands 32 mbufs per graph walk to the entry node
// the scenario picks. The mbufs are recycled, never allocated or freed: the
// sinks put them back on a FIFO ring, and the source restores each to the
// next of the scenario's frame templates (data offset, lengths, offload
// flags, the first kRestore bytes, which hold every header the nodes read
// or write, and the packet metadata) as a NIC's receive would. Several
// templates (many tenants, many flows) are handed out round robin.
#pragma once

#include <rte_graph_worker.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "hnv/dp/node.h"
#include "hnv/dp/packet.h"

// The CMake build type the benchmark was compiled in (set by bench/dataplane/CMakeLists.txt).
#ifndef HNV_BENCH_BUILD_TYPE
#define HNV_BENCH_BUILD_TYPE "unknown"
#endif

namespace hnv::bench {

inline constexpr std::uint16_t kBurst = 32;
// Bytes of a template restored into each recycled mbuf: every header of
// every scenario (the longest is an NVGRE frame's 42 + 42 bytes, or 46 with
// a VLAN tag on the inner side).
inline constexpr std::size_t kRestore = 128;

struct Ring {
  std::vector<rte_mbuf*> slots;  // size: a power of two
  std::size_t head = 0, tail = 0;
  std::size_t mask() const { return slots.size() - 1; }
  std::size_t size() const { return tail - head; }
  rte_mbuf* pop() { return slots[head++ & mask()]; }
  void push(rte_mbuf* m) { slots[tail++ & mask()] = m; }
};

struct Template {
  std::vector<std::uint8_t> frame;
  std::uint16_t rxPort = 0;
};

struct BenchState {
  Ring ring;
  // The current scenario.
  const std::vector<Template>* templates = nullptr;
  std::size_t next = 0;  // the template the next packet gets
  rte_edge_t edge = 0;
  // Outcome.
  std::uint64_t sent = 0, dropped = 0, punted = 0;
  bool capture = false;
  struct Captured {
    std::uint16_t txPort;
    std::vector<std::uint8_t> bytes;
  };
  std::vector<Captured> captured;
};

// The one state of the benchmark process (sources and sinks are process-wide).
inline BenchState& benchState() {
  static BenchState s;
  return s;
}

// Where the source hands packets: the entry node of the scenario's path.
enum class Entry : std::uint16_t { Drop = 0, VmInput, EthInput, PortTx };

// The source.
struct BenchRxNode {
  static constexpr std::string_view kName = "port-rx";
  static constexpr bool kSource = true;
  enum class Next : std::uint16_t { Drop = 0, VmInput, EthInput, PortTx };
  static constexpr std::array<std::string_view, 4> kNextNames{"drop", "vm-input", "eth-input", "port-tx"};
  enum class Error : std::uint16_t {};
  static constexpr std::array<std::string_view, 0> kErrorNames{};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void**, std::uint16_t) {
    dp::NodeEnv& env = dp::nodeEnv(node);
    BenchState& st = *static_cast<BenchState*>(env.state);
    const std::vector<Template>& tpls = *st.templates;
    void** out = rte_node_next_stream_get(graph, node, st.edge, kBurst);
    for (std::uint16_t i = 0; i < kBurst; ++i) {
      rte_mbuf* m = st.ring.pop();
      const Template& t = tpls[st.next];
      st.next = st.next + 1 == tpls.size() ? 0 : st.next + 1;
      const auto len = static_cast<std::uint16_t>(t.frame.size());
      // What the NIC's receive would have left: the frame at the default
      // headroom, one segment, no offload flags.
      m->data_off = RTE_PKTMBUF_HEADROOM;
      m->data_len = len;
      m->pkt_len = len;
      m->ol_flags = 0;
      m->packet_type = 0;
      rte_memcpy(rte_pktmbuf_mtod(m, void*), t.frame.data(), std::min<std::size_t>(kRestore, len));
      dp::resetMeta(m, t.rxPort);
      out[i] = m;
    }
    rte_node_next_stream_put(graph, node, st.edge, kBurst);
    env.counters->add(env.packetsId, kBurst);  // as the real port-rx does
    return kBurst;
  }
};

enum class Sink { Tx, Drop, Punt };

template <Sink kKind>
struct BenchSinkNode {
  static constexpr std::string_view kName = kKind == Sink::Tx ? "port-tx" : kKind == Sink::Drop ? "drop" : "punt";
  static constexpr bool kSink = true;
  static constexpr std::array<std::string_view, 0> kNextNames{};
  enum class Error : std::uint16_t {};
  static constexpr std::array<std::string_view, 0> kErrorNames{};
  static std::uint16_t process(rte_graph*, rte_node* node, void** objs, std::uint16_t count) {
    BenchState& st = *static_cast<BenchState*>(dp::nodeEnv(node).state);
    if constexpr (kKind == Sink::Tx) {
      st.sent += count;
      if (unlikely(st.capture)) {
        for (std::uint16_t i = 0; i < count; ++i) {
          auto* m = static_cast<rte_mbuf*>(objs[i]);
          const auto* p = rte_pktmbuf_mtod(m, const std::uint8_t*);
          st.captured.push_back({dp::meta(m).txPort, {p, p + rte_pktmbuf_data_len(m)}});
        }
      }
    } else if constexpr (kKind == Sink::Drop) {
      st.dropped += count;
    } else {
      st.punted += count;
    }
    for (std::uint16_t i = 0; i < count; ++i) st.ring.push(static_cast<rte_mbuf*>(objs[i]));
    return count;
  }
};

// Points the source at `templates` (from the first) and writes whole frames
// into the ring's mbufs, so that bytes past kRestore are a real frame's.
inline void selectTemplates(const std::vector<Template>& templates, Entry entry) {
  BenchState& st = benchState();
  st.templates = &templates;
  st.next = 0;
  st.edge = static_cast<rte_edge_t>(entry);
  std::size_t i = 0;
  for (rte_mbuf* m : st.ring.slots) {
    const auto& f = templates[i++ % templates.size()].frame;
    m->data_off = RTE_PKTMBUF_HEADROOM;
    std::memcpy(rte_pktmbuf_mtod(m, void*), f.data(), f.size());
  }
}

[[noreturn]] inline void fail(std::string_view program, const std::string& why) {
  std::cerr << program << ": " << why << "\n";
  std::exit(1);
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

inline std::string today() {
  char buf[16];
  std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%F", std::gmtime(&t));
  return buf;
}

}  // namespace hnv::bench

// The measured loop, by an unmangled name for callgrind's --toggle-collect
// (defined once, in bench_graph.cc).
extern "C" void hnv_bench_measured_walks(rte_graph* graph, std::uint64_t walks);

#include <boost/json/array.hpp>
#include <functional>

namespace hnv::bench {

struct Scenario {
  std::string name;
  std::string path;
  Entry entry = Entry::PortTx;
  std::vector<Template> templates;
  // Checks one output packet; an empty string when it is right.
  std::function<std::string(std::uint16_t txPort, const std::vector<std::uint8_t>& out)> check;
  std::vector<double> cycles;  // per packet, one per repetition
  std::vector<double> net;     // minus the baseline of the same repetition
};

// Keeps the scenarios named in `only` (all when empty) and the "baseline",
// unless exactly one other scenario is asked for (e.g. under callgrind).
void keepScenarios(std::string_view program, std::vector<Scenario>& scenarios, const std::vector<std::string>& only);

// `reps` rounds over the scenarios: each warms up, has one burst checked
// byte by byte, then `walks` walks timed; every packet must reach port-tx.
void measure(std::string_view program, rte_graph* graph, std::vector<Scenario>& scenarios, unsigned reps,
             std::uint64_t walks, std::size_t workingSet);

// Prints one line per scenario (cycles/packet median, min, max, net, Mpps)
// and returns them as JSON rows.
boost::json::array report(const std::vector<Scenario>& scenarios, double tscHz);

}  // namespace hnv::bench

#include <memory>

#include "hnv/base/counters.h"
#include "hnv/base/result.h"
#include "hnv/dp/catalog.h"
#include "hnv/dp/eal.h"
#include "hnv/dp/graph.h"
#include "hnv/dp/mempool.h"
#include "hnv/dp/trace.h"

namespace hnv::bench {

// What every data-plane benchmark takes on its command line.
struct Options {
  std::uint64_t walks = 20000;
  unsigned reps = 11;
  unsigned lcore = 0;
  std::size_t workingSet = 256;  // mbufs the source and sinks recycle
  bool hugepages = false;
  std::string jsonPath;
  std::vector<std::string> only;  // --scenario
};

// Takes the shared option at argv[i] (and its value, advancing i); false
// when argv[i] is not one of them. A bad value ends the program.
bool parseCommonOption(std::string_view program, int argc, char** argv, int& i, Options& o);
extern const char* const kCommonUsage;

// EAL on the options' lcore (hugepages or --no-huge with `memoryMb`), the
// pool and the recycling ring of `workingSet` mbufs. Keep the result alive
// (EAL, pool) for as long as the graph runs.
struct Platform {
  std::unique_ptr<dp::Eal> eal;
  dp::MempoolPtr pool;
};
Platform startPlatform(std::string_view program, const Options& o, unsigned memoryMb);

// The bench's port-rx source and port-tx, drop and punt sinks, for a
// catalog the modules then add their nodes to.
Status addBenchNodes(dp::NodeCatalog& catalog);
// One worker graph of the catalog; a refusal ends the program.
std::unique_ptr<dp::WorkerGraph> makeGraph(std::string_view program, const std::string& name,
                                           const dp::NodeCatalog& catalog, CounterRegistry& counters,
                                           dp::TraceBuffer& trace);

}  // namespace hnv::bench
