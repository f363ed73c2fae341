// The gateway's site-to-site VPN paths through the real graph (issue
// "Benchmark suite"): CPU cycles per packet of NVGRE decap -> tenant VRF ->
// ESP encrypt -> internet, and of ESP decrypt -> tenant VRF -> NVGRE, on one
// core without NIC I/O, with --tunnels tenants (default 1,000) each holding
// one S2S interface with its two SAs (2,000 SAs and crypto sessions on the
// AES-NI multi-buffer cryptodev, AES-128-GCM, ESP in UDP 4500).
//
// The tables are the product's: the overlay and the internet routing
// domain compiled from a generated policy (OverlayPolicy::compile,
// gateway::compileTenantTables), the S2S interfaces configured on a real
// VpnManager and their SAs installed through it from the sa-add messages
// hnv-iked would send; its routes and VpnTables are what the nodes read.
//
//   decap-encrypt-64  NVGRE (148 B, 106 B inner frame) from tenant t's VM to
//                     the site's LAN 172.16.0.0/24 -> eth-input -> ip4-input
//                     -> nvgre-input -> ip4-lookup (tenant) -> esp-encrypt ->
//                     ip4-lookup (internet) -> iface-output -> port-tx
//   decrypt-encap-64  ESP in UDP (126 B, a 50 B inner IP packet) from site t
//                     -> eth-input -> ip4-input -> ip4-lookup (internet) ->
//                     esp-input (decrypt, selector check) -> ip4-lookup
//                     (tenant) -> overlay-output -> nvgre-encap -> port-tx
//   baseline          the bench's own source and sink
//
// With --inner6 every tunnel carries IPv6 inside instead (the interfaces'
// prefixes fd00:1::/64 and the site's fd00:16::/64; the VSIDs dual-stack):
// decap-encrypt6-64 (NVGRE, a 106 B inner frame, through ip6-lookup) and
// decrypt-encap6-64 (ESP in UDP, 128 B, carrying a 50 B IPv6 packet, to
// ip6-lookup: the bench source restores 128 bytes of each frame).
//
// Packets go round robin over the tunnels, so every packet of a burst is
// another SA (the worst case for the crypto bursts, which group runs of one
// SA); --run N sends N packets of a tunnel in a row instead. The ESP frames
// are made once by each site's own outbound SA (the mirror of ours, same
// keys) and replayed: the inbound SAs have anti-replay off (a replay window
// of 0, which IKE can negotiate too), the only difference from production's
// 32-packet window check. Timing, repetitions, "net" and callgrind: as
// overlay_bench (bench/README.md).
//
// Usage: vpn_bench [--tunnels N] [--run N] [--inner6] [--driver auto|aesni_mb|openssl] [--walks N] [--reps N]
//                  [--scenario NAME]... [--hugepages] [--lcore N] [--working-set N] [--json FILE]
#include <rte_cycles.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>

#include "bench_graph.h"
#include "gateway_rig.h"
#include "hnv/base/log.h"
#include "hnv/gateway/tenant_compile.h"
#include "hnv/vpn/esp_engine.h"
#include "hnv/vpn/manager.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nvgre.h"
#include "tenant_plan.h"

namespace {

namespace json = boost::json;
using namespace hnv;
using namespace hnv::bench;  // the tenant plan (tenant_plan.h)
using bench::Entry;
using bench::Scenario;
using bench::Template;

constexpr std::string_view kProgram = "vpn_bench";
constexpr std::uint16_t kInet = 1;
constexpr std::uint16_t kIkeNatT = 4500;
constexpr std::uint16_t kGcm128 = 20;         // IKEv2 ENCR_AES_GCM_16
constexpr std::uint16_t kNoIntegrity = 1024;  // what hnv-iked sends with AEAD
const MacAddr kInetMac = macOf(0x01, 1), kIspMac = macOf(0x99, 1);
const Ipv4Addr kIsp = *Ipv4Addr::parse("100.64.0.254");
const Ipv4Addr kEndpoint = *Ipv4Addr::parse("100.64.0.5");
// Site t's VPN gateway (behind the provider's router) and its LAN.
Ipv4Addr siteOf(std::uint32_t t) { return Ipv4Addr::fromHost(Ipv4Addr::parse("198.18.0.0")->host() + 1 + t); }
Ipv4Addr siteHost(std::uint32_t f) { return Ipv4Addr::fromHost(Ipv4Addr::parse("172.16.0.0")->host() + 1 + f % 250); }
// --inner6: the VM's IPv6 CA and the site's IPv6 LAN.
const Ipv6Addr kVm6 = *Ipv6Addr::parse("fd00:1::10");
Ipv6Addr siteHost6(std::uint32_t f) {
  auto b = Ipv6Addr::parse("fd00:16::")->bytes();
  b[15] = static_cast<std::uint8_t>(1 + f % 250);
  return Ipv6Addr(b);
}
std::uint32_t outSpi(std::uint32_t t) { return 0xc1000000u + t; }
std::uint32_t inSpi(std::uint32_t t) { return 0xc2000000u + t; }

json::object desiredState(std::uint32_t tenants, bool inner6) {
  const std::string internet = rdidOf(tenants);
  json::array domains{json::object{{"rdid", internet}}}, subnets, records;
  for (std::uint32_t t = 0; t < tenants; ++t) {
    addTenantOverlay(t, domains, subnets, records);
    if (!inner6) continue;
    subnets.back().as_object()["prefixes"].as_array().emplace_back("fd00:1::/64");
    records.push_back(json::object{{"vsid", kFirstVsid + t},
                                   {"ca", kVm6.toString()},
                                   {"mac", vmMac(t).toString()},
                                   {"pa", hostPa(hostOf(t)).toString()}});
  }
  json::object doc = gatewayDocument(std::move(domains), std::move(subnets), std::move(records));
  doc["external-interfaces"] = json::array{json::object{{"rdid", internet},
                                                        {"name", "inet"},
                                                        {"node", "gw1"},
                                                        {"port", "inet"},
                                                        {"address", "100.64.0.1"},
                                                        {"prefixLength", 10}}};
  doc["gateway-routes"] = json::array{json::object{
      {"rdid", internet}, {"destinationPrefix", "0.0.0.0/0"}, {"interface", "inet"}, {"nextHop", kIsp.toString()}}};
  return doc;
}

// The key both ends of tunnel t derive (AES-128 and the 4-byte GCM salt).
std::vector<std::uint8_t> keyOf(std::uint32_t t, bool inbound) {
  std::vector<std::uint8_t> k(20);
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(t * 7 + i * 13 + (inbound ? 101 : 0));
  return k;
}

// What hnv-iked hands over for tunnel t, one SA of each direction.
ikeipc::SaAdd saAdd(std::uint32_t t, TenantId tenant, bool inbound, bool inner6) {
  ikeipc::SaAdd a;
  a.spi = inbound ? inSpi(t) : outSpi(t);
  a.inbound = inbound;
  a.src = inbound ? siteOf(t) : kEndpoint;
  a.dst = inbound ? kEndpoint : siteOf(t);
  a.srcPort = a.dstPort = kIkeNatT;
  a.encap = true;
  a.encAlg = kGcm128;
  a.encKey = keyOf(t, inbound);
  a.intAlg = kNoIntegrity;
  a.replayWindow = 0;  // the frames are replayed (see the top of the file)
  a.ifId = tenant.index();
  const ikeipc::Selector ours =
      inner6 ? ikeipc::Selector{*IpAddr::parse("fd00:1::"), *IpAddr::parse("fd00:1::ffff:ffff:ffff:ffff"), 0, 0, 65535}
             : ikeipc::Selector{*IpAddr::parse("10.0.1.0"), *IpAddr::parse("10.0.1.255"), 0, 0, 65535};
  const ikeipc::Selector theirs =
      inner6
          ? ikeipc::Selector{*IpAddr::parse("fd00:16::"), *IpAddr::parse("fd00:16::ffff:ffff:ffff:ffff"), 0, 0, 65535}
          : ikeipc::Selector{*IpAddr::parse("172.16.0.0"), *IpAddr::parse("172.16.0.255"), 0, 0, 65535};
  a.srcTs = {inbound ? theirs : ours};
  a.dstTs = {inbound ? ours : theirs};
  return a;
}

std::vector<std::uint8_t> fromVm(std::uint32_t t, std::uint32_t f, bool inner6) {
  if (!inner6) {
    return nvgreFromVm(t, siteHost(f), static_cast<std::uint16_t>(1000 + f), 53, static_cast<std::uint8_t>(f), 106);
  }
  auto inner = wire::PacketBuilder()
                   .eth(vmMac(t), gatewayMac(t))
                   .ipv6(kVm6, siteHost6(f))
                   .udp(static_cast<std::uint16_t>(1000 + f), 53)
                   .payloadFill(106 - 14 - 40 - 8, 0xab)
                   .build();
  return wire::PacketBuilder()
      .eth(hostMac(hostOf(t)), kUnderlayMac)
      .ipv4(hostPa(hostOf(t)), kGwPa)
      .df()
      .nvgre(*Vsid::forTenant(kFirstVsid + t), static_cast<std::uint8_t>(f))
      .payload(inner)
      .build();
}

// Site t's ESP frame to our endpoint, made by its outbound SA (`site`).
std::vector<std::uint8_t> fromSite(vpn::EspSa& site, rte_mempool* pool, std::uint32_t f, bool inner6) {
  const auto inner = inner6 ? wire::PacketBuilder()
                                  .ipv6(siteHost6(f), kVm6)
                                  .udp(53, static_cast<std::uint16_t>(1000 + f))
                                  .payloadFill(50 - 48, 0xcd)
                                  .build()
                            : wire::PacketBuilder()
                                  .ipv4(siteHost(f), kVm)
                                  .udp(53, static_cast<std::uint16_t>(1000 + f))
                                  .payloadFill(50 - 28, 0xcd)
                                  .build();
  const auto eth = wire::PacketBuilder().eth(kIspMac, kInetMac).etherType(wire::kEtherTypeIpv4).build();
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) bench::fail(kProgram, "no mbuf to make the ESP frames");
  auto* p = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(14 + inner.size())));
  std::copy(eth.begin(), eth.end(), p);
  std::copy(inner.begin(), inner.end(), p + 14);
  m->l2_len = 14;
  if (vpn::espProcess(site, 0, &m, 1).ok != 1) bench::fail(kProgram, "a site's SA did not encrypt");
  const auto* d = rte_pktmbuf_mtod(m, const std::uint8_t*);
  std::vector<std::uint8_t> out(d, d + rte_pktmbuf_data_len(m));
  rte_pktmbuf_free(m);
  std::copy(eth.begin(), eth.end(), out.begin());  // the engine leaves a placeholder Ethernet header
  return out;
}

std::string checkEncrypted(std::uint16_t txPort, const std::vector<std::uint8_t>& out, std::uint32_t tunnels) {
  if (txPort != kInet) return "not sent on the internet port";
  auto eth = wire::parseEthernet(out);
  if (!eth || eth->dst != kIspMac || eth->src != kInetMac) return "Ethernet";
  auto ip = wire::parseIpv4(std::span(out).subspan(eth->headerLength));
  if (!ip || ip->src != kEndpoint || ip->protocol != 17) return "outer IPv4";
  if (ip->payload.size() < 16 || wire::load16(&ip->payload[2]) != kIkeNatT) return "UDP 4500";
  const std::uint32_t t = wire::load32(&ip->payload[8]) - outSpi(0);
  if (t >= tunnels || ip->dst != siteOf(t)) return "SPI or destination " + ip->dst.toString();
  return {};
}

std::string checkEncap(std::uint16_t txPort, const std::vector<std::uint8_t>& out) {
  std::uint32_t t = 0;
  std::optional<wire::Ipv4Header> inner;
  if (auto why = checkNvgreToVm(txPort, out, t, inner); !why.empty()) return why;
  if (inner->src.host() >> 8 != 0xac1000) return "inner source " + inner->src.toString() + " is not the site's LAN";
  return {};
}

// The IPv6 packet from the site in NVGRE to tenant t's VM.
std::string checkEncap6(std::uint16_t txPort, const std::vector<std::uint8_t>& out) {
  if (txPort != kUnderlay) return "not sent on the underlay";
  auto ip = wire::parseIpv4(std::span(out).subspan(wire::kEthernetHeaderLen));
  if (!ip || ip->src != kGwPa) return "outer IPv4";
  auto nv = wire::parseNvgre(ip->payload);
  if (!nv) return "NVGRE";
  const std::uint32_t t = nv->vsid.value() - kFirstVsid;
  if (ip->dst != hostPa(hostOf(t))) return "outer destination of tenant " + std::to_string(t);
  auto eth = wire::parseEthernet(ip->payload.subspan(wire::kNvgreHeaderLen));
  if (!eth || eth->dst != vmMac(t) || eth->etherType != wire::kEtherTypeIpv6) return "inner Ethernet";
  auto v = wire::parseIpv6(ip->payload.subspan(wire::kNvgreHeaderLen + eth->headerLength));
  if (!v || v->dst != kVm6 || v->src.bytes()[3] != 0x16) return "inner IPv6";
  return {};
}

struct Args {
  bool inner6 = false;
  std::uint32_t tunnels = 1000, run = 1;
  std::string driver = "auto";
  bench::Options opt;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    if (bench::parseCommonOption(kProgram, argc, argv, i, a.opt)) continue;
    const std::string s = argv[i];
    if ((s == "--tunnels" || s == "--run") && i + 1 < argc) {
      (s == "--tunnels" ? a.tunnels : a.run) = static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
      continue;
    }
    if (s == "--inner6") {
      a.inner6 = true;
      continue;
    }
    if (s == "--driver" && i + 1 < argc) {
      a.driver = argv[++i];
      continue;
    }
    std::cerr << "usage: " << kProgram << " [--tunnels N] [--run N] [--inner6] [--driver auto|aesni_mb|openssl] "
              << bench::kCommonUsage << "\n";
    std::exit(s == "--help" ? 0 : 2);
  }
  if (a.tunnels < 1 || a.tunnels > 4096) bench::fail(kProgram, "--tunnels: 1 to 4096");
  if (a.run < 1 || a.run > 250) bench::fail(kProgram, "--run: 1 to 250");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const std::uint32_t tunnels = args.tunnels;
  const bench::Options& opt = args.opt;
  bench::Platform platform = bench::startPlatform(kProgram, opt, 768);

  const bool inner6 = args.inner6;
  const auto desired = desiredState(tunnels, inner6);
  auto policy = overlay::OverlayPolicy::compile(desired);
  if (!policy) bench::fail(kProgram, policy.error().message());
  const overlay::OverlayPolicy& pol = *policy;
  const TenantId outside = *pol.tenant(*Rdid::parse(rdidOf(tunnels)));

  bench::GatewayRig rig(kProgram);
  vpn::CryptoDevice::Options co;
  co.driver = args.driver;
  co.sessions = 3 * tunnels + 16;  // ours in and out, each site's out
  auto device = vpn::CryptoDevice::open(co);
  if (!device) bench::fail(kProgram, device.error().message());
  vpn::VpnManager manager(rig.rcu(), device->get());
  Logger::setLevel(LogLevel::Warning);  // not a line per SA installed
  std::vector<vpn::S2sInterface> interfaces;
  std::vector<TenantId> tenantOf(tunnels, TenantId::node());
  for (std::uint32_t t = 0; t < tunnels; ++t) {
    tenantOf[t] = *pol.tenant(*Rdid::parse(rdidOf(t)));
    vpn::S2sInterface x;
    x.name = rdidOf(t) + "_site";
    x.rdid = rdidOf(t);
    x.shortName = "site";
    x.tenant = tenantOf[t];
    x.outside = outside;
    x.local = kEndpoint;
    x.remote = siteOf(t);
    x.localPrefixes = {*Prefix::parse(inner6 ? "fd00:1::/64" : "10.0.1.0/24")};
    x.remotePrefixes = {{*Prefix::parse(inner6 ? "fd00:16::/64" : "172.16.0.0/24"), 10}};
    interfaces.push_back(std::move(x));
  }
  manager.configure(std::move(interfaces));
  // The sites' outbound SAs, the mirror of our inbound ones (same SPI and keys).
  std::vector<std::unique_ptr<vpn::EspSa>> sites;
  for (std::uint32_t t = 0; t < tunnels; ++t) {
    for (bool inbound : {true, false}) {
      auto r = manager.handle(saAdd(t, tenantOf[t], inbound, inner6));
      const auto* res = r ? std::get_if<ikeipc::Result_>(&*r) : nullptr;
      if (res == nullptr || !res->ok) bench::fail(kProgram, "sa-add refused: " + (res ? res->error : "no answer"));
    }
    vpn::SaSpec s;
    s.spi = inSpi(t);
    s.direction = vpn::SaDirection::Outbound;
    s.local = siteOf(t);
    s.remote = kEndpoint;
    s.udpEncap = vpn::UdpEncap{kIkeNatT, kIkeNatT};
    s.tenant = TenantId(1);
    s.inner6 = inner6;
    if (auto st = vpn::setAlgorithms(s, kGcm128, keyOf(t, true), kNoIntegrity, {}); !st) {
      bench::fail(kProgram, st.error().message());
    }
    auto site = vpn::EspSa::create(s, **device);
    if (!site) bench::fail(kProgram, site.error().message());
    sites.push_back(std::move(*site));
  }

  CounterRegistry counters(2);
  auto tables = gateway::compileTenantTables(
      desired, pol, "gw1",
      [](std::string_view name) -> std::optional<gateway::PortInfo> {
        if (name != "inet") return std::nullopt;
        return gateway::PortInfo{kInet, kInetMac, 1500, false};
      },
      nullptr, [&](TenantId t) { return gateway::registerTenantCounters(counters, *pol.rdidOf(t)); },
      manager.routes());
  if (!tables) bench::fail(kProgram, tables.error().message());
  fib::NeighborTable::Map neighbors = bench::GatewayRig::hostNeighbors();
  neighbors.emplace(fib::NeighborKey(kIsp, tables->interfaces().at(0).scope), fib::Neighbor{kIspMac, kInet});
  rig.publish(std::move(*tables), std::move(neighbors), std::move(*policy));
  rig.vpn.tables = &manager.tables();
  rig.vpn.tenants = &rig.tenants();
  rte_graph* g = rig.graph("vpnbench", counters);

  // Tunnel by tunnel, `run` packets (flows) of each in a row.
  std::vector<Template> encrypt, decrypt;
  for (std::uint32_t t = 0; t < tunnels; ++t) {
    for (std::uint32_t f = 0; f < args.run; ++f) {
      encrypt.push_back({fromVm(t, f, inner6), kUnderlay});
      decrypt.push_back({fromSite(*sites[t], platform.pool.get(), f, inner6), kInet});
      if (decrypt.back().frame.size() > bench::kRestore) {
        bench::fail(kProgram, "an ESP frame is longer than what the source restores");
      }
    }
  }
  std::vector<Scenario> scenarios;
  scenarios.push_back({"baseline",
                       "port-rx -> port-tx (bench source and sink only)",
                       Entry::PortTx,
                       {encrypt.front()},
                       [](std::uint16_t, const std::vector<std::uint8_t>&) { return std::string(); },
                       {},
                       {}});
  scenarios.push_back(
      {inner6 ? "decap-encrypt6-64" : "decap-encrypt-64",
       inner6 ? "NVGRE (148 B, IPv6 inside) -> tenant VRF (ip6-lookup) -> esp-encrypt (AES-128-GCM, "
                "UDP 4500) -> internet VRF -> its interface"
              : "NVGRE (148 B) -> tenant VRF -> esp-encrypt (AES-128-GCM, UDP 4500) -> internet VRF -> "
                "its interface",
       Entry::EthInput,
       std::move(encrypt),
       [tunnels](std::uint16_t p, const std::vector<std::uint8_t>& o) { return checkEncrypted(p, o, tunnels); },
       {},
       {}});
  scenarios.push_back({inner6 ? "decrypt-encap6-64" : "decrypt-encap-64",
                       inner6 ? "ESP in UDP (128 B, IPv6 inside) -> esp-input (decrypt, ranges) -> tenant VRF "
                                "(ip6-lookup) -> NVGRE to the VM's host"
                              : "ESP in UDP (126 B) -> esp-input (decrypt, selectors) -> tenant VRF -> NVGRE to the "
                                "VM's host",
                       Entry::EthInput,
                       std::move(decrypt),
                       inner6 ? checkEncap6 : checkEncap,
                       {},
                       {}});
  bench::keepScenarios(kProgram, scenarios, opt.only);
  bench::measure(kProgram, g, scenarios, opt.reps, opt.walks, opt.workingSet);
  const double hz = static_cast<double>(rte_get_tsc_hz());
  std::printf("vpn_bench: %s build, %s, TSC %.3f GHz, lcore %u, %u tunnels (%u SAs, %s), %u packets per tunnel in a "
              "row, %u reps x %llu walks x %u packets\n",
              HNV_BENCH_BUILD_TYPE, opt.hugepages ? "hugepages (--in-memory)" : "--no-huge", hz / 1e9, opt.lcore,
              tunnels, 2 * tunnels, (*device)->driver().c_str(), args.run, opt.reps,
              static_cast<unsigned long long>(opt.walks), bench::kBurst);
  json::array rows = bench::report(scenarios, hz);
  json::object results{{"date", bench::today()},
                       {"build", HNV_BENCH_BUILD_TYPE},
                       {"hugepages", opt.hugepages},
                       {"tscHz", hz},
                       {"lcore", opt.lcore},
                       {"tunnels", tunnels},
                       {"securityAssociations", 2 * tunnels},
                       {"cryptodev", (*device)->driver()},
                       {"packetsPerTunnelInARow", args.run},
                       {"inner", inner6 ? "IPv6" : "IPv4"},
                       {"reps", opt.reps},
                       {"walksPerRep", opt.walks},
                       {"burst", bench::kBurst},
                       {"workingSetMbufs", opt.workingSet},
                       {"scenarios", std::move(rows)}};
  if (!opt.jsonPath.empty()) std::ofstream(opt.jsonPath) << json::serialize(results) << "\n";
  return 0;
}
