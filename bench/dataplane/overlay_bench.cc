// Data-plane micro-benchmark: CPU cycles per packet of the overlay's two main
// paths, with the real generic and overlay nodes in a real rte_graph on one
// core, without NIC I/O (node cost only):
//
//   encap-*   VM -> encap: a frame from a bound VM port to a remote VM's MAC,
//             port-rx -> vm-input -> nvgre-encap -> port-tx
//   decap-*   decap -> VM: the NVGRE frame of the same flow on the uplink,
//             port-rx -> eth-input -> ip4-input -> nvgre-input -> port-tx
//   arp-proxy an ARP request from a VM answered from policy,
//             port-rx -> vm-input -> arp-proxy -> port-tx
//   baseline  the bench's own source and sink, port-rx -> port-tx directly:
//             the overhead that "net" figures subtract.
//
// The bench's "port-rx" source hands 32 mbufs per graph walk to the entry
// node. The mbufs are recycled, never allocated or freed: the sinks
// ("port-tx", "drop", "punt") put them back on a FIFO ring, and the source
// takes them from there and restores them to the scenario's template (data
// offset, lengths, offload flags, the first 128 bytes of the frame, which
// hold every header the nodes read or write, and the packet metadata) as a
// NIC's receive would. Each walk therefore carries exactly 32 packets through
// the whole path. Every repetition checks that all packets reached port-tx
// and none was dropped or punted; after the warm-up of each scenario, one
// burst is checked byte by byte.
//
// Timing: rte_rdtsc() around --walks graph walks, cycles / (walks * 32); the
// scenarios are interleaved round robin, --reps times, and the median is
// reported. "net" is the median over repetitions of (scenario - baseline of
// the same repetition). Mpps/core = TSC Hz / cycles per packet.
//
// Instruction counts (reproducible, unlike the timings): every measured
// walk runs inside hnv_bench_measured_walks(), so
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=hnv_bench_measured_walks
//     overlay_bench --scenario encap-64 --reps 1 --walks 2000
// counts exactly those walks (see bench/README.md; bench/dataplane/instructions.sh).
//
// Usage: overlay_bench [--walks N] [--reps N] [--scenario NAME]... [--hugepages]
//                      [--lcore N] [--working-set N] [--json FILE]
#include <rte_cycles.h>
#include <rte_graph_worker.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "hnv/base/counters.h"
#include "hnv/dp/catalog.h"
#include "hnv/dp/eal.h"
#include "hnv/dp/graph.h"
#include "hnv/dp/mempool.h"
#include "hnv/dp/node.h"
#include "hnv/dp/packet.h"
#include "hnv/dp/rcu.h"
#include "hnv/dp/trace.h"
#include "hnv/nodes/module.h"
#include "hnv/overlay/module.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/nvgre.h"

#ifndef HNV_BENCH_BUILD_TYPE
#define HNV_BENCH_BUILD_TYPE "unknown"
#endif

namespace {

namespace json = boost::json;
using namespace hnv;

constexpr std::uint16_t kBurst = 32;
// Bytes of the template restored into each recycled mbuf: every header of
// every scenario (the longest is the NVGRE frame's 42 + 42 bytes).
constexpr std::size_t kRestore = 128;

// ----- The topology: host1 of the packet tests (tests/packet/overlay_nodes_test.cc).

MacAddr mac(const char* s) { return *MacAddr::parse(s); }
Ipv4Addr v4(const char* s) { return *Ipv4Addr::parse(s); }
Vsid vsid(std::uint32_t v) { return *Vsid::forTenant(v); }

const MacAddr kUplinkMac = mac("02:00:5e:00:53:11");
const MacAddr kHost2Mac = mac("02:00:5e:00:53:12");
const MacAddr kHost3Mac = mac("02:00:5e:00:53:13");
const Ipv4Addr kPa1 = v4("192.0.2.11"), kPa2 = v4("192.0.2.12"), kPa3 = v4("192.0.2.13");
constexpr std::uint16_t kUplink = 0, kPortA1 = 1, kPortA4 = 2;
const MacAddr kA1 = mac("00:15:5d:00:00:01"), kA2 = mac("00:15:5d:00:00:02"), kA4 = mac("00:15:5d:00:00:04");
const Ipv4Addr kCa10 = v4("10.0.1.10"), kCa20 = v4("10.0.1.20");

constexpr const char* kDesired = R"({
  "revision": 1,
  "routing-domains": [{"rdid": "8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a"}],
  "virtual-subnets": [
    {"vsid": 5001, "rdid": "8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a", "prefixes": ["10.0.1.0/24"],
     "defaultGatewayMac": "02:00:00:00:50:01"}],
  "provider-addresses": [{"node": "host1", "interface": "ul0", "address": "192.0.2.11", "prefixLength": 24,
                          "mac": "02:00:5e:00:53:11"}],
  "lookup-records": [
    {"vsid": 5001, "ca": "10.0.1.10", "mac": "00:15:5d:00:00:01", "pa": "192.0.2.11"},
    {"vsid": 5001, "ca": "10.0.1.11", "mac": "00:15:5d:00:00:04", "pa": "192.0.2.11"},
    {"vsid": 5001, "ca": "10.0.1.20", "mac": "00:15:5d:00:00:02", "pa": "192.0.2.12"},
    {"vsid": 5001, "ca": "10.0.1.30", "mac": "00:15:5d:00:00:03", "pa": "192.0.2.13"},
    {"vsid": 5001, "type": "GatewayWildcard", "mac": "00:15:5d:00:00:fe", "pa": "192.0.2.1"}]
})";

// A UDP datagram of `payload` bytes between two CAs of VSID 5001.
std::vector<std::uint8_t> udpFrame(const MacAddr& src, const MacAddr& dst, Ipv4Addr s, Ipv4Addr d,
                                   std::size_t payload) {
  return wire::PacketBuilder().eth(src, dst).ipv4(s, d).udp(1000, 2000).payloadFill(payload, 0xab).build();
}

std::vector<std::uint8_t> nvgreFrame(const std::vector<std::uint8_t>& inner) {
  return wire::PacketBuilder()
      .eth(kHost2Mac, kUplinkMac)
      .ipv4(kPa2, kPa1)
      .df()
      .nvgre(vsid(5001), 3)
      .payload(inner)
      .build();
}

// ----- Bench source and sinks.

enum class Entry : std::uint16_t { Drop = 0, VmInput, EthInput, PortTx };

struct Ring {
  std::vector<rte_mbuf*> slots;  // size: a power of two
  std::size_t head = 0, tail = 0;
  std::size_t mask() const { return slots.size() - 1; }
  std::size_t size() const { return tail - head; }
  rte_mbuf* pop() { return slots[head++ & mask()]; }
  void push(rte_mbuf* m) { slots[tail++ & mask()] = m; }
};

struct BenchState {
  Ring ring;
  // The current scenario.
  const std::uint8_t* tpl = nullptr;
  std::uint16_t tplLen = 0;
  std::uint16_t restoreLen = 0;
  std::uint16_t rxPort = 0;
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

BenchState gState;

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
    void** out = rte_node_next_stream_get(graph, node, st.edge, kBurst);
    for (std::uint16_t i = 0; i < kBurst; ++i) {
      rte_mbuf* m = st.ring.pop();
      // What the NIC's receive would have left: the frame at the default
      // headroom, one segment, no offload flags.
      m->data_off = RTE_PKTMBUF_HEADROOM;
      m->data_len = st.tplLen;
      m->pkt_len = st.tplLen;
      m->ol_flags = 0;
      m->packet_type = 0;
      rte_memcpy(rte_pktmbuf_mtod(m, void*), st.tpl, st.restoreLen);
      dp::resetMeta(m, st.rxPort);
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

}  // namespace

// The measured loop, by an unmangled name for callgrind's --toggle-collect.
extern "C" __attribute__((noinline)) void hnv_bench_measured_walks(rte_graph* graph, std::uint64_t walks) {
  for (std::uint64_t i = 0; i < walks; ++i) rte_graph_walk(graph);
}

namespace {

// ----- Scenarios.

struct Scenario {
  std::string name;
  std::string path;
  Entry entry;
  std::uint16_t rxPort;
  std::vector<std::uint8_t> frame;
  // Checks one output packet; returns an empty string when it is right.
  std::function<std::string(std::uint16_t txPort, const std::vector<std::uint8_t>& out)> check;
  std::vector<double> cycles;  // per packet, one per repetition
  std::vector<double> net;     // minus the baseline of the same repetition
};

std::string expectEncap(const std::vector<std::uint8_t>& inner, std::uint16_t txPort,
                        const std::vector<std::uint8_t>& out) {
  if (txPort != kUplink) return "not sent on the uplink";
  if (out.size() != inner.size() + 42) return "outer frame of " + std::to_string(out.size()) + " bytes";
  auto eth = wire::parseEthernet(out);
  if (!eth || eth->dst != kHost2Mac || eth->src != kUplinkMac) return "outer Ethernet";
  auto ip = wire::parseIpv4(std::span(out).subspan(wire::kEthernetHeaderLen));
  if (!ip || ip->src != kPa1 || ip->dst != kPa2 || ip->protocol != wire::kIpProtoGre) return "outer IPv4";
  auto nv = wire::parseNvgre(ip->payload);
  if (!nv || nv->vsid != vsid(5001)) return "NVGRE header";
  if (!std::equal(inner.begin(), inner.end(), out.begin() + 42)) return "inner frame changed";
  return {};
}

std::vector<Scenario> makeScenarios() {
  std::vector<Scenario> s;
  // Frames from VM A1 (port 1) to the remote VM A2 (PA 192.0.2.12).
  auto small = udpFrame(kA1, kA2, kCa10, kCa20, 64);         // 106-byte frame
  auto large = udpFrame(kA1, kA2, kCa10, kCa20, 1400 - 42);  // 1400-byte frame
  // The same flow coming back from A2: NVGRE from host2 to A1.
  auto smallBack = udpFrame(kA2, kA1, kCa20, kCa10, 64);
  auto largeBack = udpFrame(kA2, kA1, kCa20, kCa10, 1400 - 42);
  auto arp = wire::PacketBuilder().eth(kA1, MacAddr::broadcast()).arpRequest(kA1, kCa10, kCa20).build();
  auto arpReply = wire::PacketBuilder().eth(kA2, kA1).arpReply(kA2, kCa20, kA1, kCa10).build();
  auto same = [](std::uint16_t port, std::vector<std::uint8_t> want) {
    return [port, want](std::uint16_t txPort, const std::vector<std::uint8_t>& out) -> std::string {
      if (txPort != port) return "sent on port " + std::to_string(txPort);
      return out == want ? std::string() : "frame differs from the expected one";
    };
  };
  s.push_back({"baseline",
               "port-rx -> port-tx (bench source and sink only)",
               Entry::PortTx,
               kPortA1,
               small,
               same(kPortA1, small),
               {},
               {}});
  s.push_back({"encap-64",
               "VM -> encap, UDP 64 B payload (106 B frame): vm-input -> nvgre-encap -> port-tx",
               Entry::VmInput,
               kPortA1,
               small,
               [small](std::uint16_t p, const std::vector<std::uint8_t>& o) { return expectEncap(small, p, o); },
               {},
               {}});
  s.push_back({"encap-1400",
               "VM -> encap, 1400 B frame: vm-input -> nvgre-encap -> port-tx",
               Entry::VmInput,
               kPortA1,
               large,
               [large](std::uint16_t p, const std::vector<std::uint8_t>& o) { return expectEncap(large, p, o); },
               {},
               {}});
  s.push_back({"decap-64",
               "decap -> VM, NVGRE of the 106 B frame (148 B): eth-input -> ip4-input -> nvgre-input -> port-tx",
               Entry::EthInput,
               kUplink,
               nvgreFrame(smallBack),
               same(kPortA1, smallBack),
               {},
               {}});
  s.push_back({"decap-1400",
               "decap -> VM, NVGRE of the 1400 B frame (1442 B): eth-input -> ip4-input -> nvgre-input -> port-tx",
               Entry::EthInput,
               kUplink,
               nvgreFrame(largeBack),
               same(kPortA1, largeBack),
               {},
               {}});
  s.push_back({"arp-proxy",
               "ARP request from a VM answered from policy: vm-input -> arp-proxy -> port-tx",
               Entry::VmInput,
               kPortA1,
               arp,
               same(kPortA1, arpReply),
               {},
               {}});
  return s;
}

// Points the source at `s` and writes its whole frame into every mbuf of the ring.
void selectScenario(const Scenario& s) {
  BenchState& st = gState;
  st.tpl = s.frame.data();
  st.tplLen = static_cast<std::uint16_t>(s.frame.size());
  st.restoreLen = static_cast<std::uint16_t>(std::min(kRestore, s.frame.size()));
  st.rxPort = s.rxPort;
  st.edge = static_cast<rte_edge_t>(s.entry);
  for (rte_mbuf* m : st.ring.slots) {
    m->data_off = RTE_PKTMBUF_HEADROOM;
    std::memcpy(rte_pktmbuf_mtod(m, void*), s.frame.data(), s.frame.size());
  }
}

void fail(const std::string& why) {
  std::cerr << "overlay_bench: " << why << "\n";
  std::exit(1);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string today() {
  char buf[16];
  std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%F", std::gmtime(&t));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t walks = 20000;
  unsigned reps = 11;
  unsigned lcore = 0;
  std::size_t workingSet = 256;
  bool hugepages = false;
  std::string jsonPath;
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail("missing value after " + a);
      return argv[++i];
    };
    if (a == "--walks")
      walks = std::stoull(value());
    else if (a == "--reps")
      reps = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--scenario")
      only.push_back(value());
    else if (a == "--hugepages")
      hugepages = true;
    else if (a == "--lcore")
      lcore = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--working-set")
      workingSet = std::stoull(value());
    else if (a == "--json")
      jsonPath = value();
    else {
      std::cerr << "usage: overlay_bench [--walks N] [--reps N] [--scenario NAME]... [--hugepages] [--lcore N]\n"
                   "                     [--working-set MBUFS] [--json FILE]\n";
      return a == "--help" ? 0 : 2;
    }
  }
  if (workingSet < 2 * kBurst || (workingSet & (workingSet - 1)) != 0) fail("--working-set: a power of two >= 64");

  dp::EalConfig ec;
  ec.program = "overlay_bench";
  ec.lcores = std::to_string(lcore);
  ec.hugepages = hugepages;
  ec.memoryMb = 256;
  ec.filePrefix = "hnvbench" + std::to_string(::getpid());
  ec.logLevel = 3;
  ec.telemetry = false;
  auto eal = dp::Eal::init(ec);
  if (!eal) fail(eal.error().message());

  dp::PoolConfig pc;
  pc.name = "bench";
  pc.mbufs = static_cast<unsigned>(workingSet * 2 - 1);
  pc.cacheSize = 0;
  auto pool = dp::createPacketPool(pc);
  if (!pool) fail(pool.error().message());
  gState.ring.slots.resize(workingSet);
  for (std::size_t i = 0; i < workingSet; ++i) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool->get());
    if (m == nullptr) fail("mbuf pool too small");
    gState.ring.push(m);
  }

  // The node's tables and policy, as in the packet tests' fixture.
  fib::PortAddresses up;
  up.port = kUplink;
  up.mac = kUplinkMac;
  up.mtu = 1500;
  up.v4.push_back(*InterfaceAddress4::parse("192.0.2.11/24"));
  auto local = fib::LocalAddresses::build({up});
  if (!local) fail(local.error().message());
  auto rcu = dp::Rcu::create(1);
  if (!rcu) fail(rcu.error().message());
  dp::Published<fib::LocalAddresses> localPub(**rcu, std::make_unique<const fib::LocalAddresses>(*local));
  dp::Published<fib::NeighborTable> neighborsPub(
      **rcu, std::make_unique<const fib::NeighborTable>(
                 fib::NeighborTable::Map{{kPa2, {kHost2Mac, kUplink}}, {kPa3, {kHost3Mac, kUplink}}}));
  const std::vector<overlay::VmPortBinding> ports{{kPortA1, vsid(5001), kA1}, {kPortA4, vsid(5001), kA4}};
  auto policy = overlay::OverlayPolicy::compile(json::parse(kDesired).as_object(), nullptr, ports);
  if (!policy) fail(policy.error().message());
  dp::Published<overlay::OverlayPolicy> policyPub(**rcu,
                                                  std::make_unique<const overlay::OverlayPolicy>(std::move(*policy)));
  nodes::NodesContext nodesCtx;
  nodesCtx.local = &localPub;
  nodesCtx.neighbors = &neighborsPub;
  overlay::OverlayContext overlayCtx;
  overlayCtx.policy = &policyPub;
  overlayCtx.local = &localPub;
  overlayCtx.neighbors = &neighborsPub;
  overlayCtx.missPunt = 9;

  dp::NodeCatalog catalog;
  auto state = [](unsigned) -> void* { return &gState; };
  for (auto st : {catalog.add(dp::describeNode<BenchRxNode>(state)),
                  catalog.add(dp::describeNode<BenchSinkNode<Sink::Tx>>(state)),
                  catalog.add(dp::describeNode<BenchSinkNode<Sink::Drop>>(state)),
                  catalog.add(dp::describeNode<BenchSinkNode<Sink::Punt>>(state)),
                  nodes::addGenericNodes(catalog, nodesCtx), overlay::addOverlayNodes(catalog, overlayCtx)}) {
    if (!st) fail(st.error().message());
  }
  CounterRegistry counters(2);
  dp::TraceBuffer trace(0);
  auto graph = dp::WorkerGraph::create("bench", catalog, 0, SOCKET_ID_ANY, counters, trace);
  if (!graph) fail(graph.error().message());
  rte_graph* g = (*graph)->graph();

  std::vector<Scenario> scenarios = makeScenarios();
  if (!only.empty()) {
    for (const auto& n : only) {
      if (std::none_of(scenarios.begin(), scenarios.end(), [&](const Scenario& s) { return s.name == n; })) {
        fail("no scenario " + n);
      }
    }
    std::erase_if(scenarios, [&](const Scenario& s) {
      return s.name != "baseline" && std::find(only.begin(), only.end(), s.name) == only.end();
    });
    if (std::find(only.begin(), only.end(), "baseline") == only.end() && only.size() == 1) {
      // One scenario alone (e.g. under callgrind): no baseline either.
      std::erase_if(scenarios, [](const Scenario& s) { return s.name == "baseline"; });
    }
  }

  const double hz = static_cast<double>(rte_get_tsc_hz());
  const std::uint64_t warmup = std::max<std::uint64_t>(walks / 10, 100);
  for (unsigned rep = 0; rep < reps; ++rep) {
    double baseline = -1;
    for (auto& s : scenarios) {
      selectScenario(s);
      for (std::uint64_t i = 0; i < warmup; ++i) rte_graph_walk(g);
      // One burst checked byte by byte, from recycled (restored) mbufs.
      gState.capture = true;
      gState.captured.clear();
      rte_graph_walk(g);
      gState.capture = false;
      if (gState.captured.size() != kBurst)
        fail(s.name + ": " + std::to_string(gState.captured.size()) + " of 32 sent");
      for (const auto& c : gState.captured) {
        if (auto why = s.check(c.txPort, c.bytes); !why.empty()) fail(s.name + ": " + why);
      }
      gState.sent = gState.dropped = gState.punted = 0;
      const std::uint64_t t0 = rte_rdtsc_precise();
      hnv_bench_measured_walks(g, walks);
      const std::uint64_t t1 = rte_rdtsc_precise();
      const std::uint64_t packets = walks * kBurst;
      if (gState.sent != packets || gState.dropped != 0 || gState.punted != 0) {
        fail(s.name + ": sent " + std::to_string(gState.sent) + " of " + std::to_string(packets) + ", dropped " +
             std::to_string(gState.dropped) + ", punted " + std::to_string(gState.punted));
      }
      if (gState.ring.size() != workingSet) fail(s.name + ": mbufs lost");
      const double c = static_cast<double>(t1 - t0) / static_cast<double>(packets);
      s.cycles.push_back(c);
      if (s.name == "baseline") baseline = c;
      if (baseline >= 0) s.net.push_back(c - baseline);
    }
  }

  const bool haveBaseline =
      std::any_of(scenarios.begin(), scenarios.end(), [](const Scenario& s) { return s.name == "baseline"; });
  std::printf(
      "overlay_bench: %s build, %s, TSC %.3f GHz, lcore %u, %u reps x %llu walks x %u packets, working set %zu mbufs\n",
      HNV_BENCH_BUILD_TYPE, hugepages ? "hugepages (--in-memory)" : "--no-huge", hz / 1e9, lcore, reps,
      static_cast<unsigned long long>(walks), kBurst, workingSet);
  std::printf("%-11s %9s %9s %9s %9s %11s %11s\n", "scenario", "cyc/pkt", "min", "max", "net", "Mpps/core", "net Mpps");
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
    std::printf("%-11s %9.1f %9.1f %9.1f %9s %11.2f %11s\n", s.name.c_str(), med, lo, hi, netText, hz / med / 1e6,
                netMpps);
    json::array samples;
    for (double c : s.cycles) samples.push_back(c);
    json::object o{{"name", s.name},
                   {"path", s.path},
                   {"frameBytes", s.frame.size()},
                   {"cyclesPerPacket", json::object{{"median", med}, {"min", lo}, {"max", hi}, {"samples", samples}}},
                   {"mppsPerCore", hz / med / 1e6}};
    if (hasNet) {
      o["netCyclesPerPacket"] = net;
      o["netMppsPerCore"] = net > 0 ? hz / net / 1e6 : 0.0;
    }
    out.push_back(std::move(o));
  }
  json::object results{{"date", today()},
                       {"build", HNV_BENCH_BUILD_TYPE},
                       {"hugepages", hugepages},
                       {"tscHz", hz},
                       {"lcore", lcore},
                       {"reps", reps},
                       {"walksPerRep", walks},
                       {"burst", kBurst},
                       {"workingSetMbufs", workingSet},
                       {"scenarios", std::move(out)}};
  if (!jsonPath.empty()) std::ofstream(jsonPath) << json::serialize(results) << "\n";
  // Graph and pool go before the EAL.
  graph->reset();
  return 0;
}
