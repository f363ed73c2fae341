#include "bench_graph.h"

#include <rte_cycles.h>

#include <unistd.h>

#include <boost/json/object.hpp>
#include <exception>

extern "C" __attribute__((noinline)) void hnv_bench_measured_walks(rte_graph* graph, std::uint64_t walks) {
  for (std::uint64_t i = 0; i < walks; ++i) rte_graph_walk(graph);
}

namespace hnv::bench {

namespace json = boost::json;

void keepScenarios(std::string_view program, std::vector<Scenario>& scenarios, const std::vector<std::string>& only) {
  if (only.empty()) return;
  for (const auto& n : only) {
    if (std::none_of(scenarios.begin(), scenarios.end(), [&](const Scenario& s) { return s.name == n; })) {
      fail(program, "no scenario " + n);
    }
  }
  std::erase_if(scenarios, [&](const Scenario& s) {
    return s.name != "baseline" && std::find(only.begin(), only.end(), s.name) == only.end();
  });
  if (std::find(only.begin(), only.end(), "baseline") == only.end() && only.size() == 1) {
    std::erase_if(scenarios, [](const Scenario& s) { return s.name == "baseline"; });
  }
}

void measure(std::string_view program, rte_graph* g, std::vector<Scenario>& scenarios, unsigned reps,
             std::uint64_t walks, std::size_t workingSet) {
  BenchState& st = benchState();
  const std::uint64_t warmup = std::max<std::uint64_t>(walks / 10, 200);
  for (unsigned rep = 0; rep < reps; ++rep) {
    double baseline = -1;
    for (auto& s : scenarios) {
      selectTemplates(s.templates, s.entry);
      for (std::uint64_t i = 0; i < warmup; ++i) rte_graph_walk(g);
      // One burst checked byte by byte, from recycled (restored) mbufs.
      st.capture = true;
      st.captured.clear();
      rte_graph_walk(g);
      st.capture = false;
      if (st.captured.size() != kBurst) {
        fail(program, s.name + ": " + std::to_string(st.captured.size()) + " of 32 sent (dropped " +
                          std::to_string(st.dropped) + ", punted " + std::to_string(st.punted) + ")");
      }
      for (const auto& c : st.captured) {
        if (auto why = s.check(c.txPort, c.bytes); !why.empty()) fail(program, s.name + ": " + why);
      }
      st.sent = st.dropped = st.punted = 0;
      const std::uint64_t t0 = rte_rdtsc_precise();
      hnv_bench_measured_walks(g, walks);
      const std::uint64_t t1 = rte_rdtsc_precise();
      const std::uint64_t packets = walks * kBurst;
      if (st.sent != packets || st.dropped != 0 || st.punted != 0) {
        fail(program, s.name + ": sent " + std::to_string(st.sent) + " of " + std::to_string(packets) + ", dropped " +
                          std::to_string(st.dropped) + ", punted " + std::to_string(st.punted));
      }
      if (st.ring.size() != workingSet) fail(program, s.name + ": mbufs lost");
      const double c = static_cast<double>(t1 - t0) / static_cast<double>(packets);
      s.cycles.push_back(c);
      if (s.name == "baseline") baseline = c;
      if (baseline >= 0) s.net.push_back(c - baseline);
    }
  }
}

json::array report(const std::vector<Scenario>& scenarios, double hz) {
  const bool haveBaseline =
      std::any_of(scenarios.begin(), scenarios.end(), [](const Scenario& s) { return s.name == "baseline"; });
  int width = 11;
  for (const auto& s : scenarios) width = std::max(width, static_cast<int>(s.name.size()));
  std::printf("%-*s %9s %9s %9s %9s %11s %11s\n", width, "scenario", "cyc/pkt", "min", "max", "net", "Mpps/core",
              "net Mpps");
  json::array out;
  for (const auto& s : scenarios) {
    const double med = median(s.cycles);
    const double lo = *std::min_element(s.cycles.begin(), s.cycles.end());
    const double hi = *std::max_element(s.cycles.begin(), s.cycles.end());
    const bool hasNet = haveBaseline && s.name != "baseline";
    const double net = hasNet ? median(s.net) : 0;
    char netText[32] = "-", netMpps[32] = "-";
    if (hasNet) std::snprintf(netText, sizeof netText, "%.1f", net);
    if (hasNet && net > 0) std::snprintf(netMpps, sizeof netMpps, "%.2f", hz / net / 1e6);
    std::printf("%-*s %9.1f %9.1f %9.1f %9s %11.2f %11s\n", width, s.name.c_str(), med, lo, hi, netText, hz / med / 1e6,
                netMpps);
    json::array samples;
    for (double c : s.cycles) samples.push_back(c);
    json::object o{{"name", s.name},
                   {"path", s.path},
                   {"frameBytes", s.templates.front().frame.size()},
                   {"cyclesPerPacket", json::object{{"median", med}, {"min", lo}, {"max", hi}, {"samples", samples}}},
                   {"mppsPerCore", hz / med / 1e6}};
    if (hasNet) {
      o["netCyclesPerPacket"] = net;
      o["netMppsPerCore"] = net > 0 ? hz / net / 1e6 : 0.0;
    }
    out.push_back(std::move(o));
  }
  return out;
}

const char* const kCommonUsage =
    "[--walks N] [--reps N] [--scenario NAME]... [--hugepages] [--lcore N] [--working-set MBUFS] [--json FILE]";

bool parseCommonOption(std::string_view program, int argc, char** argv, int& i, Options& o) {
  const std::string a = argv[i];
  auto value = [&]() -> std::string {
    if (i + 1 >= argc) fail(program, "missing value after " + a);
    return argv[++i];
  };
  auto number = [&](const std::string& text) -> std::uint64_t {
    std::size_t used = 0;
    std::uint64_t v = 0;
    try {
      v = std::stoull(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size()) fail(program, a + ": '" + text + "' is not a number");
    return v;
  };
  if (a == "--walks") {
    o.walks = number(value());
  } else if (a == "--reps") {
    o.reps = static_cast<unsigned>(number(value()));
  } else if (a == "--scenario") {
    o.only.push_back(value());
  } else if (a == "--hugepages") {
    o.hugepages = true;
  } else if (a == "--lcore") {
    o.lcore = static_cast<unsigned>(number(value()));
  } else if (a == "--working-set") {
    o.workingSet = number(value());
  } else if (a == "--json") {
    o.jsonPath = value();
  } else {
    return false;
  }
  return true;
}

Platform startPlatform(std::string_view program, const Options& o, unsigned memoryMb) {
  if (o.workingSet < 2 * kBurst || (o.workingSet & (o.workingSet - 1)) != 0) {
    fail(program, "--working-set: a power of two >= 64");
  }
  if (o.reps == 0 || o.walks == 0) fail(program, "--reps and --walks: at least 1");
  dp::EalConfig ec;
  ec.program = std::string(program);
  ec.lcores = std::to_string(o.lcore);
  ec.hugepages = o.hugepages;
  ec.memoryMb = memoryMb;
  ec.filePrefix = std::string(program) + std::to_string(::getpid());
  ec.logLevel = 3;
  ec.telemetry = false;
  auto eal = dp::Eal::init(ec);
  if (!eal) fail(program, eal.error().message());
  dp::PoolConfig pc;
  pc.name = "bench";
  pc.mbufs = static_cast<unsigned>(o.workingSet * 2 - 1);
  pc.cacheSize = 0;
  auto pool = dp::createPacketPool(pc);
  if (!pool) fail(program, pool.error().message());
  BenchState& st = benchState();
  st.ring.slots.resize(o.workingSet);
  for (std::size_t i = 0; i < o.workingSet; ++i) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool->get());
    if (m == nullptr) fail(program, "mbuf pool too small");
    st.ring.push(m);
  }
  return Platform{std::move(*eal), std::move(*pool)};
}

Status addBenchNodes(dp::NodeCatalog& catalog) {
  auto state = [](unsigned) -> void* { return &benchState(); };
  for (auto s : {catalog.add(dp::describeNode<BenchRxNode>(state)),
                 catalog.add(dp::describeNode<BenchSinkNode<Sink::Tx>>(state)),
                 catalog.add(dp::describeNode<BenchSinkNode<Sink::Drop>>(state)),
                 catalog.add(dp::describeNode<BenchSinkNode<Sink::Punt>>(state))}) {
    if (!s) return s;
  }
  return okStatus();
}

std::unique_ptr<dp::WorkerGraph> makeGraph(std::string_view program, const std::string& name,
                                           const dp::NodeCatalog& catalog, CounterRegistry& counters,
                                           dp::TraceBuffer& trace) {
  auto graph = dp::WorkerGraph::create(name, catalog, 0, SOCKET_ID_ANY, counters, trace);
  if (!graph) fail(program, graph.error().message());
  return std::move(*graph);
}

}  // namespace hnv::bench
