// The fixture of the gateway's tenant-path packet tests (gateway_nodes_test.cc,
// gateway_ipv6_test.cc): NVGRE from a host into the tenant's VRF and out of its
// external interface (a VLAN of the trunk port, or a dedicated port), and back,
// with three tenants that use the same customer addresses *and* the same
// external network. The policy is a desired-state document compiled by the real
// OverlayPolicy::compile and gateway::compileTenantTables.
#pragma once

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

using wire::PacketBuilder;

inline MacAddr mac(const char* s) { return *MacAddr::parse(s); }
inline Ipv4Addr v4(const char* s) { return *Ipv4Addr::parse(s); }
inline Vsid vsid(std::uint32_t v) { return *Vsid::forTenant(v); }

// gw1: underlay port 0 (PA 192.0.2.1/24), trunk port 1 (tenant A on VLAN
// 100, tenant B on VLAN 200), port 2 dedicated to tenant C (untagged).
inline constexpr std::uint16_t kUnderlay = 0, kTrunk = 1, kPortC = 2;
inline const MacAddr kUnderlayMac = mac("02:00:5e:00:53:01"), kTrunkMac = mac("02:00:5e:00:64:01"),
                     kPortCMac = mac("02:00:5e:00:64:02");
inline const MacAddr kHost1Mac = mac("02:00:5e:00:53:11"), kHost2Mac = mac("02:00:5e:00:53:12");
inline const Ipv4Addr kGwPa = v4("192.0.2.1"), kPa1 = v4("192.0.2.11"), kPa2 = v4("192.0.2.12");
// The gateway's MAC in each tenant's VSID (its GatewayWildcard).
inline const MacAddr kGwA = mac("00:15:5d:ff:00:0a"), kGwB = mac("00:15:5d:ff:00:0b"), kGwC = mac("00:15:5d:ff:00:0c");
inline const MacAddr kA1 = mac("00:15:5d:00:0a:01"), kB1 = mac("00:15:5d:00:0b:01"), kC1 = mac("00:15:5d:00:0c:01");
// Each tenant's router on its external network: the same address, three MACs.
inline const MacAddr kRouterA = mac("02:00:00:00:aa:fe"), kRouterB = mac("02:00:00:00:bb:fe"),
                     kRouterC = mac("02:00:00:00:cc:fe");
inline const Ipv4Addr kVm = v4("10.0.1.10"), kExtGw = v4("198.51.100.1"), kExtRouter = v4("198.51.100.254"),
                      kInternet = v4("203.0.113.5");
inline constexpr dp::PuntKind kArpPunt = 8, kMissPunt = 9, kNdPunt = 10;

inline constexpr const char* kDesired = R"({
  "node": "gw1", "role": "gateway", "revision": 11,
  "routing-domains": [{"rdid": "aaaaaaaa-0000-4000-8000-00000000000a"}, {"rdid": "bbbbbbbb-0000-4000-8000-00000000000b"},
                      {"rdid": "cccccccc-0000-4000-8000-00000000000c"}],
  "virtual-subnets": [
    {"vsid": 5001, "rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "prefixes": ["10.0.1.0/24", "fd00:a:1::/64"], "defaultGatewayMac": "02:00:00:00:50:01"},
    {"vsid": 5002, "rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "prefixes": ["fd00:a:2::/64"], "defaultGatewayMac": "02:00:00:00:50:02"},
    {"vsid": 6001, "rdid": "bbbbbbbb-0000-4000-8000-00000000000b", "prefixes": ["10.0.1.0/24"], "defaultGatewayMac": "02:00:00:00:60:01"},
    {"vsid": 7001, "rdid": "cccccccc-0000-4000-8000-00000000000c", "prefixes": ["10.0.1.0/24", "fd00:c:1::/64"], "defaultGatewayMac": "02:00:00:00:70:01"}],
  "provider-addresses": [{"node": "gw1", "interface": "underlay", "address": "192.0.2.1", "prefixLength": 24,
                          "mac": "02:00:5e:00:53:01"}],
  "lookup-records": [
    {"vsid": 5001, "ca": "10.0.1.10", "mac": "00:15:5d:00:0a:01", "pa": "192.0.2.11"},
    {"vsid": 6001, "ca": "10.0.1.10", "mac": "00:15:5d:00:0b:01", "pa": "192.0.2.11"},
    {"vsid": 7001, "ca": "10.0.1.10", "mac": "00:15:5d:00:0c:01", "pa": "192.0.2.12"},
    {"vsid": 7001, "ca": "fd00:c:1::10", "mac": "00:15:5d:00:0c:01", "pa": "192.0.2.12"},
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
     "address": "198.51.100.1", "prefixLength": 24, "ipv6Address": "2001:db8:64::1"},
    {"rdid": "bbbbbbbb-0000-4000-8000-00000000000b", "name": "ext", "node": "gw1", "port": "trunk", "vlan": 200,
     "address": "198.51.100.1", "prefixLength": 24},
    {"rdid": "cccccccc-0000-4000-8000-00000000000c", "name": "ext", "node": "gw1", "port": "ext-c",
     "address": "198.51.100.1", "prefixLength": 24, "mtu": 1400, "ipv6Address": "2001:db8:c::1", "ipv6PrefixLength": 64},
    {"rdid": "cccccccc-0000-4000-8000-00000000000c", "name": "elsewhere", "node": "gw2", "port": "nope", "vlan": 9,
     "address": "192.168.9.1", "prefixLength": 24}],
  "gateway-routes": [
    {"rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "destinationPrefix": "0.0.0.0/0", "interface": "ext", "nextHop": "198.51.100.254"},
    {"rdid": "bbbbbbbb-0000-4000-8000-00000000000b", "destinationPrefix": "0.0.0.0/0", "interface": "ext", "nextHop": "198.51.100.254"},
    {"rdid": "cccccccc-0000-4000-8000-00000000000c", "destinationPrefix": "203.0.113.0/24", "interface": "ext", "nextHop": "198.51.100.254"},
    {"rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "destinationPrefix": "2001:db8:f00::/48", "interface": "ext", "nextHop": "fe80::fe"},
    {"rdid": "cccccccc-0000-4000-8000-00000000000c", "destinationPrefix": "2001:db8:f00::/48", "interface": "ext", "nextHop": "2001:db8:c::fe"}]
})";

class GatewayNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    auto local = oneUplink(kUnderlay, kUnderlayMac, "192.0.2.1/24");
    auto rcu = dp::Rcu::create(1);
    ASSERT_TRUE(rcu.ok());
    rcu_ = std::move(rcu).value();
    local_ = std::make_unique<dp::Published<fib::LocalAddresses>>(
        *rcu_, std::make_unique<const fib::LocalAddresses>(std::move(local)));
    const auto desired = boost::json::parse(kDesired).as_object();
    auto policy = overlay::OverlayPolicy::compile(desired);
    ASSERT_TRUE(policy.ok()) << policy.error().message();
    const overlay::OverlayPolicy& pol = *policy;
    auto tables = gateway::compileTenantTables(
        desired, pol, "gw1",
        [](std::string_view name) {
          if (name == "trunk")
            return std::optional<gateway::PortInfo>(gateway::PortInfo{kTrunk, kTrunkMac, 1500, false});
          if (name == "ext-c")
            return std::optional<gateway::PortInfo>(gateway::PortInfo{kPortC, kPortCMac, 1500, false});
          if (name == "underlay") {
            return std::optional<gateway::PortInfo>(gateway::PortInfo{kUnderlay, kUnderlayMac, 1500, true});
          }
          return std::optional<gateway::PortInfo>();
        },
        nullptr, [this, &pol](TenantId t) { return gateway::registerTenantCounters(h_.registry(), *pol.rdidOf(t)); });
    ASSERT_TRUE(tables.ok()) << tables.error().message();
    ASSERT_EQ(tables->interfaces().size(), 3u) << "gw2's interface is not ours";
    tenantA_ = policy->tenant(*Rdid::parse("aaaaaaaa-0000-4000-8000-00000000000a"))->index();
    policy_ = std::make_unique<dp::Published<overlay::OverlayPolicy>>(
        *rcu_, std::make_unique<const overlay::OverlayPolicy>(std::move(*policy)));
    tenants_ = std::make_unique<dp::Published<fib::TenantTables>>(
        *rcu_, std::make_unique<const fib::TenantTables>(std::move(*tables)));
    neighbors_ =
        std::make_unique<dp::Published<fib::NeighborTable>>(*rcu_, std::make_unique<const fib::NeighborTable>());
    publishNeighbors(true);
    nodesCtx_.local = local_.get();
    nodesCtx_.neighbors = neighbors_.get();
    nodesCtx_.tenants = tenants_.get();
    nodesCtx_.arpPunt = kArpPunt;
    nodesCtx_.ndPunt = kNdPunt;
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
      m.emplace(fib::NeighborKey(*Ipv6Addr::parse("fe80::fe"), x[0].scope), fib::Neighbor{kRouterA, kTrunk});
      m.emplace(fib::NeighborKey(*Ipv6Addr::parse("2001:db8:c::fe"), x[2].scope), fib::Neighbor{kRouterC, kPortC});
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
inline std::vector<std::uint8_t> fromHost(Ipv4Addr pa, const MacAddr& hostMac, std::uint32_t vs, const MacAddr& vmMac,
                                          const MacAddr& gwMac, Ipv4Addr dst, std::uint8_t ttl = 64,
                                          std::size_t payload = 32) {
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
inline std::vector<std::uint8_t> fromRouter(const MacAddr& routerMac, const MacAddr& gwMac,
                                            std::optional<std::uint16_t> vlan, Ipv4Addr src, Ipv4Addr dst) {
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

inline Routed parseRouted(const std::vector<std::uint8_t>& frame) {
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

// The ICMP error a VM got back through NVGRE: (outer IPv4, inner IPv4, ICMP type, code, word, quoted bytes).
struct IcmpBack {
  wire::Ipv4Header outer, inner;
  std::uint8_t type = 0, code = 0;
  std::uint16_t mtu = 0;
  std::vector<std::uint8_t> quoted;
};

inline IcmpBack icmpBack(const std::vector<std::uint8_t>& frame) {
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
inline std::vector<std::uint8_t> innerIp(const std::vector<std::uint8_t>& frame) {
  auto outer = wire::parseIpv4(std::span(frame).subspan(14));
  auto l3 = outer->payload.subspan(wire::kNvgreHeaderLen + 14);
  return {l3.begin(), l3.end()};
}

// Only unicast is routed: a tenant network's broadcasts and multicasts

// --- IPv6 ---

// IPv6 in tenant A's VRF: from a VM of VSID 5001 on host 1, through the
// gateway, to a VM of VSID 5002 on host 2.
inline const Ipv6Addr kVm6 = *Ipv6Addr::parse("fd00:a:1::10"), kPeer6 = *Ipv6Addr::parse("fd00:a:2::20");
inline const MacAddr kA2 = mac("00:15:5d:00:0a:02"), kGwA2 = mac("00:15:5d:ff:00:1a");

// vm-a1's frame to the gateway in NVGRE from host 1, up to the inner IP header.
inline PacketBuilder toGatewayFromA1() {
  PacketBuilder b;
  b.eth(kHost1Mac, kUnderlayMac).ipv4(kPa1, kGwPa).df().nvgre(vsid(5001), 7).eth(kA1, kGwA);
  return b;
}

inline std::vector<std::uint8_t> fromHost6(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t hops = 64) {
  return toGatewayFromA1().ipv6(src, dst).ttl(hops).udp(4000, 53).payloadFill(32, 0x5a).build();
}

// An IPv6 packet the gateway sent into the overlay: the outer IPv4 header,
// the VSID, the inner Ethernet header's fields and the inner IPv6 header.
struct Nvgre6 {
  wire::Ipv4Header outer;
  std::uint32_t vsid = 0;
  MacAddr innerDst, innerSrc;
  std::uint16_t innerEtherType = 0;
  bool innerTagged = false;
  wire::Ipv6Header ip;
};

inline Nvgre6 nvgre6(const std::vector<std::uint8_t>& f) {
  Nvgre6 b;
  auto outer = wire::parseIpv4(std::span(f).subspan(14));
  EXPECT_TRUE(outer.ok());
  b.outer = *outer;
  auto nv = wire::parseNvgre(outer->payload);
  EXPECT_TRUE(nv.ok());
  b.vsid = nv->vsid.value();
  auto eth = wire::parseEthernet(outer->payload.subspan(wire::kNvgreHeaderLen));
  EXPECT_TRUE(eth.ok());
  b.innerDst = eth->dst;
  b.innerSrc = eth->src;
  b.innerEtherType = eth->etherType;
  b.innerTagged = eth->vlanTci.has_value();
  auto ip = wire::parseIpv6(outer->payload.subspan(wire::kNvgreHeaderLen + 14));
  EXPECT_TRUE(ip.ok());
  b.ip = *ip;
  return b;
}

// An ICMPv6 error the gateway sent back into the overlay: the inner IPv6
// header and the ICMPv6 header's first 8 bytes.
struct Icmp6Back : Nvgre6 {
  std::uint8_t type = 0, code = 0;
  std::uint32_t word = 0;
  std::vector<std::uint8_t> quoted;  // the original packet as the error quotes it
};

inline Icmp6Back icmp6Back(const std::vector<std::uint8_t>& f) {
  Icmp6Back b;
  static_cast<Nvgre6&>(b) = nvgre6(f);
  const wire::Ipv6Header& ip = b.ip;
  EXPECT_EQ(ip.nextHeader, wire::kIpProtoIcmpv6);
  EXPECT_TRUE(wire::icmpv6ChecksumOk(ip.src, ip.dst, ip.payload));
  b.type = ip.payload[0];
  b.code = ip.payload[1];
  b.word = wire::load32(&ip.payload[4]);
  b.quoted.assign(ip.payload.begin() + 8, ip.payload.end());
  return b;
}

// The IPv6 packet inside a frame fromHost6 made.
inline std::vector<std::uint8_t> inner6(const std::vector<std::uint8_t>& frame) {
  return {frame.begin() + 14 + 20 + wire::kNvgreHeaderLen + 14, frame.end()};
}

}  // namespace hnv::test
