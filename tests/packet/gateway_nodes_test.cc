// The gateway's tenant path on prebuilt frames: NVGRE from a host into the
// tenant's VRF and out of its external interface (a VLAN of the trunk port,
// or a dedicated port), and back from the external network into NVGRE, with
// three tenants that use the same customer addresses *and* the same external
// network. The policy is a desired-state document compiled by the real
// OverlayPolicy::compile and gateway::compileTenantTables.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "graph_harness.h"
#include "hnv/gateway/tenant_compile.h"
#include "hnv/nat/module.h"
#include "hnv/nodes/module.h"
#include "hnv/overlay/module.h"
#include "hnv/vpn/module.h"
#include "hnv/wire/arp.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/icmpv6.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nvgre.h"
#include "hnv/wire/tcp.h"

namespace hnv::test {
namespace {

using wire::PacketBuilder;

MacAddr mac(const char* s) { return *MacAddr::parse(s); }
Ipv4Addr v4(const char* s) { return *Ipv4Addr::parse(s); }
Vsid vsid(std::uint32_t v) { return *Vsid::forTenant(v); }

// gw1: underlay port 0 (PA 192.0.2.1/24), trunk port 1 (tenant A on VLAN
// 100, tenant B on VLAN 200), port 2 dedicated to tenant C (untagged).
constexpr std::uint16_t kUnderlay = 0, kTrunk = 1, kPortC = 2;
const MacAddr kUnderlayMac = mac("02:00:5e:00:53:01"), kTrunkMac = mac("02:00:5e:00:64:01"),
              kPortCMac = mac("02:00:5e:00:64:02");
const MacAddr kHost1Mac = mac("02:00:5e:00:53:11"), kHost2Mac = mac("02:00:5e:00:53:12");
const Ipv4Addr kGwPa = v4("192.0.2.1"), kPa1 = v4("192.0.2.11"), kPa2 = v4("192.0.2.12");
// The gateway's MAC in each tenant's VSID (its GatewayWildcard).
const MacAddr kGwA = mac("00:15:5d:ff:00:0a"), kGwB = mac("00:15:5d:ff:00:0b"), kGwC = mac("00:15:5d:ff:00:0c");
const MacAddr kA1 = mac("00:15:5d:00:0a:01"), kB1 = mac("00:15:5d:00:0b:01"), kC1 = mac("00:15:5d:00:0c:01");
// Each tenant's router on its external network: the same address, three MACs.
const MacAddr kRouterA = mac("02:00:00:00:aa:fe"), kRouterB = mac("02:00:00:00:bb:fe"),
              kRouterC = mac("02:00:00:00:cc:fe");
const Ipv4Addr kVm = v4("10.0.1.10"), kExtGw = v4("198.51.100.1"), kExtRouter = v4("198.51.100.254"),
               kInternet = v4("203.0.113.5");
constexpr dp::PuntKind kArpPunt = 8, kMissPunt = 9;

constexpr const char* kDesired = R"({
  "node": "gw1", "role": "gateway", "revision": 11,
  "routing-domains": [{"rdid": "aaaaaaaa-0000-4000-8000-00000000000a"}, {"rdid": "bbbbbbbb-0000-4000-8000-00000000000b"},
                      {"rdid": "cccccccc-0000-4000-8000-00000000000c"}],
  "virtual-subnets": [
    {"vsid": 5001, "rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "prefixes": ["10.0.1.0/24", "fd00:a:1::/64"], "defaultGatewayMac": "02:00:00:00:50:01"},
    {"vsid": 5002, "rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "prefixes": ["fd00:a:2::/64"], "defaultGatewayMac": "02:00:00:00:50:02"},
    {"vsid": 6001, "rdid": "bbbbbbbb-0000-4000-8000-00000000000b", "prefixes": ["10.0.1.0/24"], "defaultGatewayMac": "02:00:00:00:60:01"},
    {"vsid": 7001, "rdid": "cccccccc-0000-4000-8000-00000000000c", "prefixes": ["10.0.1.0/24"], "defaultGatewayMac": "02:00:00:00:70:01"}],
  "provider-addresses": [{"node": "gw1", "interface": "underlay", "address": "192.0.2.1", "prefixLength": 24,
                          "mac": "02:00:5e:00:53:01"}],
  "lookup-records": [
    {"vsid": 5001, "ca": "10.0.1.10", "mac": "00:15:5d:00:0a:01", "pa": "192.0.2.11"},
    {"vsid": 6001, "ca": "10.0.1.10", "mac": "00:15:5d:00:0b:01", "pa": "192.0.2.11"},
    {"vsid": 7001, "ca": "10.0.1.10", "mac": "00:15:5d:00:0c:01", "pa": "192.0.2.12"},
    {"vsid": 5001, "ca": "10.0.1.254", "mac": "00:15:5d:ff:00:0a", "pa": "192.0.2.1"},
    {"vsid": 5001, "ca": "fd00:a:1::10", "mac": "00:15:5d:00:0a:01", "pa": "192.0.2.11"},
    {"vsid": 5002, "ca": "fd00:a:2::20", "mac": "00:15:5d:00:0a:02", "pa": "192.0.2.12"},
    {"vsid": 5002, "type": "GatewayWildcard", "mac": "00:15:5d:ff:00:1a", "pa": "192.0.2.1"},
    {"vsid": 5001, "type": "GatewayWildcard", "mac": "00:15:5d:ff:00:0a", "pa": "192.0.2.1"},
    {"vsid": 6001, "type": "GatewayWildcard", "mac": "00:15:5d:ff:00:0b", "pa": "192.0.2.1"},
    {"vsid": 7001, "type": "GatewayWildcard", "mac": "00:15:5d:ff:00:0c", "pa": "192.0.2.1"}],
  "customer-routes": [
    {"rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "vsid": 5001, "destinationPrefix": "0.0.0.0/0", "nextHop": "10.0.1.254"},
    {"rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "vsid": 5001, "destinationPrefix": "172.16.0.0/16", "nextHop": "10.0.1.10"}],
  "external-interfaces": [
    {"rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "name": "ext", "node": "gw1", "port": "trunk", "vlan": 100,
     "address": "198.51.100.1", "prefixLength": 24},
    {"rdid": "bbbbbbbb-0000-4000-8000-00000000000b", "name": "ext", "node": "gw1", "port": "trunk", "vlan": 200,
     "address": "198.51.100.1", "prefixLength": 24},
    {"rdid": "cccccccc-0000-4000-8000-00000000000c", "name": "ext", "node": "gw1", "port": "ext-c",
     "address": "198.51.100.1", "prefixLength": 24, "mtu": 1400},
    {"rdid": "cccccccc-0000-4000-8000-00000000000c", "name": "elsewhere", "node": "gw2", "port": "nope", "vlan": 9,
     "address": "192.168.9.1", "prefixLength": 24}],
  "gateway-routes": [
    {"rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "destinationPrefix": "0.0.0.0/0", "interface": "ext", "nextHop": "198.51.100.254"},
    {"rdid": "bbbbbbbb-0000-4000-8000-00000000000b", "destinationPrefix": "0.0.0.0/0", "interface": "ext", "nextHop": "198.51.100.254"},
    {"rdid": "cccccccc-0000-4000-8000-00000000000c", "destinationPrefix": "203.0.113.0/24", "interface": "ext", "nextHop": "198.51.100.254"}]
})";

class GatewayNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    auto local = oneUplink(kUnderlay, kUnderlayMac, "192.0.2.1/24");
    auto rcu = dp::Rcu::create(1);
    ASSERT_TRUE(rcu.ok());
    rcu_ = std::move(rcu).value();
    local_ = std::make_unique<dp::Published<fib::LocalAddresses>>(*rcu_, std::make_unique<const fib::LocalAddresses>(std::move(local)));
    const auto desired = boost::json::parse(kDesired).as_object();
    auto policy = overlay::OverlayPolicy::compile(desired);
    ASSERT_TRUE(policy.ok()) << policy.error().message();
    const overlay::OverlayPolicy& pol = *policy;
    auto tables = gateway::compileTenantTables(
        desired, pol, "gw1",
        [](std::string_view name) {
          if (name == "trunk") return std::optional<gateway::PortInfo>(gateway::PortInfo{kTrunk, kTrunkMac, 1500, false});
          if (name == "ext-c") return std::optional<gateway::PortInfo>(gateway::PortInfo{kPortC, kPortCMac, 1500, false});
          if (name == "underlay") {
            return std::optional<gateway::PortInfo>(gateway::PortInfo{kUnderlay, kUnderlayMac, 1500, true});
          }
          return std::optional<gateway::PortInfo>();
        },
        nullptr,
        [this, &pol](TenantId t) { return gateway::registerTenantCounters(h_.registry(), *pol.rdidOf(t)); });
    ASSERT_TRUE(tables.ok()) << tables.error().message();
    ASSERT_EQ(tables->interfaces().size(), 3u) << "gw2's interface is not ours";
    tenantA_ = policy->tenant(*Rdid::parse("aaaaaaaa-0000-4000-8000-00000000000a"))->index();
    policy_ = std::make_unique<dp::Published<overlay::OverlayPolicy>>(
        *rcu_, std::make_unique<const overlay::OverlayPolicy>(std::move(*policy)));
    tenants_ = std::make_unique<dp::Published<fib::TenantTables>>(
        *rcu_, std::make_unique<const fib::TenantTables>(std::move(*tables)));
    neighbors_ = std::make_unique<dp::Published<fib::NeighborTable>>(*rcu_, std::make_unique<const fib::NeighborTable>());
    publishNeighbors(true);
    nodesCtx_.local = local_.get();
    nodesCtx_.neighbors = neighbors_.get();
    nodesCtx_.tenants = tenants_.get();
    nodesCtx_.arpPunt = kArpPunt;
    nodesCtx_.missPunt = kMissPunt;
    nodesCtx_.tenantMss = 1418;  // a 1500-byte underlay
    overlayCtx_.policy = policy_.get();
    overlayCtx_.local = local_.get();
    overlayCtx_.neighbors = neighbors_.get();
    overlayCtx_.missPunt = kMissPunt;
    overlayCtx_.tenants = tenants_.get();
    ASSERT_TRUE(nodes::addGenericNodes(h_.catalog(), nodesCtx_).ok());
    ASSERT_TRUE(overlay::addOverlayNodes(h_.catalog(), overlayCtx_).ok());
    natCtx_.sessionsPerWorker = 0;
    ASSERT_TRUE(nat::addNatNodes(h_.catalog(), natCtx_, 1).ok());
    ASSERT_TRUE(vpn::addVpnNodes(h_.catalog(), vpnCtx_, 1).ok());
    h_.build();
  }

  // The underlay peers, and each tenant's external router in its interface's scope.
  void publishNeighbors(bool withRouters) {
    fib::NeighborTable::Map m{{kPa1, {kHost1Mac, kUnderlay}}, {kPa2, {kHost2Mac, kUnderlay}}};
    if (withRouters) {
      const auto& x = tenants_->get()->interfaces();  // A, B, C in policy order
      m.emplace(fib::NeighborKey(kExtRouter, x[0].scope), fib::Neighbor{kRouterA, kTrunk});
      m.emplace(fib::NeighborKey(kExtRouter, x[1].scope), fib::Neighbor{kRouterB, kTrunk});
      m.emplace(fib::NeighborKey(kExtRouter, x[2].scope), fib::Neighbor{kRouterC, kPortC});
    }
    neighbors_->publish(std::make_unique<const fib::NeighborTable>(std::move(m)));
  }

  RunResult run(const std::vector<std::uint8_t>& frame, std::uint16_t port) { return h_.run(frame, port, 0); }

  void expectDrop(const RunResult& r, const std::string& node, const std::string& error) {
    EXPECT_TRUE(r.sent.empty());
    EXPECT_TRUE(r.punted.empty());
    EXPECT_EQ(r.dropped.size(), 1u);
    EXPECT_EQ(h_.nodeError(node, error), 1u) << node << " " << error;
  }

  std::unique_ptr<dp::Rcu> rcu_;
  std::unique_ptr<dp::Published<fib::LocalAddresses>> local_;
  std::unique_ptr<dp::Published<fib::NeighborTable>> neighbors_;
  std::unique_ptr<dp::Published<overlay::OverlayPolicy>> policy_;
  std::unique_ptr<dp::Published<fib::TenantTables>> tenants_;
  nodes::NodesContext nodesCtx_;
  overlay::OverlayContext overlayCtx_;
  nat::NatContext natCtx_;  // no NAT instances here: the nodes complete ip4-lookup's edges
  vpn::VpnContext vpnCtx_;  // no tunnels here: the nodes complete ip4-lookup's edges
  std::uint32_t tenantA_ = 0;
  GraphHarness h_{{"eth-input", "vm-input"}};  // vm-input: every node must be reachable
};

// A tenant's packet as its VM's host encapsulates it toward the gateway.
std::vector<std::uint8_t> fromHost(Ipv4Addr pa, const MacAddr& hostMac, std::uint32_t vs, const MacAddr& vmMac,
                                   const MacAddr& gwMac, Ipv4Addr dst, std::uint8_t ttl = 64, std::size_t payload = 32) {
  return PacketBuilder()
      .eth(hostMac, kUnderlayMac)
      .ipv4(pa, kGwPa)
      .df()
      .nvgre(vsid(vs), 7)
      .eth(vmMac, gwMac)
      .ipv4(kVm, dst)
      .ttl(ttl)
      .udp(4000, 53)
      .payloadFill(payload, 0x5a)
      .build();
}

// The same datagram as the external router hands it to the gateway, tagged or not.
std::vector<std::uint8_t> fromRouter(const MacAddr& routerMac, const MacAddr& gwMac, std::optional<std::uint16_t> vlan,
                                     Ipv4Addr src, Ipv4Addr dst) {
  PacketBuilder b;
  b.eth(routerMac, gwMac);
  if (vlan) b.vlan(*vlan);
  return b.ipv4(src, dst).ttl(60).udp(53, 4000).payloadFill(32, 0xa5).build();
}

struct Routed {
  MacAddr dst, src;
  std::optional<std::uint16_t> vlan;
  wire::Ipv4Header ip;
};

Routed parseRouted(const std::vector<std::uint8_t>& frame) {
  Routed r;
  auto eth = wire::parseEthernet(frame);
  EXPECT_TRUE(eth.ok());
  r.dst = eth->dst;
  r.src = eth->src;
  if (eth->vlanTci) r.vlan = eth->vlanId();
  EXPECT_EQ(eth->etherType, wire::kEtherTypeIpv4);
  auto l3 = std::span(frame).subspan(eth->headerLength);
  EXPECT_TRUE(wire::ipv4HeaderChecksumOk(l3));
  auto ip = wire::parseIpv4(l3);
  EXPECT_TRUE(ip.ok());
  r.ip = *ip;
  return r;
}

TEST_F(GatewayNodes, VmTrafficLeavesByItsTenantsVlan) {
  auto r = run(fromHost(kPa1, kHost1Mac, 5001, kA1, kGwA, kInternet), kUnderlay);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kTrunk);
  Routed o = parseRouted(r.sent[0].bytes);
  EXPECT_EQ(o.vlan, 100);
  EXPECT_EQ(o.dst, kRouterA);
  EXPECT_EQ(o.src, kTrunkMac);
  EXPECT_EQ(o.ip.src, kVm);
  EXPECT_EQ(o.ip.dst, kInternet);
  EXPECT_EQ(o.ip.ttl, 63);
  EXPECT_EQ(std::vector<std::uint8_t>(o.ip.payload.begin() + 8, o.ip.payload.end()), std::vector<std::uint8_t>(32, 0x5a));
}

// Per-tenant counters: packets and IP bytes by path, drops; tenants apart.
TEST_F(GatewayNodes, EachTenantIsCountedOnItsOwn) {
  const std::string a = "aaaaaaaa-0000-4000-8000-00000000000a", b = "bbbbbbbb-0000-4000-8000-00000000000b";
  auto tc = [&](const std::string& name, const std::string& rdid, const char* path) {
    return h_.counter(name, {{"tenant", rdid}, {"path", path}});
  };
  ASSERT_EQ(run(fromHost(kPa1, kHost1Mac, 5001, kA1, kGwA, kInternet), kUnderlay).sent.size(), 1u);
  ASSERT_EQ(run(fromRouter(kRouterA, kTrunkMac, 100, kInternet, kVm), kTrunk).sent.size(), 1u);
  EXPECT_EQ(tc("hnv_tenant_packets_total", a, "from-overlay"), 1u);
  EXPECT_EQ(tc("hnv_tenant_packets_total", a, "to-external"), 1u);
  EXPECT_EQ(tc("hnv_tenant_packets_total", a, "from-external"), 1u);
  EXPECT_EQ(tc("hnv_tenant_packets_total", a, "to-overlay"), 1u);
  EXPECT_EQ(tc("hnv_tenant_bytes_total", a, "from-overlay"), 20u + 8 + 32) << "the IP packet's bytes";
  EXPECT_EQ(tc("hnv_tenant_packets_total", b, "from-overlay"), 0u);
  run(fromRouter(kRouterB, kTrunkMac, 200, kInternet, v4("10.0.1.99")), kTrunk);  // no record: dropped
  EXPECT_EQ(h_.counter("hnv_tenant_drops_total", {{"tenant", b}}), 1u);
  EXPECT_EQ(h_.counter("hnv_tenant_drops_total", {{"tenant", a}}), 0u);
}

TEST_F(GatewayNodes, SameCaOfAnotherTenantLeavesByThatTenantsVlan) {
  auto r = run(fromHost(kPa1, kHost1Mac, 6001, kB1, kGwB, kInternet), kUnderlay);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kTrunk);
  Routed o = parseRouted(r.sent[0].bytes);
  EXPECT_EQ(o.vlan, 200);
  EXPECT_EQ(o.dst, kRouterB);
}

TEST_F(GatewayNodes, DedicatedPortIsUntagged) {
  auto r = run(fromHost(kPa2, kHost2Mac, 7001, kC1, kGwC, kInternet), kUnderlay);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortC);
  Routed o = parseRouted(r.sent[0].bytes);
  EXPECT_EQ(o.vlan, std::nullopt);
  EXPECT_EQ(o.dst, kRouterC);
  EXPECT_EQ(o.src, kPortCMac);
}

// Each VLAN's return traffic goes into its own tenant's VSID, to its own VM.
TEST_F(GatewayNodes, ExternalTrafficIsEncapsulatedIntoItsTenantsVsid) {
  for (auto [vlan, routerMac, vs, vmMac, gwMac] :
       {std::tuple{std::uint16_t{100}, kRouterA, 5001u, kA1, kGwA}, std::tuple{std::uint16_t{200}, kRouterB, 6001u, kB1, kGwB}}) {
    auto inner = fromRouter(routerMac, kTrunkMac, vlan, kInternet, kVm);
    auto r = run(inner, kTrunk);
    ASSERT_EQ(r.sent.size(), 1u) << vlan;
    EXPECT_EQ(r.sent[0].port, kUnderlay);
    const auto& f = r.sent[0].bytes;
    auto eth = wire::parseEthernet(f);
    ASSERT_TRUE(eth.ok());
    EXPECT_EQ(eth->dst, kHost1Mac);
    EXPECT_EQ(eth->src, kUnderlayMac);
    auto outer = wire::parseIpv4(std::span(f).subspan(14));
    ASSERT_TRUE(outer.ok());
    EXPECT_EQ(outer->src, kGwPa) << "the PA of the VSID's GatewayWildcard, as the host's validation expects";
    EXPECT_EQ(outer->dst, kPa1);
    EXPECT_TRUE(outer->df);
    auto nv = wire::parseNvgre(outer->payload);
    ASSERT_TRUE(nv.ok());
    EXPECT_EQ(nv->vsid, vsid(vs));
    auto innerEth = wire::parseEthernet(outer->payload.subspan(wire::kNvgreHeaderLen));
    ASSERT_TRUE(innerEth.ok());
    EXPECT_EQ(innerEth->dst, vmMac);
    EXPECT_EQ(innerEth->src, gwMac);
    EXPECT_FALSE(innerEth->vlanTci.has_value()) << "the tag stays outside the overlay";
    auto innerIp = wire::parseIpv4(outer->payload.subspan(wire::kNvgreHeaderLen + 14));
    ASSERT_TRUE(innerIp.ok());
    EXPECT_EQ(innerIp->ttl, 59);
    EXPECT_EQ(innerIp->dst, kVm);
  }
}

TEST_F(GatewayNodes, ArpForTheGatewaysAddressIsAnsweredOnItsVlan) {
  auto req = PacketBuilder().eth(kRouterA, MacAddr::broadcast()).vlan(100).arpRequest(kRouterA, kExtRouter, kExtGw).build();
  auto r = run(req, kTrunk);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kTrunk);
  EXPECT_EQ(r.sent[0].bytes,
            PacketBuilder().eth(kTrunkMac, kRouterA).vlan(100).arpReply(kTrunkMac, kExtGw, kRouterA, kExtRouter).build());
}

TEST_F(GatewayNodes, ArpOnAnUnconfiguredVlanIsDropped) {
  auto req = PacketBuilder().eth(kRouterA, MacAddr::broadcast()).vlan(300).arpRequest(kRouterA, kExtRouter, kExtGw).build();
  expectDrop(run(req, kTrunk), "eth-input", "vlan-not-configured");
}

TEST_F(GatewayNodes, ArpFromANewNeighbourTeachesTheResolver) {
  publishNeighbors(false);
  auto req = PacketBuilder().eth(kRouterB, MacAddr::broadcast()).vlan(200).arpRequest(kRouterB, kExtRouter, kExtGw).build();
  auto r = run(req, kTrunk);
  ASSERT_EQ(r.sent.size(), 1u) << "answered";
  ASSERT_EQ(r.punted.size(), 1u) << "and learned from";
  EXPECT_EQ(r.punted[0].kind, kArpPunt);
}

TEST_F(GatewayNodes, UnresolvedExternalNeighbourIsPuntedTagged) {
  publishNeighbors(false);
  auto r = run(fromHost(kPa1, kHost1Mac, 5001, kA1, kGwA, kInternet), kUnderlay);
  EXPECT_TRUE(r.sent.empty());
  ASSERT_EQ(r.punted.size(), 1u);
  EXPECT_EQ(r.punted[0].kind, kMissPunt);
  EXPECT_EQ(r.punted[0].txPort, kTrunk);
  Routed o = parseRouted(r.punted[0].bytes);
  EXPECT_EQ(o.vlan, 100);
  EXPECT_EQ(o.dst, MacAddr()) << "the resolver fills in the MAC";
}

TEST_F(GatewayNodes, EchoToTheGatewaysExternalAddressIsAnswered) {
  auto req = PacketBuilder().eth(kRouterA, kTrunkMac).vlan(100).ipv4(kExtRouter, kExtGw).icmpEchoRequest(9, 1).build();
  auto r = run(req, kTrunk);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kTrunk);
  Routed o = parseRouted(r.sent[0].bytes);
  EXPECT_EQ(o.vlan, 100);
  EXPECT_EQ(o.dst, kRouterA);
  EXPECT_EQ(o.ip.src, kExtGw);
  EXPECT_EQ(o.ip.dst, kExtRouter);
  EXPECT_EQ(o.ip.payload[0], wire::kIcmpEchoReply);
}

// The ICMP error a VM got back through NVGRE: (outer IPv4, inner IPv4, ICMP type, code, word, quoted bytes).
struct IcmpBack {
  wire::Ipv4Header outer, inner;
  std::uint8_t type = 0, code = 0;
  std::uint16_t mtu = 0;
  std::vector<std::uint8_t> quoted;
};

IcmpBack icmpBack(const std::vector<std::uint8_t>& frame) {
  IcmpBack b;
  auto outer = wire::parseIpv4(std::span(frame).subspan(14));
  EXPECT_TRUE(outer.ok());
  b.outer = *outer;
  auto l3 = outer->payload.subspan(wire::kNvgreHeaderLen + 14);
  EXPECT_TRUE(wire::ipv4HeaderChecksumOk(l3));
  auto inner = wire::parseIpv4(l3);
  EXPECT_TRUE(inner.ok());
  b.inner = *inner;
  EXPECT_EQ(inner->protocol, wire::kIpProtoIcmp);
  EXPECT_EQ(wire::internetChecksum(inner->payload), 0) << "ICMP checksum";
  b.type = inner->payload[0];
  b.code = inner->payload[1];
  b.mtu = wire::load16(inner->payload.data() + 6);
  b.quoted.assign(inner->payload.begin() + 8, inner->payload.end());
  return b;
}

// The original IP packet as the gateway received it inside NVGRE.
std::vector<std::uint8_t> innerIp(const std::vector<std::uint8_t>& frame) {
  auto outer = wire::parseIpv4(std::span(frame).subspan(14));
  auto l3 = outer->payload.subspan(wire::kNvgreHeaderLen + 14);
  return {l3.begin(), l3.end()};
}

// Only unicast is routed: a tenant network's broadcasts and multicasts
// (DHCP, mDNS) stay there, get no ICMP error, and echo replies to the
// gateway's address never reach the node's PA pinger.
TEST_F(GatewayNodes, BroadcastAndMulticastAreNotRouted) {
  auto dhcp = PacketBuilder().eth(kRouterA, MacAddr::broadcast()).vlan(100).ipv4(Ipv4Addr(), v4("255.255.255.255"))
                  .udp(68, 67).payloadFill(32, 0).build();
  expectDrop(run(dhcp, kTrunk), "eth-input", "not-for-us");
  auto mdns = PacketBuilder().eth(kRouterA, kTrunkMac).vlan(100).ipv4(kExtRouter, v4("224.0.0.251")).udp(5353, 5353)
                  .payloadFill(32, 0).build();
  expectDrop(run(mdns, kTrunk), "ip4-lookup", "not-unicast");
  auto reply = PacketBuilder().eth(kRouterA, kTrunkMac).vlan(100).ipv4(kExtRouter, kExtGw).icmpEchoReply(9, 1).build();
  expectDrop(run(reply, kTrunk), "ip4-lookup", "local-unsupported");
}

TEST_F(GatewayNodes, NoRouteIsCountedAndAnsweredWithNetUnreachable) {
  // Tenant C routes only 203.0.113.0/24 outside.
  auto sent = fromHost(kPa2, kHost2Mac, 7001, kC1, kGwC, v4("8.8.8.8"));
  auto r = run(sent, kUnderlay);
  EXPECT_EQ(h_.nodeError("ip4-lookup", "no-route"), 1u);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kUnderlay);
  IcmpBack b = icmpBack(r.sent[0].bytes);
  EXPECT_EQ(b.outer.dst, kPa2) << "back to the sender's host";
  EXPECT_EQ(b.inner.src, kExtGw) << "from the tenant's gateway address";
  EXPECT_EQ(b.inner.dst, kVm);
  EXPECT_EQ(b.type, wire::kIcmpDestUnreachable);
  EXPECT_EQ(b.code, wire::kIcmpCodeNetUnreachable);
  EXPECT_EQ(b.quoted, innerIp(sent)) << "a small packet is quoted whole";
}

TEST_F(GatewayNodes, ExpiringTtlIsAnsweredWithTimeExceeded) {
  auto r = run(fromHost(kPa1, kHost1Mac, 5001, kA1, kGwA, kInternet, 1), kUnderlay);
  EXPECT_EQ(h_.nodeError("ip4-lookup", "ttl-expired"), 1u);
  ASSERT_EQ(r.sent.size(), 1u);
  IcmpBack b = icmpBack(r.sent[0].bytes);
  EXPECT_EQ(b.type, wire::kIcmpTimeExceeded);
  EXPECT_EQ(b.inner.dst, kVm);
  EXPECT_EQ(b.outer.dst, kPa1);
}

TEST_F(GatewayNodes, PacketLargerThanTheExternalMtuIsDroppedNotFragmented) {
  // Tenant C's network has MTU 1400: a 1401-byte IP packet without DF is dropped.
  expectDrop(run(fromHost(kPa2, kHost2Mac, 7001, kC1, kGwC, kInternet, 64, 1401 - 28), kUnderlay), "iface-output",
             "too-big");
  auto r = run(fromHost(kPa2, kHost2Mac, 7001, kC1, kGwC, kInternet, 64, 1400 - 28), kUnderlay);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(parseRouted(r.sent[0].bytes).ip.totalLength, 1400);
}

TEST_F(GatewayNodes, TooBigWithDfIsAnsweredWithFragmentationNeededAndTheMtu) {
  auto sent = PacketBuilder()
                  .eth(kHost2Mac, kUnderlayMac).ipv4(kPa2, kGwPa).df().nvgre(vsid(7001), 7)
                  .eth(kC1, kGwC).ipv4(kVm, kInternet).df().udp(4000, 53).payloadFill(1401 - 28, 0x77).build();
  auto r = run(sent, kUnderlay);
  EXPECT_EQ(h_.nodeError("iface-output", "too-big"), 1u);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kUnderlay);
  IcmpBack b = icmpBack(r.sent[0].bytes);
  EXPECT_EQ(b.type, wire::kIcmpDestUnreachable);
  EXPECT_EQ(b.code, wire::kIcmpCodeFragNeeded);
  EXPECT_EQ(b.mtu, 1400);
  EXPECT_EQ(b.inner.totalLength, 576) << "the error stays within 576 bytes (RFC 1812)";
  const auto original = innerIp(sent);
  ASSERT_EQ(b.quoted.size(), 576u - 28);
  // The quote starts with the original header (TTL already decremented by the routing).
  EXPECT_TRUE(std::equal(b.quoted.begin() + 20, b.quoted.end(), original.begin() + 20));
}

TEST_F(GatewayNodes, NoErrorAboutAnIcmpError) {
  auto sent = PacketBuilder()
                  .eth(kHost2Mac, kUnderlayMac).ipv4(kPa2, kGwPa).df().nvgre(vsid(7001), 7)
                  .eth(kC1, kGwC).ipv4(kVm, v4("8.8.8.8")).icmpError(wire::kIcmpDestUnreachable, 3).payloadFill(28, 0).build();
  auto r = run(sent, kUnderlay);
  EXPECT_TRUE(r.sent.empty());
  EXPECT_EQ(h_.nodeError("ip4-lookup", "no-route"), 1u);
  EXPECT_EQ(h_.nodeError("icmp4-error", "about-icmp-error"), 1u);
}

TEST_F(GatewayNodes, ReturnTrafficToAnUnknownCaIsDropped) {
  expectDrop(run(fromRouter(kRouterA, kTrunkMac, 100, kInternet, v4("10.0.1.99")), kTrunk), "overlay-output",
             "no-record");
}

TEST_F(GatewayNodes, FrameForAnotherMacOnTheVlanIsNotOurs) {
  expectDrop(run(fromRouter(kRouterA, kRouterB, 100, kInternet, kVm), kTrunk), "eth-input", "not-for-us");
}

TEST_F(GatewayNodes, VmsSpoofedSourceIsRefusedBeforeRouting) {
  // 10.0.1.10 of tenant A lives at host1; the same frame from host2 is refused.
  expectDrop(run(fromHost(kPa2, kHost2Mac, 5001, kA1, kGwA, kInternet), kUnderlay), "nvgre-input", "wrong-pa");
}

TEST_F(GatewayNodes, TheHostsDefaultRouteToTheGatewayIsNotInItsVrf) {
  // Tenant A's customer route 0/0 via 10.0.1.254 points at the gateway's own
  // CA (its record is on our PA): the hosts use it, the gateway must not, or
  // its own default route would loop back into the overlay. A customer route
  // via a VM (172.16.0.0/16 via 10.0.1.10) is the gateway's too.
  const fib::Vrf* vrf = tenants_->get()->vrf(TenantId(tenantA_));
  ASSERT_NE(vrf, nullptr);
  const fib::RouteTarget* t = vrf->lookup(kInternet);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->kind, fib::RouteKind::External);
  const fib::RouteTarget* viaVm = vrf->lookup(v4("172.16.3.4"));
  ASSERT_NE(viaVm, nullptr);
  EXPECT_EQ(viaVm->kind, fib::RouteKind::Overlay);
  EXPECT_EQ(viaVm->nextHop, IpAddr(kVm));
}

TEST_F(GatewayNodes, CustomerRouteViaAVmGoesToThatVm) {
  auto r = run(fromRouter(kRouterA, kTrunkMac, 100, kInternet, v4("172.16.3.4")), kTrunk);
  ASSERT_EQ(r.sent.size(), 1u);
  const auto& f = r.sent[0].bytes;
  auto outer = wire::parseIpv4(std::span(f).subspan(14));
  ASSERT_TRUE(outer.ok());
  EXPECT_EQ(outer->dst, kPa1);
  auto innerEth = wire::parseEthernet(outer->payload.subspan(wire::kNvgreHeaderLen));
  ASSERT_TRUE(innerEth.ok());
  EXPECT_EQ(innerEth->dst, kA1);
}

// The MSS a SYN announces, and whether its TCP checksum still holds.
std::pair<std::uint16_t, bool> synMss(std::span<const std::uint8_t> l3) {
  auto ip = wire::parseIpv4(l3);
  EXPECT_TRUE(ip.ok());
  auto tcp = wire::parseTcp(ip->payload);
  EXPECT_TRUE(tcp.ok());
  auto mss = wire::findMss(tcp->options);
  EXPECT_TRUE(mss.ok() && mss->has_value());
  const bool sumOk = wire::tcpChecksumOk(ip->payload, wire::ipv4PseudoHeaderSum(ip->src, ip->dst, wire::kIpProtoTcp,
                                                                                static_cast<std::uint16_t>(ip->payload.size())));
  return {(*mss)->value, sumOk};
}

TEST_F(GatewayNodes, SynFromTheExternalNetworkIsClampedToWhatTheOverlayCarries) {
  auto syn = PacketBuilder().eth(kRouterA, kTrunkMac).vlan(100).ipv4(kInternet, kVm).tcp(443, 5000).tcpFlags(0x02).mss(1460).build();
  auto r = run(syn, kTrunk);
  ASSERT_EQ(r.sent.size(), 1u);
  const auto& f = r.sent[0].bytes;
  auto outer = wire::parseIpv4(std::span(f).subspan(14));
  ASSERT_TRUE(outer.ok());
  auto [mss, sumOk] = synMss(outer->payload.subspan(wire::kNvgreHeaderLen + 14));
  EXPECT_EQ(mss, 1418);
  EXPECT_TRUE(sumOk);
}

TEST_F(GatewayNodes, SynTowardASmallerExternalMtuIsClampedToIt) {
  auto syn = PacketBuilder()
                 .eth(kHost2Mac, kUnderlayMac).ipv4(kPa2, kGwPa).df().nvgre(vsid(7001), 1)
                 .eth(kC1, kGwC).ipv4(kVm, kInternet).tcp(5000, 443).tcpFlags(0x02).mss(1418).build();
  auto r = run(syn, kUnderlay);
  ASSERT_EQ(r.sent.size(), 1u);
  auto [mss, sumOk] = synMss(std::span(r.sent[0].bytes).subspan(14));
  EXPECT_EQ(mss, 1360) << "tenant C's network has MTU 1400";
  EXPECT_TRUE(sumOk);
}

TEST_F(GatewayNodes, SmallerMssAndNonSynSegmentsAreLeftAlone) {
  auto syn = PacketBuilder().eth(kRouterA, kTrunkMac).vlan(100).ipv4(kInternet, kVm).tcp(443, 5000).tcpFlags(0x02).mss(1200).build();
  auto r = run(syn, kTrunk);
  ASSERT_EQ(r.sent.size(), 1u);
  auto outer = wire::parseIpv4(std::span(r.sent[0].bytes).subspan(14));
  ASSERT_TRUE(outer.ok());
  EXPECT_EQ(synMss(outer->payload.subspan(wire::kNvgreHeaderLen + 14)).first, 1200);
}

}  // namespace
}  // namespace hnv::test

namespace hnv::test {
namespace {

// IPv6 in tenant A's VRF: from a VM of VSID 5001 on host 1, through the
// gateway, to a VM of VSID 5002 on host 2.
const Ipv6Addr kVm6 = *Ipv6Addr::parse("fd00:a:1::10"), kPeer6 = *Ipv6Addr::parse("fd00:a:2::20");
const MacAddr kA2 = mac("00:15:5d:00:0a:02"), kGwA2 = mac("00:15:5d:ff:00:1a");

// vm-a1's frame to the gateway in NVGRE from host 1, up to the inner IP header.
PacketBuilder toGatewayFromA1() {
  PacketBuilder b;
  b.eth(kHost1Mac, kUnderlayMac).ipv4(kPa1, kGwPa).df().nvgre(vsid(5001), 7).eth(kA1, kGwA);
  return b;
}

std::vector<std::uint8_t> fromHost6(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t hops = 64) {
  return toGatewayFromA1().ipv6(src, dst).ttl(hops).udp(4000, 53).payloadFill(32, 0x5a).build();
}

TEST_F(GatewayNodes, Ipv6IsRoutedBetweenTheVirtualSubnetsOfATenant) {
  auto r = run(fromHost6(kVm6, kPeer6), kUnderlay);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kUnderlay);
  const auto& f = r.sent[0].bytes;
  auto outer = wire::parseIpv4(std::span(f).subspan(14));
  ASSERT_TRUE(outer.ok());
  EXPECT_EQ(outer->dst, kPa2) << "the host of the destination's record";
  auto nv = wire::parseNvgre(outer->payload);
  ASSERT_TRUE(nv.ok());
  EXPECT_EQ(nv->vsid, vsid(5002)) << "into the destination's VSID";
  auto innerEth = wire::parseEthernet(outer->payload.subspan(wire::kNvgreHeaderLen));
  ASSERT_TRUE(innerEth.ok());
  EXPECT_EQ(innerEth->etherType, wire::kEtherTypeIpv6);
  EXPECT_EQ(innerEth->dst, kA2);
  EXPECT_EQ(innerEth->src, kGwA2) << "the gateway's MAC in VSID 5002";
  auto ip = wire::parseIpv6(outer->payload.subspan(wire::kNvgreHeaderLen + 14));
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->src, kVm6);
  EXPECT_EQ(ip->dst, kPeer6);
  EXPECT_EQ(ip->hopLimit, 63);
  EXPECT_EQ(h_.counter("hnv_tenant_packets_total",
                       {{"tenant", "aaaaaaaa-0000-4000-8000-00000000000a"}, {"path", "from-overlay"}}),
            1u);
}

// An ICMPv6 error the gateway sent back into the overlay: the inner IPv6
// header and the ICMPv6 header's first 8 bytes.
struct Icmp6Back {
  wire::Ipv4Header outer;
  std::uint32_t vsid = 0;
  MacAddr innerDst;
  wire::Ipv6Header ip;
  std::uint8_t type = 0, code = 0;
  std::uint32_t word = 0;
  std::vector<std::uint8_t> quoted;  // the original packet as the error quotes it
};

Icmp6Back icmp6Back(const std::vector<std::uint8_t>& f) {
  Icmp6Back b;
  auto outer = wire::parseIpv4(std::span(f).subspan(14));
  EXPECT_TRUE(outer.ok());
  b.outer = *outer;
  auto nv = wire::parseNvgre(outer->payload);
  EXPECT_TRUE(nv.ok());
  b.vsid = nv->vsid.value();
  auto eth = wire::parseEthernet(outer->payload.subspan(wire::kNvgreHeaderLen));
  EXPECT_TRUE(eth.ok());
  b.innerDst = eth->dst;
  auto ip = wire::parseIpv6(outer->payload.subspan(wire::kNvgreHeaderLen + 14));
  EXPECT_TRUE(ip.ok());
  b.ip = *ip;
  EXPECT_EQ(ip->nextHeader, wire::kIpProtoIcmpv6);
  EXPECT_TRUE(wire::icmpv6ChecksumOk(ip->src, ip->dst, ip->payload));
  b.type = ip->payload[0];
  b.code = ip->payload[1];
  b.word = wire::load32(&ip->payload[4]);
  b.quoted.assign(ip->payload.begin() + 8, ip->payload.end());
  return b;
}

// The IPv6 packet inside a frame fromHost6 made.
std::vector<std::uint8_t> inner6(const std::vector<std::uint8_t>& frame) {
  return {frame.begin() + 14 + 20 + wire::kNvgreHeaderLen + 14, frame.end()};
}

TEST_F(GatewayNodes, Ipv6WithoutRouteOrHopsIsAnsweredFromTheTenantsIpv6Gateway) {
  const Ipv6Addr gw6 = *Ipv6Addr::parse("fd00:a:1::1");  // VSID 5001's default gateway (the prefix's first host)
  for (auto [dst, hops, type, error] :
       {std::tuple{*Ipv6Addr::parse("2001:db8::1"), std::uint8_t{64}, wire::kIcmpv6DestUnreachable, "no-route"},
        std::tuple{kPeer6, std::uint8_t{1}, wire::kIcmpv6TimeExceeded, "hop-limit-exceeded"}}) {
    const auto sent = fromHost6(kVm6, dst, hops);
    auto r = run(sent, kUnderlay);
    EXPECT_EQ(h_.nodeError("ip6-lookup", error), 1u) << error;
    ASSERT_EQ(r.sent.size(), 1u) << error;
    Icmp6Back b = icmp6Back(r.sent[0].bytes);
    EXPECT_EQ(b.outer.dst, kPa1) << "back to the sender's host";
    EXPECT_EQ(b.vsid, 5001u);
    EXPECT_EQ(b.innerDst, kA1);
    EXPECT_EQ(b.ip.src, gw6) << error;
    EXPECT_EQ(b.ip.dst, kVm6);
    EXPECT_EQ(b.ip.hopLimit, 254) << "sent with 255, routed once";
    EXPECT_EQ(b.type, type);
    EXPECT_EQ(b.code, 0);
    EXPECT_EQ(b.quoted, inner6(sent)) << "a small packet is quoted whole, as it arrived";
  }
  EXPECT_EQ(h_.counter("hnv_tenant_drops_total", {{"tenant", "aaaaaaaa-0000-4000-8000-00000000000a"}}), 2u)
      << "no route and the hop limit are the tenant's drops";
}

TEST_F(GatewayNodes, Ipv6TooBigForTheOverlayIsAnsweredWithPacketTooBig) {
  // 1,459 bytes of IPv6: one more than the overlay carries on a 1500-byte underlay.
  auto frame = toGatewayFromA1().ipv6(kVm6, kPeer6).udp(4000, 53).payloadFill(1459 - 48, 0x5a).build();
  auto r = run(frame, kUnderlay);
  EXPECT_EQ(h_.nodeError("nvgre-encap", "too-big"), 1u);
  ASSERT_EQ(r.sent.size(), 1u);
  Icmp6Back b = icmp6Back(r.sent[0].bytes);
  EXPECT_EQ(b.outer.dst, kPa1);
  EXPECT_EQ(b.ip.dst, kVm6);
  EXPECT_EQ(b.ip.src, *Ipv6Addr::parse("fd00:a:1::1"));
  EXPECT_EQ(b.type, wire::kIcmpv6PacketTooBig);
  EXPECT_EQ(b.word, 1458u) << "the MTU that fits";
  EXPECT_EQ(b.quoted.size(), 1280u - 48) << "as much of the packet as fits 1280 bytes";
  EXPECT_LE(b.ip.payloadLength + 40u, 1280u) << "RFC 4443: the error fits the minimum MTU";
}

TEST_F(GatewayNodes, Ipv6ToALinkLocalOrGroupAddressIsDroppedWithoutError) {
  expectDrop(run(fromHost6(kVm6, *Ipv6Addr::parse("fe80::1")), kUnderlay), "ip6-lookup", "not-unicast");
  run(fromHost6(kVm6, *Ipv6Addr::parse("ff0e::1")), kUnderlay);
  EXPECT_EQ(h_.nodeError("ip6-lookup", "not-unicast"), 2u);
}

TEST_F(GatewayNodes, NoIcmpv6ErrorAboutAnIcmpv6Error) {
  auto error = toGatewayFromA1()
                   .ipv6(kVm6, kPeer6)
                   .ttl(1)
                   .icmpv6Error(wire::kIcmpv6DestUnreachable, 4)
                   .payloadFill(48, 0)
                   .build();
  auto r = run(error, kUnderlay);
  EXPECT_TRUE(r.sent.empty());
  EXPECT_EQ(h_.nodeError("ip6-lookup", "hop-limit-exceeded"), 1u);
  EXPECT_EQ(h_.nodeError("icmp6-error", "about-icmp-error"), 1u);
}

}  // namespace
}  // namespace hnv::test
