// NAT44 micro-benchmark (issue "Per-tenant NAT44", acceptance 6): CPU cycles
// per packet through the real nodes in a real rte_graph on one core, without
// NIC I/O, with --sessions sessions (default 1,048,576) spread over
// --tenants tenants (default 64), all with the same CA 10.0.1.10 behind one of
// 64 hosts, each translated to its own external address in the "internet"
// routing domain. The policy is a desired-state document compiled by the real
// OverlayPolicy::compile, gateway::compileTenantTables and
// gateway::compileNatConfig, as hnvgwd does.
//
//   fill (not a scenario)  the first packet of every session, in order:
//                          NVGRE -> VRF -> nat44-in2out creating the session
//                          -> internet VRF -> its interface; timed: new
//                          sessions per second through the packet path
//   nat-in2out-64          NVGRE from a VM (106 B inner frame) of an existing
//                          session: eth-input -> ip4-input -> nvgre-input ->
//                          ip4-lookup -> nat44-in2out -> ip4-lookup ->
//                          iface-output -> port-tx
//   nat-out2in-64          the answer from the internet's router (106 B):
//                          eth-input -> ip4-lookup -> nat44-out2in ->
//                          ip4-lookup -> overlay-output -> nvgre-encap -> port-tx
//   baseline               the bench's own source and sink
//
// Packets go round robin over every session, so the session table is used
// at its full size. The clock stands still: nothing expires.
//
// Usage: nat_bench [--tenants N] [--sessions N] [--walks N] [--reps N] [--scenario NAME]...
//                  [--hugepages] [--lcore N] [--working-set N] [--json FILE]
#include <rte_cycles.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <fstream>

#include "bench_graph.h"
#include "gateway_rig.h"
#include "tenant_plan.h"
#include "hnv/base/counters.h"
#include "hnv/dp/catalog.h"
#include "hnv/dp/graph.h"
#include "hnv/dp/rcu.h"
#include "hnv/dp/trace.h"
#include "hnv/gateway/nat_compile.h"
#include "hnv/gateway/tenant_compile.h"
#include "hnv/nat/module.h"
#include "hnv/vpn/module.h"
#include "hnv/nodes/module.h"
#include "hnv/overlay/module.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/nvgre.h"
#include "hnv/wire/udp.h"

namespace {

namespace json = boost::json;
using namespace hnv;
using bench::Entry;
using bench::Scenario;
using bench::Template;

constexpr std::string_view kProgram = "nat_bench";
constexpr std::uint16_t kInet = 1;
constexpr std::uint16_t kFirstPort = 1024;
using namespace bench;  // the tenant plan (tenant_plan.h)

const MacAddr kInetMac = macOf(0x01, 1), kIspMac = macOf(0x99, 1);
const Ipv4Addr kIsp = *Ipv4Addr::parse("100.64.0.254");
// Tenant t's external address, in the internet domain's 100.64.0.0/10.
Ipv4Addr externalOf(std::uint32_t t) { return Ipv4Addr::fromHost(Ipv4Addr::parse("100.64.1.0")->host() + t); }
Ipv4Addr remoteOf(std::uint32_t k) { return Ipv4Addr::fromHost(Ipv4Addr::parse("198.51.100.0")->host() + 1 + k % 200); }

json::object desiredState(std::uint32_t tenants) {
  const std::string internet = rdidOf(tenants);
  json::array domains{json::object{{"rdid", internet}}}, subnets, records, nat, addresses;
  json::array routes{json::object{
      {"rdid", internet}, {"destinationPrefix", "0.0.0.0/0"}, {"interface", "inet"}, {"nextHop", kIsp.toString()}}};
  for (std::uint32_t t = 0; t < tenants; ++t) {
    addTenantOverlay(t, domains, subnets, records);
    const std::string rdid = rdidOf(t);
    nat.push_back(json::object{{"rdid", rdid}, {"externalRdid", internet}});
    addresses.push_back(json::object{{"rdid", rdid}, {"address", externalOf(t).toString()}, {"firstPort", kFirstPort}});
    routes.push_back(json::object{{"rdid", rdid}, {"destinationPrefix", "0.0.0.0/0"}, {"interface", "nat"}});
  }
  json::object doc = gatewayDocument(std::move(domains), std::move(subnets), std::move(records));
  doc["external-interfaces"] = json::array{json::object{{"rdid", internet},
                                                        {"name", "inet"},
                                                        {"node", "gw1"},
                                                        {"port", "inet"},
                                                        {"address", "100.64.0.1"},
                                                        {"prefixLength", 10}}};
  doc["gateway-routes"] = std::move(routes);
  doc["nat-instances"] = std::move(nat);
  doc["nat-external-addresses"] = std::move(addresses);
  return doc;
}

// Session i: tenant i % tenants, its k = i / tenants-th flow, UDP from
// 10.0.1.10:(1024 + k) to remoteOf(k):53 (the inside port is kept outside).
std::vector<std::uint8_t> fromVm(std::uint32_t t, std::uint32_t k) {
  return nvgreFromVm(t, remoteOf(k), static_cast<std::uint16_t>(kFirstPort + k), 53, static_cast<std::uint8_t>(k), 106);
}

std::vector<std::uint8_t> fromInternet(std::uint32_t t, std::uint32_t k) {
  return wire::PacketBuilder()
      .eth(kIspMac, kInetMac)
      .ipv4(remoteOf(k), externalOf(t))
      .udp(53, static_cast<std::uint16_t>(kFirstPort + k))
      .payloadFill(106 - 42, 0xcd)
      .build();
}

std::string checkIn2Out(std::uint16_t txPort, const std::vector<std::uint8_t>& out, std::uint32_t tenants) {
  if (txPort != kInet) return "not sent on the internet port";
  auto eth = wire::parseEthernet(out);
  if (!eth || eth->dst != kIspMac || eth->src != kInetMac) return "Ethernet";
  auto ip = wire::parseIpv4(std::span(out).subspan(eth->headerLength));
  if (!ip || ip->ttl != 63) return "IPv4";
  const std::uint32_t t = ip->src.host() - externalOf(0).host();
  if (t >= tenants) return "source " + ip->src.toString() + " is no tenant's external address";
  return {};
}

std::string checkOut2In(std::uint16_t txPort, const std::vector<std::uint8_t>& out) {
  std::uint32_t t = 0;
  std::optional<wire::Ipv4Header> inner;
  return checkNvgreToVm(txPort, out, t, inner);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint32_t tenants = 64, sessions = 1u << 20;
  bench::Options opt;
  for (int i = 1; i < argc; ++i) {
    if (bench::parseCommonOption(kProgram, argc, argv, i, opt)) continue;
    const std::string a = argv[i];
    if ((a == "--tenants" || a == "--sessions") && i + 1 < argc) {
      (a == "--tenants" ? tenants : sessions) = static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
      continue;
    }
    std::cerr << "usage: " << kProgram << " [--tenants N] [--sessions N] " << bench::kCommonUsage << "\n";
    return a == "--help" ? 0 : 2;
  }
  if (tenants < 1 || tenants > 4096) bench::fail(kProgram, "--tenants: 1 to 4096");
  if (sessions < tenants * bench::kBurst || sessions / tenants > 65535u - kFirstPort) {
    bench::fail(kProgram, "--sessions: at least 32 per tenant, at most 64,511 per tenant (one external address each)");
  }
  const std::uint32_t perTenant = sessions / tenants;
  sessions = perTenant * tenants;
  bench::Platform platform = bench::startPlatform(kProgram, opt, 512);

  const auto desired = desiredState(tenants);
  auto policy = overlay::OverlayPolicy::compile(desired);
  if (!policy) bench::fail(kProgram, policy.error().message());
  const overlay::OverlayPolicy& pol = *policy;
  bench::GatewayRig rig(kProgram);
  CounterRegistry counters(2);
  auto tables = gateway::compileTenantTables(
      desired, pol, "gw1",
      [](std::string_view name) -> std::optional<gateway::PortInfo> {
        if (name != "inet") return std::nullopt;
        return gateway::PortInfo{kInet, kInetMac, 1500, false};
      },
      nullptr, [&](TenantId t) { return gateway::registerTenantCounters(counters, *pol.rdidOf(t)); });
  if (!tables) bench::fail(kProgram, tables.error().message());
  auto natConfig = gateway::compileNatConfig(
      desired, pol, [&](const Rdid& rdid) { return gateway::registerNatCounters(counters, rdid); });
  if (!natConfig) bench::fail(kProgram, natConfig.error().message());
  fib::NeighborTable::Map neighbors = bench::GatewayRig::hostNeighbors();
  neighbors.emplace(fib::NeighborKey(kIsp, tables->interfaces().at(0).scope), fib::Neighbor{kIspMac, kInet});
  rig.publish(std::move(*tables), std::move(neighbors), std::move(*policy));
  dp::Published<nat::NatConfig> natPub(rig.rcu(), std::make_unique<const nat::NatConfig>(std::move(*natConfig)));
  rig.nat.config = &natPub;
  rig.nat.tenants = &rig.tenants();
  rig.nat.clock = [] { return std::uint64_t{1'000'000}; };  // nothing expires
  rig.nat.sessionsPerWorker = sessions + sessions / 8 + 1024;
  rte_graph* g = rig.graph("natbench", counters);
  nat::NatContext& natCtx = rig.nat;

  // Session i = k * tenants + t: consecutive packets belong to different tenants.
  std::vector<Template> in2out, out2in;
  in2out.reserve(sessions);
  out2in.reserve(sessions);
  for (std::uint32_t k = 0; k < perTenant; ++k) {
    for (std::uint32_t t = 0; t < tenants; ++t) {
      in2out.push_back({fromVm(t, k), kUnderlay});
      out2in.push_back({fromInternet(t, k), kInet});
    }
  }

  // Fill: one walk per 32 new sessions, timed.
  bench::BenchState& st = bench::benchState();
  bench::selectTemplates(in2out, Entry::EthInput);
  st.sent = st.dropped = st.punted = 0;
  const std::uint64_t fillWalks = sessions / bench::kBurst;
  const std::uint64_t f0 = rte_rdtsc_precise();
  for (std::uint64_t i = 0; i < fillWalks; ++i) rte_graph_walk(g);
  const std::uint64_t f1 = rte_rdtsc_precise();
  std::uint32_t made = 0;
  std::size_t tableBytes = 0;
  for (const auto& w : natCtx.workers) {
    made += w->table.sessions();
    tableBytes += w->table.memoryBytes();
  }
  if (made != sessions || st.sent != sessions) {
    bench::fail(kProgram, "fill: " + std::to_string(made) + " sessions of " + std::to_string(sessions) + ", sent " +
                              std::to_string(st.sent) + ", dropped " + std::to_string(st.dropped));
  }
  const double hz = static_cast<double>(rte_get_tsc_hz());
  const double fillCycles = static_cast<double>(f1 - f0) / sessions;

  std::vector<Scenario> scenarios;
  std::vector<Template> one(in2out.begin(), in2out.begin() + 1);
  scenarios.push_back({"baseline",
                       "port-rx -> port-tx (bench source and sink only)",
                       Entry::PortTx,
                       one,
                       [](std::uint16_t, const std::vector<std::uint8_t>&) { return std::string(); },
                       {},
                       {}});
  scenarios.push_back(
      {"nat-in2out-64",
       "NVGRE (148 B) of an existing session -> VRF -> nat44-in2out -> internet VRF -> its interface",
       Entry::EthInput,
       std::move(in2out),
       [tenants](std::uint16_t p, const std::vector<std::uint8_t>& o) { return checkIn2Out(p, o, tenants); },
       {},
       {}});
  scenarios.push_back({"nat-out2in-64",
                       "106 B answer from the internet -> nat44-out2in -> tenant VRF -> NVGRE to the VM's host",
                       Entry::EthInput,
                       std::move(out2in),
                       checkOut2In,
                       {},
                       {}});
  bench::keepScenarios(kProgram, scenarios, opt.only);
  bench::measure(kProgram, g, scenarios, opt.reps, opt.walks, opt.workingSet);
  std::printf(
      "nat_bench: %s build, %s, TSC %.3f GHz, lcore %u, %u tenants, %u sessions, %u reps x %llu walks x %u packets\n"
      "  fill: %.0f cycles per packet creating a session = %.2f M new sessions/s; session table %.0f MiB (%.0f B per "
      "session of capacity)\n",
      HNV_BENCH_BUILD_TYPE, opt.hugepages ? "hugepages (--in-memory)" : "--no-huge", hz / 1e9, opt.lcore, tenants,
      sessions, opt.reps, static_cast<unsigned long long>(opt.walks), bench::kBurst, fillCycles, hz / fillCycles / 1e6,
      static_cast<double>(tableBytes) / (1 << 20), static_cast<double>(tableBytes) / natCtx.sessionsPerWorker);
  json::array rows = bench::report(scenarios, hz);
  json::object results{{"date", bench::today()},
                       {"build", HNV_BENCH_BUILD_TYPE},
                       {"hugepages", opt.hugepages},
                       {"tscHz", hz},
                       {"lcore", opt.lcore},
                       {"tenants", tenants},
                       {"sessions", sessions},
                       {"fillCyclesPerNewSession", fillCycles},
                       {"newSessionsPerSecond", hz / fillCycles},
                       {"sessionTableBytes", tableBytes},
                       {"sessionCapacity", natCtx.sessionsPerWorker},
                       {"reps", opt.reps},
                       {"walksPerRep", opt.walks},
                       {"burst", bench::kBurst},
                       {"workingSetMbufs", opt.workingSet},
                       {"scenarios", std::move(rows)}};
  if (!opt.jsonPath.empty()) std::ofstream(opt.jsonPath) << json::serialize(results) << "\n";
  return 0;
}
