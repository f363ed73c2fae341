// Gateway data-plane micro-benchmark (issue "Gateway data plane",
// acceptance 6): CPU cycles per packet through the real generic and overlay
// nodes in a real rte_graph on one core, without NIC I/O, with the tables at
// scale: --tenants routing domains (default 4,096) placed on the gateway,
// each with its virtual subnet (the same 10.0.1.0/24 in every tenant), a VM
// record on one of 64 hosts, the gateway's GatewayWildcard, an external
// interface on a VLAN of a trunk port (4,000 VLANs per trunk) and a default
// route to its router. The policy is a desired-state document compiled by
// the real OverlayPolicy::compile and gateway::compileTenantTables, with
// per-tenant counters, as hnvgwd does.
//
//   decap-forward-*  NVGRE from a tenant's VM into its VRF and out of its
//                    VLAN: eth-input -> ip4-input -> nvgre-input ->
//                    ip4-lookup -> iface-output -> port-tx
//   forward-encap-*  the reverse: a tagged frame from the tenant's router
//                    into its VRF and NVGRE to the VM's host: eth-input ->
//                    ip4-lookup -> overlay-output -> nvgre-encap -> port-tx
//   baseline         the bench's own source and sink
//
// Packets go round robin over every tenant (and --flows per tenant), so the
// tables are used at their full size, not one cached entry. Timing,
// repetitions, "net" and callgrind: as overlay_bench (bench/README.md).
//
// Usage: gateway_bench [--tenants N] [--flows N] [--walks N] [--reps N] [--scenario NAME]...
//                      [--hugepages] [--lcore N] [--working-set N] [--json FILE]
#include <rte_cycles.h>
#include <unistd.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>

#include "bench_graph.h"
#include "gateway_rig.h"
#include "tenant_plan.h"
#include "hnv/base/counters.h"
#include "hnv/dp/catalog.h"
#include "hnv/dp/eal.h"
#include "hnv/dp/graph.h"
#include "hnv/dp/mempool.h"
#include "hnv/dp/rcu.h"
#include "hnv/dp/trace.h"
#include "hnv/gateway/tenant_compile.h"
#include "hnv/nat/module.h"
#include "hnv/vpn/module.h"
#include "hnv/nodes/module.h"
#include "hnv/overlay/module.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/nvgre.h"

namespace {

namespace json = boost::json;
using namespace hnv;
using bench::Entry;
using bench::Template;

constexpr std::string_view kProgram = "gateway_bench";
constexpr std::uint32_t kVlansPerTrunk = 4000;
using namespace bench;  // the tenant plan (tenant_plan.h)

MacAddr trunkMac(std::uint16_t port) { return macOf(0x01, port); }
MacAddr routerMac(std::uint32_t t) { return macOf(0xaa, t); }
const Ipv4Addr kExtGw = *Ipv4Addr::parse("198.51.100.1");
const Ipv4Addr kRouter = *Ipv4Addr::parse("198.51.100.126");

std::uint16_t trunkOf(std::uint32_t t) { return static_cast<std::uint16_t>(1 + t / kVlansPerTrunk); }
std::uint16_t vlanOf(std::uint32_t t) { return static_cast<std::uint16_t>(1 + t % kVlansPerTrunk); }
// Flow f of tenant t talks to this external address.
Ipv4Addr remoteOf(std::uint32_t f) { return Ipv4Addr::fromHost(Ipv4Addr::parse("203.0.113.0")->host() + 1 + f % 250); }

json::object desiredState(std::uint32_t tenants) {
  json::array domains, subnets, records, interfaces, routes;
  for (std::uint32_t t = 0; t < tenants; ++t) {
    addTenantOverlay(t, domains, subnets, records);
    const std::string rdid = rdidOf(t);
    interfaces.push_back(json::object{{"rdid", rdid},
                                      {"name", "ext"},
                                      {"node", "gw1"},
                                      {"port", "trunk" + std::to_string(trunkOf(t))},
                                      {"vlan", vlanOf(t)},
                                      {"address", kExtGw.toString()},
                                      {"prefixLength", 25}});
    routes.push_back(json::object{
        {"rdid", rdid}, {"destinationPrefix", "0.0.0.0/0"}, {"interface", "ext"}, {"nextHop", kRouter.toString()}});
  }
  json::object doc = gatewayDocument(std::move(domains), std::move(subnets), std::move(records));
  doc["external-interfaces"] = std::move(interfaces);
  doc["gateway-routes"] = std::move(routes);
  return doc;
}

// ----- Scenarios.

using bench::Scenario;

std::vector<std::uint8_t> fromHost(std::uint32_t t, std::uint32_t f, std::size_t frameBytes) {
  return nvgreFromVm(t, remoteOf(f), static_cast<std::uint16_t>(1000 + f), 53, static_cast<std::uint8_t>(f), frameBytes);
}

std::vector<std::uint8_t> fromRouter(std::uint32_t t, std::uint32_t f, std::size_t frameBytes) {
  const std::size_t payload = frameBytes - 18 - 20 - 8;
  return wire::PacketBuilder()
      .eth(routerMac(t), trunkMac(trunkOf(t)))
      .vlan(vlanOf(t))
      .ipv4(remoteOf(f), kVm)
      .udp(53, static_cast<std::uint16_t>(1000 + f))
      .payloadFill(payload, 0xcd)
      .build();
}

std::string checkForward(std::uint16_t txPort, const std::vector<std::uint8_t>& out) {
  auto eth = wire::parseEthernet(out);
  if (!eth || !eth->vlanTci) return "not a tagged frame";
  const std::uint32_t t = (txPort - 1u) * kVlansPerTrunk + eth->vlanId() - 1u;
  if (eth->dst != routerMac(t) || eth->src != trunkMac(txPort)) return "Ethernet of tenant " + std::to_string(t);
  auto ip = wire::parseIpv4(std::span(out).subspan(eth->headerLength));
  if (!ip || ip->src != kVm || ip->ttl != 63) return "inner IPv4 of tenant " + std::to_string(t);
  return {};
}

std::string checkEncap(std::uint16_t txPort, const std::vector<std::uint8_t>& out) {
  std::uint32_t t = 0;
  std::optional<wire::Ipv4Header> inner;
  MacAddr src;
  if (auto why = checkNvgreToVm(txPort, out, t, inner, &src); !why.empty()) return why;
  if (src != gatewayMac(t)) return "inner source MAC of tenant " + std::to_string(t);
  return {};
}

std::vector<Scenario> makeScenarios(std::uint32_t tenants, std::uint32_t flows) {
  auto many = [&](auto make, std::size_t bytes, bool external) {
    std::vector<Template> out;
    for (std::uint32_t f = 0; f < flows; ++f) {
      for (std::uint32_t t = 0; t < tenants; ++t) {
        out.push_back({make(t, f, bytes), external ? trunkOf(t) : kUnderlay});
      }
    }
    return out;
  };
  std::vector<Scenario> s;
  auto one = many(fromHost, 106, false);
  one.resize(1);
  s.push_back({"baseline",
               "port-rx -> port-tx (bench source and sink only)",
               Entry::PortTx,
               one,
               [](std::uint16_t, const std::vector<std::uint8_t>&) { return std::string(); },
               {},
               {}});
  s.push_back({"decap-forward-64",
               "NVGRE (148 B, 106 B inner frame) -> tenant VRF -> its VLAN: eth-input -> ip4-input -> nvgre-input -> "
               "ip4-lookup -> iface-output -> port-tx",
               Entry::EthInput,
               many(fromHost, 106, false),
               checkForward,
               {},
               {}});
  s.push_back({"decap-forward-1400",
               "NVGRE (1442 B, 1400 B inner frame) -> tenant VRF -> its VLAN",
               Entry::EthInput,
               many(fromHost, 1400, false),
               checkForward,
               {},
               {}});
  s.push_back({"forward-encap-64",
               "tagged 110 B frame from a tenant's network -> its VRF -> NVGRE to the VM's host: eth-input -> "
               "ip4-lookup -> overlay-output -> nvgre-encap -> port-tx",
               Entry::EthInput,
               many(fromRouter, 110, true),
               checkEncap,
               {},
               {}});
  s.push_back({"forward-encap-1400",
               "tagged 1400 B frame -> VRF -> NVGRE",
               Entry::EthInput,
               many(fromRouter, 1400, true),
               checkEncap,
               {},
               {}});
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint32_t tenants = 4096, flows = 1;
  bench::Options opt;
  for (int i = 1; i < argc; ++i) {
    if (bench::parseCommonOption(kProgram, argc, argv, i, opt)) continue;
    const std::string a = argv[i];
    auto count = [&](const char* what) -> std::uint32_t {
      if (i + 1 >= argc) bench::fail(kProgram, std::string("missing value after ") + what);
      return static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    };
    if (a == "--tenants") {
      tenants = count("--tenants");
      continue;
    }
    if (a == "--flows") {
      flows = count("--flows");
      continue;
    }
    std::cerr << "usage: " << kProgram << " [--tenants N] [--flows N] " << bench::kCommonUsage << "\n";
    return a == "--help" ? 0 : 2;
  }
  if (tenants < 1 || tenants > 2 * kVlansPerTrunk * 8) bench::fail(kProgram, "--tenants: 1 to 64000");
  if (flows < 1 || flows > 250) bench::fail(kProgram, "--flows: 1 to 250");
  bench::Platform platform = bench::startPlatform(kProgram, opt, 512);
  const std::uint64_t walks = opt.walks;
  const unsigned reps = opt.reps, lcore = opt.lcore;
  const std::size_t workingSet = opt.workingSet;
  const bool hugepages = opt.hugepages;
  const std::string& jsonPath = opt.jsonPath;
  const std::vector<std::string>& only = opt.only;

  // The gateway's tables, compiled from policy as hnvgwd compiles them.
  const std::uint16_t trunks = trunkOf(tenants - 1);
  bench::GatewayRig rig(kProgram);
  CounterRegistry counters(2);
  const auto desired = desiredState(tenants);
  const std::uint64_t c0 = rte_rdtsc();
  auto policy = overlay::OverlayPolicy::compile(desired);
  if (!policy) bench::fail(kProgram, policy.error().message());
  const overlay::OverlayPolicy& pol = *policy;
  auto tables = gateway::compileTenantTables(
      desired, pol, "gw1",
      [&](std::string_view name) -> std::optional<gateway::PortInfo> {
        if (name.rfind("trunk", 0) != 0) return std::nullopt;
        const auto port = static_cast<std::uint16_t>(std::stoul(std::string(name.substr(5))));
        return gateway::PortInfo{port, trunkMac(port), 1500, false};
      },
      nullptr, [&](TenantId t) { return gateway::registerTenantCounters(counters, *pol.rdidOf(t)); });
  if (!tables) bench::fail(kProgram, tables.error().message());
  const double compileMs = static_cast<double>(rte_rdtsc() - c0) * 1e3 / static_cast<double>(rte_get_tsc_hz());
  std::size_t vrfBytes = 0;
  for (std::uint32_t i = 1; i <= tenants; ++i) {
    if (const fib::Vrf* v = tables->vrf(TenantId(i))) vrfBytes += v->memoryBytes();
  }
  fib::NeighborTable::Map neighbors = bench::GatewayRig::hostNeighbors();
  for (const auto& x : tables->interfaces()) {
    const std::uint32_t t = (x.port - 1u) * kVlansPerTrunk + x.vlan - 1u;
    neighbors.emplace(fib::NeighborKey(kRouter, x.scope), fib::Neighbor{routerMac(t), x.port});
  }
  rig.publish(std::move(*tables), std::move(neighbors), std::move(*policy));
  rte_graph* g = rig.graph("gwbench", counters);

  std::vector<Scenario> scenarios = makeScenarios(tenants, flows);
  bench::keepScenarios(kProgram, scenarios, only);
  bench::measure(kProgram, g, scenarios, reps, walks, workingSet);
  const double hz = static_cast<double>(rte_get_tsc_hz());
  std::printf(
      "gateway_bench: %s build, %s, TSC %.3f GHz, lcore %u, %u tenants x %u flows (%u trunks), %u reps x %llu walks x "
      "%u packets\n  policy compiled in %.0f ms; VRF tries %.1f KiB in all (%.0f B per tenant)\n",
      HNV_BENCH_BUILD_TYPE, hugepages ? "hugepages (--in-memory)" : "--no-huge", hz / 1e9, lcore, tenants, flows,
      trunks, reps, static_cast<unsigned long long>(walks), bench::kBurst, compileMs,
      static_cast<double>(vrfBytes) / 1024, static_cast<double>(vrfBytes) / tenants);
  json::array out = bench::report(scenarios, hz);
  json::object results{{"date", bench::today()},
                       {"build", HNV_BENCH_BUILD_TYPE},
                       {"hugepages", hugepages},
                       {"tscHz", hz},
                       {"lcore", lcore},
                       {"tenants", tenants},
                       {"flowsPerTenant", flows},
                       {"policyCompileMs", compileMs},
                       {"vrfTrieBytes", vrfBytes},
                       {"reps", reps},
                       {"walksPerRep", walks},
                       {"burst", bench::kBurst},
                       {"workingSetMbufs", workingSet},
                       {"scenarios", std::move(out)}};
  if (!jsonPath.empty()) std::ofstream(jsonPath) << json::serialize(results) << "\n";
  return 0;
}
