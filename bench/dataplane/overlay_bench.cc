// Data-plane micro-benchmark: CPU cycles per packet of the overlay's two main
// paths, with the real generic and overlay nodes in a real rte_graph on one
// core, without NIC I/O (node cost only):
//
//   encap-*   VM -> encap: a frame from a bound VM port to a remote VM's MAC,
//             port-rx -> vm-input -> nvgre-encap -> port-tx
//   decap-*   decap -> VM: the NVGRE frame of the same flow on the uplink,
//             port-rx -> eth-input -> ip4-input -> nvgre-input -> port-tx
//   encap6-64, decap6-64
//             the same two paths over an IPv6 underlay: VM A4 (whose PA is
//             2001:db8:1::11) and the remote CA 10.0.1.40 at 2001:db8:1::12
//   arp-proxy an ARP request from a VM answered from policy,
//             port-rx -> vm-input -> arp-proxy -> port-tx
//   encap-scale-64, decap-scale-64
//             the same two paths at scale (--scale, on by default): the
//             policy holds --tenants virtual subnets (default 4,096) of
//             --records records each (default 256: 1,048,576 lookup
//             records), --vms of them (default 32) have a VM on this host
//             (VM port 3 + v; the
//             single-flow topology above is part of the same policy), and each local VM talks with every other CA
//             of its subnet (255 flows each, on 64 remote hosts); packets
//             go round robin over the VMs, then the flows.
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
// Usage: overlay_bench [--tenants N] [--records N] [--vms N] [--no-scale] [--walks N] [--reps N]
//                      [--scenario NAME]... [--hugepages] [--lcore N] [--working-set N] [--json FILE]
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

#include "bench_graph.h"
#include "hnv/base/counters.h"
#include "hnv/dp/catalog.h"
#include "hnv/dp/eal.h"
#include "hnv/dp/graph.h"
#include "hnv/dp/mempool.h"
#include "hnv/dp/node.h"
#include "hnv/dp/packet.h"
#include "hnv/dp/rcu.h"
#include "hnv/dp/trace.h"
#include "hnv/nat/module.h"
#include "hnv/vpn/module.h"
#include "hnv/nodes/module.h"
#include "hnv/overlay/module.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nvgre.h"

namespace {

namespace json = boost::json;
using namespace hnv;

constexpr std::string_view kProgram = "overlay_bench";
using bench::Entry;
using bench::kBurst;
using bench::Sink;

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
// The IPv6 underlay's pair: A4 (CA 10.0.1.11) here, 10.0.1.40 on host2.
const Ipv6Addr kPa6One = *Ipv6Addr::parse("2001:db8:1::11"), kPa6Two = *Ipv6Addr::parse("2001:db8:1::12");
const MacAddr kA40 = mac("00:15:5d:00:00:40");
const Ipv4Addr kCa11 = v4("10.0.1.11"), kCa40 = v4("10.0.1.40");

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
    {"vsid": 5001, "ca": "10.0.1.11", "mac": "00:15:5d:00:00:04", "pa": "2001:db8:1::11"},
    {"vsid": 5001, "ca": "10.0.1.40", "mac": "00:15:5d:00:00:40", "pa": "2001:db8:1::12"},
    {"vsid": 5001, "ca": "10.0.1.20", "mac": "00:15:5d:00:00:02", "pa": "192.0.2.12"},
    {"vsid": 5001, "ca": "10.0.1.30", "mac": "00:15:5d:00:00:03", "pa": "192.0.2.13"},
    {"vsid": 5001, "type": "GatewayWildcard", "mac": "00:15:5d:00:00:fe", "pa": "192.0.2.1"}]
})";

// A UDP datagram of `payload` bytes between two CAs of VSID 5001.
std::vector<std::uint8_t> udpFrame(const MacAddr& src, const MacAddr& dst, Ipv4Addr s, Ipv4Addr d,
                                   std::size_t payload) {
  return wire::PacketBuilder().eth(src, dst).ipv4(s, d).udp(1000, 2000).payloadFill(payload, 0xab).build();
}

std::vector<std::uint8_t> nvgre6Frame(const std::vector<std::uint8_t>& inner) {
  return wire::PacketBuilder().eth(kHost2Mac, kUplinkMac).ipv6(kPa6Two, kPa6One).nvgre(vsid(5001), 3).payload(inner).build();
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

// ----- Scenarios.

using bench::Scenario;

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

std::string expectEncap6(const std::vector<std::uint8_t>& inner, std::uint16_t txPort,
                         const std::vector<std::uint8_t>& out) {
  constexpr std::size_t kOuter = 14 + 40 + 8;
  if (txPort != kUplink) return "not sent on the uplink";
  if (out.size() != inner.size() + kOuter) return "outer frame of " + std::to_string(out.size()) + " bytes";
  auto eth = wire::parseEthernet(out);
  if (!eth || eth->dst != kHost2Mac || eth->etherType != wire::kEtherTypeIpv6) return "outer Ethernet";
  auto ip = wire::parseIpv6(std::span(out).subspan(wire::kEthernetHeaderLen));
  if (!ip || ip->src != kPa6One || ip->dst != kPa6Two || ip->nextHeader != wire::kIpProtoGre) return "outer IPv6";
  auto nv = wire::parseNvgre(ip->payload);
  if (!nv || nv->vsid != vsid(5001)) return "NVGRE header";
  if (!std::equal(inner.begin(), inner.end(), out.begin() + kOuter)) return "inner frame changed";
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
               {bench::Template{small, kPortA1}},
               same(kPortA1, small),
               {},
               {}});
  s.push_back({"encap-64",
               "VM -> encap, UDP 64 B payload (106 B frame): vm-input -> nvgre-encap -> port-tx",
               Entry::VmInput,
               {bench::Template{small, kPortA1}},
               [small](std::uint16_t p, const std::vector<std::uint8_t>& o) { return expectEncap(small, p, o); },
               {},
               {}});
  s.push_back({"encap-1400",
               "VM -> encap, 1400 B frame: vm-input -> nvgre-encap -> port-tx",
               Entry::VmInput,
               {bench::Template{large, kPortA1}},
               [large](std::uint16_t p, const std::vector<std::uint8_t>& o) { return expectEncap(large, p, o); },
               {},
               {}});
  s.push_back({"decap-64",
               "decap -> VM, NVGRE of the 106 B frame (148 B): eth-input -> ip4-input -> nvgre-input -> port-tx",
               Entry::EthInput,
               {bench::Template{nvgreFrame(smallBack), kUplink}},
               same(kPortA1, smallBack),
               {},
               {}});
  s.push_back({"decap-1400",
               "decap -> VM, NVGRE of the 1400 B frame (1442 B): eth-input -> ip4-input -> nvgre-input -> port-tx",
               Entry::EthInput,
               {bench::Template{nvgreFrame(largeBack), kUplink}},
               same(kPortA1, largeBack),
               {},
               {}});
  auto small6 = udpFrame(kA4, kA40, kCa11, kCa40, 64);
  auto small6Back = udpFrame(kA40, kA4, kCa40, kCa11, 64);
  s.push_back({"encap6-64",
               "VM -> encap over IPv6, UDP 64 B payload (106 B frame): vm-input -> nvgre-encap -> port-tx",
               Entry::VmInput,
               {bench::Template{small6, kPortA4}},
               [small6](std::uint16_t p, const std::vector<std::uint8_t>& o) { return expectEncap6(small6, p, o); },
               {},
               {}});
  s.push_back({"decap6-64",
               "decap from IPv6 -> VM, NVGRE of the 106 B frame (168 B): eth-input -> ip6-input -> nvgre-input -> "
               "port-tx",
               Entry::EthInput,
               {bench::Template{nvgre6Frame(small6Back), kUplink}},
               same(kPortA4, small6Back),
               {},
               {}});
  s.push_back({"arp-proxy",
               "ARP request from a VM answered from policy: vm-input -> arp-proxy -> port-tx",
               Entry::VmInput,
               {bench::Template{arp, kPortA1}},
               same(kPortA1, arpReply),
               {},
               {}});
  return s;
}


// ----- The same paths at scale (encap-scale-64, decap-scale-64).

struct Scale {
  std::uint32_t tenants = 4096, records = 256, vms = 32;
};
constexpr std::uint32_t kRemoteHosts = 64;
constexpr std::uint16_t kFirstScalePort = 3;  // after kPortA1 and kPortA4
std::uint32_t vsidOfTenant(std::uint32_t t) { return 10000 + t; }
// Record k of tenant t: CA 10.1.0.0 + 10 + k, MAC 02:0c:<t>:<k>, on remote
// host (t + k) % 64, except record 0 of a tenant with a local VM (this host).
Ipv4Addr caOf(std::uint32_t k) { return Ipv4Addr::fromHost(v4("10.1.0.10").host() + k); }
MacAddr macOfRecord(std::uint32_t t, std::uint32_t k) {
  const std::uint8_t b[6] = {0x02, 0x0c, static_cast<std::uint8_t>(t >> 8), static_cast<std::uint8_t>(t),
                             static_cast<std::uint8_t>(k >> 8), static_cast<std::uint8_t>(k)};
  return MacAddr::fromBytes(b);
}
std::uint32_t hostOfRecord(std::uint32_t t, std::uint32_t k) { return (t + k) % kRemoteHosts; }
Ipv4Addr remotePa(std::uint32_t h) { return Ipv4Addr::fromHost(v4("192.0.2.100").host() + h); }
MacAddr remoteHostMac(std::uint32_t h) {
  const std::uint8_t b[6] = {0x02, 0x0b, 0, 0, 0, static_cast<std::uint8_t>(h)};
  return MacAddr::fromBytes(b);
}

// The scale policy, with the single-flow topology's items (kDesired) too.
json::object scaleDocument(const Scale& sc) {
  json::object small = json::parse(kDesired).as_object();
  json::array domains = small["routing-domains"].as_array(), subnets = small["virtual-subnets"].as_array(),
              records = small["lookup-records"].as_array();
  char rdid[40];
  for (std::uint32_t t = 0; t < sc.tenants; ++t) {
    std::snprintf(rdid, sizeof rdid, "00000000-0000-4000-8000-%012x", t + 1);
    domains.push_back(json::object{{"rdid", rdid}});
    subnets.push_back(json::object{{"vsid", vsidOfTenant(t)}, {"rdid", rdid}, {"prefixes", json::array{"10.1.0.0/16"}}});
    for (std::uint32_t k = 0; k < sc.records; ++k) {
      const bool local = k == 0 && t < sc.vms;
      records.push_back(json::object{{"vsid", vsidOfTenant(t)},
                                     {"ca", caOf(k).toString()},
                                     {"mac", macOfRecord(t, k).toString()},
                                     {"pa", local ? kPa1.toString() : remotePa(hostOfRecord(t, k)).toString()}});
    }
  }
  return json::object{
      {"revision", 1},
      {"routing-domains", std::move(domains)},
      {"virtual-subnets", std::move(subnets)},
      {"provider-addresses", json::array{json::object{{"node", "host1"},
                                                      {"interface", "ul0"},
                                                      {"address", kPa1.toString()},
                                                      {"prefixLength", 24},
                                                      {"mac", kUplinkMac.toString()}}}},
      {"lookup-records", std::move(records)}};
}

std::vector<bench::Template> scaleFrames(const Scale& sc, bool encap) {
  std::vector<bench::Template> out;
  for (std::uint32_t k = 1; k < sc.records; ++k) {
    for (std::uint32_t v = 0; v < sc.vms; ++v) {
      const auto port = static_cast<std::uint16_t>(kFirstScalePort + v);
      if (encap) {
        out.push_back({udpFrame(macOfRecord(v, 0), macOfRecord(v, k), caOf(0), caOf(k), 64), port});
        continue;
      }
      const std::uint32_t h = hostOfRecord(v, k);
      out.push_back({wire::PacketBuilder()
                         .eth(remoteHostMac(h), kUplinkMac)
                         .ipv4(remotePa(h), kPa1)
                         .df()
                         .nvgre(vsid(vsidOfTenant(v)), static_cast<std::uint8_t>(k))
                         .payload(udpFrame(macOfRecord(v, k), macOfRecord(v, 0), caOf(k), caOf(0), 64))
                         .build(),
                     kUplink});
    }
  }
  return out;
}

std::string checkScaleEncap(std::uint16_t txPort, const std::vector<std::uint8_t>& out) {
  if (txPort != kUplink) return "not sent on the uplink";
  auto ip = wire::parseIpv4(std::span(out).subspan(wire::kEthernetHeaderLen));
  if (!ip || ip->src != kPa1) return "outer IPv4";
  auto nv = wire::parseNvgre(ip->payload);
  if (!nv) return "NVGRE";
  auto eth = wire::parseEthernet(ip->payload.subspan(wire::kNvgreHeaderLen));
  if (!eth) return "inner Ethernet";
  const auto* d = eth->dst.bytes().data();
  const std::uint32_t t = d[2] << 8 | d[3], k = d[4] << 8 | d[5];
  if (nv->vsid != vsid(vsidOfTenant(t)) || ip->dst != remotePa(hostOfRecord(t, k))) {
    return "VSID or outer destination of record " + std::to_string(k) + " of tenant " + std::to_string(t);
  }
  return {};
}

std::string checkScaleDecap(std::uint16_t txPort, const std::vector<std::uint8_t>& out) {
  auto eth = wire::parseEthernet(out);
  if (!eth) return "Ethernet";
  const auto* d = eth->dst.bytes().data();
  const std::uint32_t v = d[2] << 8 | d[3];
  if (d[4] != 0 || d[5] != 0 || txPort != kFirstScalePort + v) return "sent on port " + std::to_string(txPort) + " to " + eth->dst.toString();
  auto ip = wire::parseIpv4(std::span(out).subspan(eth->headerLength));
  if (!ip || ip->dst != caOf(0) || ip->ttl != 64) return "inner IPv4 changed";
  return {};
}

void fail(const std::string& why) { bench::fail(kProgram, why); }

}  // namespace

int main(int argc, char** argv) {
  bench::Options opt;
  Scale sc;
  bool scale = true;
  for (int i = 1; i < argc; ++i) {
    if (bench::parseCommonOption(kProgram, argc, argv, i, opt)) continue;
    const std::string a = argv[i];
    if ((a == "--tenants" || a == "--records" || a == "--vms") && i + 1 < argc) {
      (a == "--tenants" ? sc.tenants : a == "--records" ? sc.records : sc.vms) =
          static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
      continue;
    }
    if (a == "--no-scale") {
      scale = false;
      continue;
    }
    std::cerr << "usage: " << kProgram << " [--tenants N] [--records N] [--vms N] [--no-scale] " << bench::kCommonUsage
              << "\n";
    return a == "--help" ? 0 : 2;
  }
  if (sc.tenants < 1 || sc.tenants > 65000) fail("--tenants: 1 to 65000");
  if (sc.records < 2 || sc.records > 65000) fail("--records: 2 to 65000 per tenant");
  if (sc.vms < 1 || sc.vms > 61 || sc.vms > sc.tenants) fail("--vms: 1 to 61, at most --tenants");
  bench::Platform platform = bench::startPlatform(kProgram, opt, scale ? 2048 : 256);
  const std::uint64_t walks = opt.walks;
  const unsigned reps = opt.reps, lcore = opt.lcore;
  const std::size_t workingSet = opt.workingSet;
  const bool hugepages = opt.hugepages;
  const std::string& jsonPath = opt.jsonPath;
  const std::vector<std::string>& only = opt.only;

  // The node's tables and policy, as in the packet tests' fixture.
  fib::PortAddresses up;
  up.port = kUplink;
  up.mac = kUplinkMac;
  up.mtu = 1500;
  up.v4.push_back(*InterfaceAddress4::parse("192.0.2.11/24"));
  up.v6.push_back(*InterfaceAddress6::parse("2001:db8:1::11/64"));
  auto local = fib::LocalAddresses::build({up});
  if (!local) fail(local.error().message());
  auto rcu = dp::Rcu::create(1);
  if (!rcu) fail(rcu.error().message());
  dp::Published<fib::LocalAddresses> localPub(**rcu, std::make_unique<const fib::LocalAddresses>(*local));
  fib::NeighborTable::Map neighbors{
      {kPa2, {kHost2Mac, kUplink}}, {kPa3, {kHost3Mac, kUplink}}, {IpAddr(kPa6Two), {kHost2Mac, kUplink}}};
  std::vector<overlay::VmPortBinding> ports{{kPortA1, vsid(5001), kA1, {}}, {kPortA4, vsid(5001), kA4, {}}};
  if (scale) {
    for (std::uint32_t h = 0; h < kRemoteHosts; ++h) neighbors.emplace(remotePa(h), fib::Neighbor{remoteHostMac(h), kUplink});
    for (std::uint32_t v = 0; v < sc.vms; ++v) {
      ports.push_back({static_cast<std::uint16_t>(kFirstScalePort + v), vsid(vsidOfTenant(v)), macOfRecord(v, 0), {}});
    }
  }
  dp::Published<fib::NeighborTable> neighborsPub(**rcu,
                                                 std::make_unique<const fib::NeighborTable>(std::move(neighbors)));
  const std::uint64_t c0 = rte_rdtsc();
  auto policy = overlay::OverlayPolicy::compile(scale ? scaleDocument(sc) : json::parse(kDesired).as_object(), nullptr,
                                                ports);
  if (!policy) fail(policy.error().message());
  const double compileMs = static_cast<double>(rte_rdtsc() - c0) * 1e3 / static_cast<double>(rte_get_tsc_hz());
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

  nat::NatContext natCtx;  // no NAT here: the nodes only complete ip4-lookup's edges
  vpn::VpnContext vpnCtx;  // no tunnels: the nodes only complete ip4-lookup's edges
  natCtx.sessionsPerWorker = 0;
  dp::NodeCatalog catalog;
  for (auto added : {bench::addBenchNodes(catalog), nodes::addGenericNodes(catalog, nodesCtx),
                     overlay::addOverlayNodes(catalog, overlayCtx), nat::addNatNodes(catalog, natCtx, 1),
                 vpn::addVpnNodes(catalog, vpnCtx, 1)}) {
    if (!added) fail(added.error().message());
  }
  CounterRegistry counters(2);
  dp::TraceBuffer trace(0);
  auto graph = bench::makeGraph(kProgram, "bench", catalog, counters, trace);
  rte_graph* g = graph->graph();

  std::vector<Scenario> scenarios = makeScenarios();
  if (scale) {
    scenarios.push_back({"encap-scale-64",
                         "VM -> encap at scale: " + std::to_string(sc.vms) + " VMs x " + std::to_string(sc.records - 1) +
                             " remote CAs of their subnets, 106 B frames, " +
                             std::to_string(std::uint64_t{sc.tenants} * sc.records) + " lookup records",
                         Entry::VmInput,
                         scaleFrames(sc, true),
                         checkScaleEncap,
                         {},
                         {}});
    scenarios.push_back({"decap-scale-64",
                         "decap -> VM at scale: the answers of the same flows, NVGRE (148 B) from 64 remote hosts",
                         Entry::EthInput,
                         scaleFrames(sc, false),
                         checkScaleDecap,
                         {},
                         {}});
  }
  bench::keepScenarios(kProgram, scenarios, only);
  bench::measure(kProgram, g, scenarios, reps, walks, workingSet);
  const double hz = static_cast<double>(rte_get_tsc_hz());
  std::printf(
      "overlay_bench: %s build, %s, TSC %.3f GHz, lcore %u, %u reps x %llu walks x %u packets, working set %zu mbufs\n"
      "  policy: %llu lookup records compiled in %.0f ms\n",
      HNV_BENCH_BUILD_TYPE, hugepages ? "hugepages (--in-memory)" : "--no-huge", hz / 1e9, lcore, reps,
      static_cast<unsigned long long>(walks), kBurst, workingSet,
      static_cast<unsigned long long>(scale ? std::uint64_t{sc.tenants} * sc.records + 5 : 5), compileMs);
  json::array out = bench::report(scenarios, hz);
  json::object results{{"date", bench::today()},
                       {"build", HNV_BENCH_BUILD_TYPE},
                       {"hugepages", hugepages},
                       {"tscHz", hz},
                       {"lcore", lcore},
                       {"reps", reps},
                       {"walksPerRep", walks},
                       {"burst", kBurst},
                       {"workingSetMbufs", workingSet},
                       {"tenants", scale ? sc.tenants : 1},
                       {"lookupRecords", scale ? std::uint64_t{sc.tenants} * sc.records + 5 : 5},
                       {"localVms", scale ? sc.vms + 2 : 2},
                       {"policyCompileMs", compileMs},
                       {"scenarios", std::move(out)}};
  if (!jsonPath.empty()) std::ofstream(jsonPath) << json::serialize(results) << "\n";
  // Graph and pool go before the EAL.
  graph.reset();
  return 0;
}
