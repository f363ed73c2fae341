// The overlay nodes on prebuilt frames: VM ports into NVGRE and back, the
// ARP/ND proxy, the distributed router, flooding and receive validation,
// with two tenants that use the same customer addresses.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <map>
#include <set>

#include "graph_harness.h"
#include "hnv/nodes/module.h"
#include "hnv/overlay/learner.h"
#include "hnv/nat/module.h"
#include "hnv/vpn/module.h"
#include "hnv/overlay/module.h"
#include "hnv/overlay/next_hop.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/dhcp.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/icmpv6.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/nvgre.h"
#include "hnv/wire/tcp.h"

namespace hnv::test {
namespace {

using wire::PacketBuilder;

MacAddr mac(const char* s) { return *MacAddr::parse(s); }
Ipv4Addr v4(const char* s) { return *Ipv4Addr::parse(s); }
Ipv6Addr v6(const char* s) { return *Ipv6Addr::parse(s); }
Vsid vsid(std::uint32_t v) { return *Vsid::forTenant(v); }
// The Ethernet address of an IPv6 address's solicited-node group (RFC 2464).
MacAddr multicastMacOf(const Ipv6Addr& a) {
  std::uint8_t b[16];
  a.solicitedNode().toBytes(b);
  const std::uint8_t m[6] = {0x33, 0x33, b[12], b[13], b[14], b[15]};
  return MacAddr::fromBytes(m);
}

// host1: uplink port 0 (PA 192.0.2.11/24), VM ports 1..4.
const MacAddr kUplinkMac = mac("02:00:5e:00:53:11");
const MacAddr kHost2Mac = mac("02:00:5e:00:53:12");
const MacAddr kHost3Mac = mac("02:00:5e:00:53:13");
const Ipv4Addr kPa1 = v4("192.0.2.11"), kPa2 = v4("192.0.2.12"), kPa3 = v4("192.0.2.13"), kGwPa = v4("192.0.2.1");
constexpr std::uint16_t kUplink = 0, kPortA1 = 1, kPortB1 = 2, kPortA3 = 3, kPortA4 = 4, kPortA5 = 5;
// Tenant A: VSIDs 5001 (10.0.1.0/24) and 5002 (10.0.2.0/24); tenant B: 6001 (10.0.1.0/24 too).
const MacAddr kRouterA1 = mac("02:00:00:00:50:01"), kRouterA2 = mac("02:00:00:00:50:02"), kRouterB = mac("02:00:00:00:60:01");
const MacAddr kA1 = mac("00:15:5d:00:00:01"), kA2 = mac("00:15:5d:00:00:02"), kA4 = mac("00:15:5d:00:00:04"),
              kA3 = mac("00:15:5d:00:02:01"), kAGw = mac("00:15:5d:00:00:fe"), kA5 = mac("00:15:5d:00:00:05");
const MacAddr kB1 = mac("00:15:5d:00:01:01"), kB2 = mac("00:15:5d:00:01:02");
const Ipv4Addr kCa10 = v4("10.0.1.10"), kCa11 = v4("10.0.1.11"), kCa20 = v4("10.0.1.20"), kCaGw = v4("10.0.1.1"),
               kCaA3 = v4("10.0.2.10");
constexpr dp::PuntKind kMissPunt = 9, kLearnPunt = 10;

constexpr const char* kDesired = R"({
  "revision": 7,
  "routing-domains": [{"rdid": "8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a"}, {"rdid": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"}],
  "virtual-subnets": [
    {"vsid": 5001, "rdid": "8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a", "prefixes": ["10.0.1.0/24", "fd00:1::/64"],
     "defaultGatewayMac": "02:00:00:00:50:01"},
    {"vsid": 5002, "rdid": "8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a", "prefixes": ["10.0.2.0/24"],
     "defaultGatewayMac": "02:00:00:00:50:02"},
    {"vsid": 6001, "rdid": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "prefixes": ["10.0.1.0/24"],
     "defaultGatewayMac": "02:00:00:00:60:01", "multicastGroup": "239.1.1.1"}],
  "provider-addresses": [{"node": "host1", "interface": "ul0", "address": "192.0.2.11", "prefixLength": 24,
                          "mac": "02:00:5e:00:53:11"}],
  "provider-routes": [
    {"node": "host1", "interface": "ul0", "destinationPrefix": "198.18.0.0/15", "nextHop": "192.0.2.253", "metric": 10},
    {"node": "host1", "interface": "ul0", "destinationPrefix": "198.18.0.0/24", "nextHop": "192.0.2.254", "metric": 20},
    {"node": "host1", "interface": "ul0", "destinationPrefix": "198.18.0.0/24", "nextHop": "192.0.2.252", "metric": 30}],
  "lookup-records": [
    {"vsid": 5001, "ca": "10.0.1.10", "mac": "00:15:5d:00:00:01", "pa": "192.0.2.11"},
    {"vsid": 5001, "ca": "10.0.1.11", "mac": "00:15:5d:00:00:04", "pa": "192.0.2.11"},
    {"vsid": 5001, "ca": "fd00:1::10", "mac": "00:15:5d:00:00:01", "pa": "192.0.2.11"},
    {"vsid": 5001, "ca": "10.0.1.20", "mac": "00:15:5d:00:00:02", "pa": "192.0.2.12"},
    {"vsid": 5001, "ca": "fd00:1::20", "mac": "00:15:5d:00:00:02", "pa": "192.0.2.12"},
    {"vsid": 5001, "ca": "10.0.1.30", "mac": "00:15:5d:00:00:03", "pa": "192.0.2.13"},
    {"vsid": 5001, "type": "GatewayWildcard", "mac": "00:15:5d:00:00:fe", "pa": "192.0.2.1"},
    {"vsid": 5001, "type": "L2Only", "mac": "00:15:5d:00:00:05", "pa": "192.0.2.11"},
    {"vsid": 5002, "ca": "10.0.2.10", "mac": "00:15:5d:00:02:01", "pa": "192.0.2.11"},
    {"vsid": 5002, "ca": "10.0.2.40", "mac": "00:15:5d:00:02:40", "pa": "198.18.0.13"},
    {"vsid": 5002, "ca": "10.0.2.50", "mac": "00:15:5d:00:02:50", "pa": "203.0.113.13"},
    {"vsid": 6001, "ca": "10.0.1.10", "mac": "00:15:5d:00:01:01", "pa": "192.0.2.11"},
    {"vsid": 6001, "ca": "10.0.1.20", "mac": "00:15:5d:00:01:02", "pa": "192.0.2.13"}]
})";

class OverlayNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    auto local = oneUplink(kUplink, kUplinkMac, "192.0.2.11/24");
    auto rcu = dp::Rcu::create(1);
    ASSERT_TRUE(rcu.ok());
    rcu_ = std::move(rcu).value();
    local_ = std::make_unique<dp::Published<fib::LocalAddresses>>(*rcu_, std::make_unique<const fib::LocalAddresses>(std::move(local)));
    neighbors_ = std::make_unique<dp::Published<fib::NeighborTable>>(
        *rcu_, std::make_unique<const fib::NeighborTable>(
                   fib::NeighborTable::Map{{kPa2, {kHost2Mac, kUplink}}, {kPa3, {kHost3Mac, kUplink}}}));
    ports_ = {
        {kPortA1, vsid(5001), kA1, {}},
        // B1 may send only from its CA (allowed CAs from its vm-ports object).
        {kPortB1, vsid(6001), kB1, {*Prefix::parse("10.0.1.10/32")}},
        {kPortA3, vsid(5002), kA3, {}},
        {kPortA4, vsid(5001), kA4, {}},
        {kPortA5, vsid(5001), kA5, {}}};
    auto policy = overlay::OverlayPolicy::compile(boost::json::parse(kDesired).as_object(), nullptr, ports_);
    ASSERT_TRUE(policy.ok()) << policy.error().message();
    policy_ = std::make_unique<dp::Published<overlay::OverlayPolicy>>(
        *rcu_, std::make_unique<const overlay::OverlayPolicy>(std::move(*policy)));
    // Tenant B's group: host1 has a VM port in VSID 6001.
    groups_ = std::make_unique<dp::Published<fib::MulticastGroups>>(
        *rcu_, std::make_unique<const fib::MulticastGroups>(std::vector<Ipv4Addr>{v4("239.1.1.1")}));
    nodesCtx_.local = local_.get();
    nodesCtx_.groups = groups_.get();
    nodesCtx_.neighbors = neighbors_.get();
    ext_ = std::make_unique<overlay::Extensions>(*rcu_);
    overlayCtx_.hooks = &ext_->table();
    overlayCtx_.policy = policy_.get();
    overlayCtx_.local = local_.get();
    overlayCtx_.neighbors = neighbors_.get();
    overlayCtx_.missPunt = kMissPunt;
    overlayCtx_.learnPunt = kLearnPunt;
    ASSERT_TRUE(nodes::addGenericNodes(h_.catalog(), nodesCtx_).ok());
    ASSERT_TRUE(overlay::addOverlayNodes(h_.catalog(), overlayCtx_).ok());
    natCtx_.sessionsPerWorker = 0;
    ASSERT_TRUE(nat::addNatNodes(h_.catalog(), natCtx_, 1).ok());
    ASSERT_TRUE(vpn::addVpnNodes(h_.catalog(), vpnCtx_, 1).ok());
    h_.build();
  }

  RunResult fromVm(std::uint16_t port, const std::vector<std::uint8_t>& frame) { return h_.run(frame, port, 1); }
  RunResult fromUnderlay(const std::vector<std::uint8_t>& frame) { return h_.run(frame, kUplink, 0); }

  // `count`: the counter's value after this drop (the drops of this reason so far).
  void expectDrop(const RunResult& r, const std::string& node, const std::string& error, std::uint64_t count = 1) {
    EXPECT_TRUE(r.sent.empty());
    EXPECT_TRUE(r.punted.empty());
    EXPECT_EQ(r.dropped.size(), 1u);
    EXPECT_EQ(h_.nodeError(node, error), count) << node << " " << error;
  }

  std::unique_ptr<dp::Rcu> rcu_;
  std::unique_ptr<dp::Published<fib::LocalAddresses>> local_;
  std::unique_ptr<dp::Published<fib::NeighborTable>> neighbors_;
  std::unique_ptr<dp::Published<overlay::OverlayPolicy>> policy_;
  nodes::NodesContext nodesCtx_;
  std::vector<overlay::VmPortBinding> ports_;
  std::unique_ptr<overlay::Extensions> ext_;
  std::unique_ptr<dp::Published<fib::MulticastGroups>> groups_;
  overlay::OverlayContext overlayCtx_;
  nat::NatContext natCtx_;  // no NAT instances here: the nodes complete ip4-lookup's edges
  vpn::VpnContext vpnCtx_;  // no tunnels here: the nodes complete ip4-lookup's edges
  GraphHarness h_{{"eth-input", "vm-input"}};
};

// A UDP datagram between two CAs of one VSID.
std::vector<std::uint8_t> udpFrame(const MacAddr& src, const MacAddr& dst, Ipv4Addr s, Ipv4Addr d, std::uint8_t tos = 0,
                                   std::uint16_t sport = 1000) {
  std::vector<std::uint8_t> payload(32, 0xab);
  return PacketBuilder().eth(src, dst).ipv4(s, d).tos(tos).udp(sport, 2000).payload(payload).build();
}

struct Outer {
  MacAddr dstMac, srcMac;
  wire::Ipv4Header ip;
  wire::NvgreHeader nvgre;
  std::vector<std::uint8_t> inner;
};

Outer parseOuter(const std::vector<std::uint8_t>& frame) {
  Outer o;
  auto eth = wire::parseEthernet(frame);
  EXPECT_TRUE(eth.ok());
  EXPECT_EQ(eth->etherType, wire::kEtherTypeIpv4);
  o.dstMac = eth->dst;
  o.srcMac = eth->src;
  auto ip = wire::parseIpv4(std::span(frame).subspan(wire::kEthernetHeaderLen));
  EXPECT_TRUE(ip.ok());
  EXPECT_TRUE(wire::ipv4HeaderChecksumOk(std::span(frame).subspan(wire::kEthernetHeaderLen)));
  o.ip = *ip;
  auto nv = wire::parseNvgre(ip->payload);
  EXPECT_TRUE(nv.ok());
  o.nvgre = *nv;
  o.inner.assign(ip->payload.begin() + wire::kNvgreHeaderLen, ip->payload.end());
  return o;
}

TEST_F(OverlayNodes, VmToRemoteVmIsEncapsulatedToTheRecordsPa) {
  auto inner = udpFrame(kA1, kA2, kCa10, kCa20, 0xb8 | 0x02);  // DSCP 46, ECT(0)
  auto r = fromVm(kPortA1, inner);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kUplink);
  Outer o = parseOuter(r.sent[0].bytes);
  EXPECT_EQ(o.dstMac, kHost2Mac);
  EXPECT_EQ(o.srcMac, kUplinkMac);
  EXPECT_EQ(o.ip.src, kPa1);
  EXPECT_EQ(o.ip.dst, kPa2);
  EXPECT_TRUE(o.ip.df);
  EXPECT_EQ(o.ip.protocol, wire::kIpProtoGre);
  EXPECT_EQ(o.ip.tos, 0xb8 | 0x02) << "DSCP copied, ECN copied (RFC 6040 normal mode)";
  EXPECT_EQ(o.nvgre.vsid, vsid(5001));
  EXPECT_EQ(o.inner, inner);
}

TEST_F(OverlayNodes, FlowIdFollowsTheInnerFlow) {
  std::set<std::uint8_t> ids;
  for (std::uint16_t sport = 1000; sport < 1032; ++sport) {
    auto a = fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20, 0, sport));
    auto b = fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20, 0, sport));
    ASSERT_EQ(a.sent.size(), 1u);
    ASSERT_EQ(b.sent.size(), 1u);
    EXPECT_EQ(parseOuter(a.sent[0].bytes).nvgre.flowId, parseOuter(b.sent[0].bytes).nvgre.flowId);
    ids.insert(parseOuter(a.sent[0].bytes).nvgre.flowId);
  }
  EXPECT_GT(ids.size(), 16u) << "32 flows should spread over the 8-bit FlowID";
}

TEST_F(OverlayNodes, SameCasInTwoTenantsGoToTheirOwnPas) {
  auto a = fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20));
  auto b = fromVm(kPortB1, udpFrame(kB1, kB2, kCa10, kCa20));
  ASSERT_EQ(a.sent.size(), 1u);
  ASSERT_EQ(b.sent.size(), 1u);
  EXPECT_EQ(parseOuter(a.sent[0].bytes).ip.dst, kPa2);
  EXPECT_EQ(parseOuter(a.sent[0].bytes).nvgre.vsid, vsid(5001));
  EXPECT_EQ(parseOuter(b.sent[0].bytes).ip.dst, kPa3);
  EXPECT_EQ(parseOuter(b.sent[0].bytes).nvgre.vsid, vsid(6001));
}

TEST_F(OverlayNodes, TenantBCannotAddressTenantAsMac) {
  expectDrop(fromVm(kPortB1, udpFrame(kB1, kA2, kCa10, kCa20)), "vm-input", "unknown-destination");
}

TEST_F(OverlayNodes, SameHostSameVsidStaysLocal) {
  auto inner = udpFrame(kA1, kA4, kCa10, kCa11);
  auto r = fromVm(kPortA1, inner);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortA4);
  EXPECT_EQ(r.sent[0].bytes, inner);
}

TEST_F(OverlayNodes, SpoofedSourceMacIsDropped) {
  expectDrop(fromVm(kPortA1, udpFrame(kA4, kA2, kCa10, kCa20)), "vm-input", "spoofed-source-mac");
}

TEST_F(OverlayNodes, AVmSendingFromAnAddressItsPortDoesNotAllowIsDropped) {
  // B1's port allows 10.0.1.10 only.
  expectDrop(fromVm(kPortB1, udpFrame(kB1, kB2, kCa11, kCa20)), "vm-input", "spoofed-source-ca");
  auto claim = PacketBuilder().eth(kB1, MacAddr::broadcast()).arpRequest(kB1, kCa11, kCa11).build();
  expectDrop(fromVm(kPortB1, claim), "vm-input", "spoofed-source-ca", 2);
  auto fromV6 = PacketBuilder().eth(kB1, kB2).ipv6(v6("fd00:1::99"), v6("fd00:1::20")).udp(1, 2).build();
  expectDrop(fromVm(kPortB1, fromV6), "vm-input", "spoofed-source-ca", 3);
  // Too short to say who sent it: malformed, not let through.
  auto shortIp = PacketBuilder().eth(kB1, kB2).etherType(wire::kEtherTypeIpv4).payload(std::vector<std::uint8_t>(12, 0x45)).build();
  expectDrop(fromVm(kPortB1, shortIp), "vm-input", "malformed");
  // The allowed CA, DHCP's unspecified source and an IPv6 link-local source pass.
  EXPECT_EQ(fromVm(kPortB1, udpFrame(kB1, kB2, kCa10, kCa20)).sent.size(), 1u);
  auto discover = PacketBuilder().eth(kB1, MacAddr::broadcast()).ipv4(v4("0.0.0.0"), v4("255.255.255.255")).udp(68, 67).build();
  EXPECT_EQ(fromVm(kPortB1, discover).sent.size(), 1u) << "one copy to the group";
  auto ll = PacketBuilder().eth(kB1, kB2).ipv6(v6("fe80::1"), v6("fe80::2")).udp(1, 2).build();
  EXPECT_EQ(fromVm(kPortB1, ll).sent.size(), 1u);
  EXPECT_EQ(h_.nodeError("vm-input", "spoofed-source-ca"), 3u);
  // From a link-local source, an advertisement or a DAD probe still claims its target.
  const Ipv6Addr other = v6("fd00:1::99");
  auto na = PacketBuilder().eth(kB1, mac("33:33:00:00:00:01")).ipv6(v6("fe80::1"), Ipv6Addr::allNodes())
                .neighborAdvertisement({false, false, true}, other, kB1).build();
  expectDrop(fromVm(kPortB1, na), "vm-input", "spoofed-source-ca", 4);
  auto dad = PacketBuilder().eth(kB1, multicastMacOf(other)).ipv6(Ipv6Addr(), other.solicitedNode())
                 .neighborSolicitation(other).build();
  expectDrop(fromVm(kPortB1, dad), "vm-input", "spoofed-source-ca", 5);
  // A port without allowed CAs checks only the MAC.
  EXPECT_EQ(fromVm(kPortA1, udpFrame(kA1, kA2, kCa11, kCa20)).sent.size(), 1u);
}

TEST_F(OverlayNodes, TaggedFrameFromAVmIsDropped) {
  auto f = PacketBuilder().eth(kA1, kA2).vlan(5).ipv4(kCa10, kCa20).udp(1, 2).build();
  expectDrop(fromVm(kPortA1, f), "vm-input", "tagged-frame");
}

TEST_F(OverlayNodes, UnboundPortIsDropped) {
  expectDrop(fromVm(7, udpFrame(kA1, kA2, kCa10, kCa20)), "vm-input", "unbound-port");
}

TEST_F(OverlayNodes, FrameLargerThanTheUplinkAllowsIsDroppedNotFragmented) {
  // Outer IP = 20 + 8 + inner frame (14 + 20 + 8 + payload): 1501 bytes.
  std::vector<std::uint8_t> payload(1501 - 28 - 14 - 28, 0);
  auto f = PacketBuilder().eth(kA1, kA2).ipv4(kCa10, kCa20).udp(1, 2).payload(payload).build();
  expectDrop(fromVm(kPortA1, f), "nvgre-encap", "too-big");
  payload.pop_back();  // exactly 1500 bytes outer
  auto ok = PacketBuilder().eth(kA1, kA2).ipv4(kCa10, kCa20).udp(1, 2).payload(payload).build();
  auto r = fromVm(kPortA1, ok);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(parseOuter(r.sent[0].bytes).ip.totalLength, 1500);
}

// A VM that keeps MTU 1500 (spec pain point 1) learns the path MTU from its
// distributed router: "fragmentation needed" with the MTU that fits NVGRE.
TEST_F(OverlayNodes, OversizedDfPacketFromAVmGetsFragmentationNeeded) {
  std::vector<std::uint8_t> payload(1500 - 28, 0x42);  // a 1500-byte IP packet
  auto f = PacketBuilder().eth(kA1, kA2).ipv4(kCa10, kCa20).df().udp(1, 2).payload(payload).build();
  auto r = fromVm(kPortA1, f);
  EXPECT_EQ(h_.nodeError("nvgre-encap", "too-big"), 1u);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortA1);
  const auto& e = r.sent[0].bytes;
  auto eth = wire::parseEthernet(e);
  ASSERT_TRUE(eth.ok());
  EXPECT_EQ(eth->dst, kA1);
  EXPECT_EQ(eth->src, kRouterA1);
  auto ip = wire::parseIpv4(std::span(e).subspan(14));
  ASSERT_TRUE(ip.ok());
  EXPECT_TRUE(wire::ipv4HeaderChecksumOk(std::span(e).subspan(14)));
  EXPECT_EQ(ip->src, kCaGw) << "from the VSID's router";
  EXPECT_EQ(ip->dst, kCa10);
  EXPECT_EQ(ip->payload[0], wire::kIcmpDestUnreachable);
  EXPECT_EQ(ip->payload[1], wire::kIcmpCodeFragNeeded);
  EXPECT_EQ(wire::load16(ip->payload.data() + 6), 1458) << "uplink 1500 - outer IPv4, GRE and inner Ethernet";
  EXPECT_EQ(wire::internetChecksum(ip->payload), 0);
  EXPECT_EQ(ip->totalLength, 576);
}

TEST_F(OverlayNodes, OversizedIpv6PacketFromAVmGetsPacketTooBig) {
  const Ipv6Addr src = v6("fd00:1::10"), dst = v6("fd00:1::20"), router = v6("fd00:1::1");
  std::vector<std::uint8_t> payload(1500 - 48, 0x43);
  auto f = PacketBuilder().eth(kA1, kA2).ipv6(src, dst).udp(1, 2).payload(payload).build();
  auto r = fromVm(kPortA1, f);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortA1);
  const auto& e = r.sent[0].bytes;
  auto ip = wire::parseIpv6(std::span(e).subspan(14));
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->src, router);
  EXPECT_EQ(ip->dst, src);
  EXPECT_EQ(ip->nextHeader, wire::kIpProtoIcmpv6);
  EXPECT_EQ(ip->payload[0], wire::kIcmpv6PacketTooBig);
  EXPECT_EQ(wire::load32(ip->payload.data() + 4), 1458u);
  EXPECT_EQ(wire::checksumFinish(wire::checksumAdd(
                wire::ipv6PseudoHeaderSum(router, src, wire::kIpProtoIcmpv6, static_cast<std::uint32_t>(ip->payload.size())),
                ip->payload)),
            0) << "ICMPv6 checksum";
  EXPECT_EQ(wire::kIpv6HeaderLen + ip->payload.size(), 1280u) << "as much of the packet as fits 1280 bytes";
}

TEST_F(OverlayNodes, OversizedIcmpErrorFromAVmGetsNoErrorBack) {
  std::vector<std::uint8_t> payload(1500 - 28, 0);
  auto f = PacketBuilder().eth(kA1, kA2).ipv4(kCa10, kCa20).df().icmpError(3, 1).payload(payload).build();
  expectDrop(fromVm(kPortA1, f), "vm-icmp-error", "about-icmp-error");
}

TEST_F(OverlayNodes, UnresolvedUnderlayNeighbourIsPuntedWithItsNextHop) {
  neighbors_->publish(std::make_unique<const fib::NeighborTable>());
  auto r = fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20));
  EXPECT_TRUE(r.sent.empty());
  ASSERT_EQ(r.punted.size(), 1u);
  EXPECT_EQ(r.punted[0].kind, kMissPunt);
  EXPECT_EQ(r.punted[0].txPort, kUplink);
  EXPECT_EQ(parseOuter(r.punted[0].bytes).dstMac, MacAddr()) << "the resolver fills in the MAC";
}

TEST_F(OverlayNodes, ArpForARemoteCaIsAnsweredWithItsRecordMac) {
  auto r = fromVm(kPortA1, PacketBuilder().eth(kA1, MacAddr::broadcast()).arpRequest(kA1, kCa10, kCa20).build());
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortA1);
  EXPECT_EQ(r.sent[0].bytes, PacketBuilder().eth(kA2, kA1).arpReply(kA2, kCa20, kA1, kCa10).build());
}

TEST_F(OverlayNodes, ArpAnswersComeFromTheAskingTenantsPolicy) {
  auto r = fromVm(kPortB1, PacketBuilder().eth(kB1, MacAddr::broadcast()).arpRequest(kB1, kCa10, kCa20).build());
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].bytes, PacketBuilder().eth(kB2, kB1).arpReply(kB2, kCa20, kB1, kCa10).build());
}

TEST_F(OverlayNodes, DefaultGatewayAnswersArp) {
  auto r = fromVm(kPortA1, PacketBuilder().eth(kA1, MacAddr::broadcast()).arpRequest(kA1, kCa10, kCaGw).build());
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].bytes, PacketBuilder().eth(kRouterA1, kA1).arpReply(kRouterA1, kCaGw, kA1, kCa10).build());
}

TEST_F(OverlayNodes, ArpForAnUnknownCaGetsNoAnswerAndIsNotFlooded) {
  auto r = fromVm(kPortA1, PacketBuilder().eth(kA1, MacAddr::broadcast()).arpRequest(kA1, kCa10, v4("10.0.1.99")).build());
  expectDrop(r, "arp-proxy", "unknown-target");
  EXPECT_EQ(h_.counter("hnv_node_packets_total", {{"node", "nvgre-encap"}}), 0u);
}

TEST_F(OverlayNodes, ArpProbeForAnotherVmsCaIsAnsweredButNotForItsOwn) {
  auto conflict = fromVm(kPortA1, PacketBuilder().eth(kA1, MacAddr::broadcast()).arpRequest(kA1, Ipv4Addr(), kCa20).build());
  ASSERT_EQ(conflict.sent.size(), 1u);
  EXPECT_EQ(conflict.sent[0].bytes, PacketBuilder().eth(kA2, kA1).arpReply(kA2, kCa20, kA1, Ipv4Addr()).build());
  expectDrop(fromVm(kPortA1, PacketBuilder().eth(kA1, MacAddr::broadcast()).arpRequest(kA1, Ipv4Addr(), kCa10).build()),
             "arp-proxy", "own-address");
}

TEST_F(OverlayNodes, GratuitousArpIsNotAnswered) {
  expectDrop(fromVm(kPortA1, PacketBuilder().eth(kA1, MacAddr::broadcast()).arpRequest(kA1, kCa10, kCa10).build()),
             "arp-proxy", "announcement");
}

TEST_F(OverlayNodes, DefaultGatewayAnswersNeighbourSolicitationAsARouter) {
  const Ipv6Addr ca = v6("fd00:1::10"), gw = v6("fd00:1::1");
  auto ns = PacketBuilder().eth(kA1, multicastMacOf(gw)).ipv6(ca, gw.solicitedNode()).neighborSolicitation(gw, kA1).build();
  auto r = fromVm(kPortA1, ns);
  ASSERT_EQ(r.sent.size(), 1u);
  auto want = PacketBuilder().eth(kRouterA1, kA1).ipv6(gw, ca).neighborAdvertisement({true, true, true}, gw, kRouterA1).build();
  EXPECT_EQ(r.sent[0].bytes, want);
}

TEST_F(OverlayNodes, DadForAnotherVmsCaIsAnsweredToAllNodes) {
  const Ipv6Addr target = v6("fd00:1::20");
  auto ns = PacketBuilder().eth(kA1, multicastMacOf(target)).ipv6(Ipv6Addr(), target.solicitedNode()).neighborSolicitation(target).build();
  auto r = fromVm(kPortA1, ns);
  ASSERT_EQ(r.sent.size(), 1u);
  auto want = PacketBuilder()
                  .eth(kA2, mac("33:33:00:00:00:01"))
                  .ipv6(target, Ipv6Addr::allNodes())
                  .neighborAdvertisement({false, false, true}, target, kA2)
                  .build();
  EXPECT_EQ(r.sent[0].bytes, want);
}

TEST_F(OverlayNodes, SolicitationForAnUnknownCaGetsNoAnswer) {
  const Ipv6Addr ca = v6("fd00:1::10"), t = v6("fd00:1::99");
  auto ns = PacketBuilder().eth(kA1, multicastMacOf(t)).ipv6(ca, t.solicitedNode()).neighborSolicitation(t, kA1).build();
  expectDrop(fromVm(kPortA1, ns), "nd-proxy", "unknown-target");
}

TEST_F(OverlayNodes, DistributedRouterRoutesBetweenVsidsOfOneRoutingDomain) {
  auto f = PacketBuilder().eth(kA1, kRouterA1).ipv4(kCa10, kCaA3).ttl(64).udp(1, 2).build();
  auto r = fromVm(kPortA1, f);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortA3);
  auto want = PacketBuilder().eth(kRouterA2, kA3).ipv4(kCa10, kCaA3).ttl(63).udp(1, 2).build();
  EXPECT_EQ(r.sent[0].bytes, want) << "MACs rewritten, TTL decremented, checksum adjusted";
}

TEST_F(OverlayNodes, RoutingNeverCrossesRoutingDomains) {
  // Tenant B has no 10.0.2.0/24 and no gateway: the router has no route.
  auto f = PacketBuilder().eth(kB1, kRouterB).ipv4(kCa10, kCaA3).udp(1, 2).build();
  expectDrop(fromVm(kPortB1, f), "vm-input", "no-route");
}

TEST_F(OverlayNodes, TrafficLeavingTheVirtualNetworkGoesToTheGatewayWildcard) {
  auto f = PacketBuilder().eth(kA1, kRouterA1).ipv4(kCa10, v4("198.51.100.7")).udp(1, 2).build();
  neighbors_->publish(std::make_unique<const fib::NeighborTable>(fib::NeighborTable::Map{{kGwPa, {kHost3Mac, kUplink}}}));
  auto r = fromVm(kPortA1, f);
  ASSERT_EQ(r.sent.size(), 1u);
  Outer o = parseOuter(r.sent[0].bytes);
  EXPECT_EQ(o.ip.dst, kGwPa);
  EXPECT_EQ(wire::parseEthernet(o.inner)->dst, kAGw);
}

TEST_F(OverlayNodes, BroadcastLeavesOnceLocallyAndOncePerRemotePa) {
  auto f = PacketBuilder().eth(kA1, MacAddr::broadcast()).ipv4(kCa10, v4("10.0.1.255")).udp(67, 68).build();
  neighbors_->publish(std::make_unique<const fib::NeighborTable>(fib::NeighborTable::Map{
      {kPa2, {kHost2Mac, kUplink}}, {kPa3, {kHost3Mac, kUplink}}, {kGwPa, {kHost3Mac, kUplink}}}));
  auto r = fromVm(kPortA1, f);
  ASSERT_EQ(r.sent.size(), 5u);
  std::multiset<std::uint32_t> pas;
  int local = 0;
  for (const auto& s : r.sent) {
    if (s.port == kPortA4 || s.port == kPortA5) {
      ++local;
      EXPECT_EQ(s.bytes, f);
      continue;
    }
    Outer o = parseOuter(s.bytes);
    pas.insert(o.ip.dst.host());
    EXPECT_EQ(o.inner, f);
  }
  EXPECT_EQ(local, 2);
  EXPECT_EQ(pas, (std::multiset<std::uint32_t>{kGwPa.host(), kPa2.host(), kPa3.host()}));
}

TEST_F(OverlayNodes, BroadcastWithAMulticastGroupLeavesAsOneCopyToTheGroup) {
  auto f = PacketBuilder().eth(kB1, MacAddr::broadcast()).ipv4(kCa10, v4("10.0.1.255")).udp(67, 68).build();
  auto r = fromVm(kPortB1, f);
  ASSERT_EQ(r.sent.size(), 1u);
  Outer o = parseOuter(r.sent[0].bytes);
  EXPECT_EQ(o.ip.dst, v4("239.1.1.1"));
  EXPECT_EQ(o.dstMac, mac("01:00:5e:01:01:01"));
  EXPECT_EQ(o.nvgre.vsid, vsid(6001));
}

// NVGRE from the underlay into host1.
std::vector<std::uint8_t> nvgreFrame(Ipv4Addr fromPa, std::uint32_t v, const std::vector<std::uint8_t>& inner,
                                     std::uint8_t outerTos = 0) {
  return PacketBuilder().eth(kHost2Mac, kUplinkMac).ipv4(fromPa, kPa1).tos(outerTos).df().nvgre(vsid(v), 3).payload(inner).build();
}

TEST_F(OverlayNodes, NvgreIsDecapsulatedToTheVmPortOfItsVsidAndMac) {
  auto inner = udpFrame(kA2, kA1, kCa20, kCa10);
  auto r = fromUnderlay(nvgreFrame(kPa2, 5001, inner));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortA1);
  EXPECT_EQ(r.sent[0].bytes, inner);
}

TEST_F(OverlayNodes, NvgreToAJoinedGroupIsReceivedAndFloodedToTheVsidsLocalVms) {
  // host3 sends tenant B's broadcast to B's group, as l2-flood does with a multicastGroup.
  auto inner = PacketBuilder().eth(kB2, MacAddr::broadcast()).ipv4(kCa20, v4("10.0.1.255")).udp(1, 2).build();
  auto toGroup = [&](Ipv4Addr group, Ipv4Addr from = kPa3) {
    return PacketBuilder().eth(kHost3Mac, mac("01:00:5e:01:01:01")).ipv4(from, group).df().nvgre(vsid(6001), 3)
        .payload(inner).build();
  };
  auto r = fromUnderlay(toGroup(v4("239.1.1.1")));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortB1);
  EXPECT_EQ(r.sent[0].bytes, inner);
  // A group this node has not joined is not for it.
  expectDrop(fromUnderlay(toGroup(v4("239.1.1.2"))), "ip4-input", "not-local");
  // Our own copy reflected back by the underlay is not taken again.
  expectDrop(fromUnderlay(toGroup(v4("239.1.1.1"), kPa1)), "ip4-input", "not-local", 2);
  // With a team, each member gets the flooded copy; only the first takes it.
  fib::PortAddresses ul0, ul1;
  ul0.port = kUplink;
  ul0.mac = kUplinkMac;
  ul0.v4.push_back(*InterfaceAddress4::parse("192.0.2.11/24"));
  ul1.port = 6;
  ul1.mac = mac("02:00:5e:00:53:21");
  ul1.v4.push_back(*InterfaceAddress4::parse("192.0.2.21/24"));
  local_->publish(std::make_unique<const fib::LocalAddresses>(*fib::LocalAddresses::build({ul0, ul1})));
  expectDrop(h_.run(toGroup(v4("239.1.1.1")), 6, 0), "ip4-input", "not-local", 3);
  EXPECT_EQ(fromUnderlay(toGroup(v4("239.1.1.1"))).sent.size(), 1u);
}

TEST_F(OverlayNodes, APaOnAnotherSubnetIsReachedThroughTheProviderRoutesGateway) {
  // A3 (VSID 5002) to 10.0.2.40, whose PA 198.18.0.13 is on no subnet of host1:
  // the most specific route (198.18.0.0/24), lowest metric there: via 192.0.2.254.
  const MacAddr router = mac("02:00:5e:00:53:fe");
  auto inner = PacketBuilder().eth(kA3, mac("00:15:5d:00:02:40")).ipv4(kCaA3, v4("10.0.2.40")).udp(1, 2).build();
  auto r = fromVm(kPortA3, inner);
  ASSERT_EQ(r.punted.size(), 1u) << "the gateway is not resolved yet";
  EXPECT_EQ(r.punted[0].kind, kMissPunt);
  neighbors_->publish(std::make_unique<const fib::NeighborTable>(
      fib::NeighborTable::Map{{v4("192.0.2.254"), {router, kUplink}}, {v4("192.0.2.253"), {kHost3Mac, kUplink}}}));
  r = fromVm(kPortA3, inner);
  ASSERT_EQ(r.sent.size(), 1u);
  Outer o = parseOuter(r.sent[0].bytes);
  EXPECT_EQ(o.dstMac, router) << "the frame goes to the gateway";
  EXPECT_EQ(o.ip.dst, v4("198.18.0.13")) << "addressed to the PA";
  EXPECT_EQ(o.ip.src, kPa1);
  EXPECT_EQ(o.inner, inner);
  // No route covers 203.0.113.13.
  auto lost = PacketBuilder().eth(kA3, mac("00:15:5d:00:02:50")).ipv4(kCaA3, v4("10.0.2.50")).udp(1, 2).build();
  expectDrop(fromVm(kPortA3, lost), "nvgre-encap", "no-underlay-route");
  EXPECT_EQ(policy_->get()->providerRouteCount(), 3u);
}

// Extension hook points: a capture sees the customer frame and the NVGRE
// packet made of it (and the reverse on receive); a filter drops.
TEST_F(OverlayNodes, ExtensionsSeeTheCustomerFrameAndTheEncapsulatedPacketBothWays) {
  std::map<overlay::HookPoint, std::vector<std::vector<std::uint8_t>>> seen;
  std::vector<std::pair<std::uint16_t, std::uint32_t>> where;  // (port, vsid) per call
  for (auto point : {overlay::HookPoint::FromVm, overlay::HookPoint::Encapsulated, overlay::HookPoint::Received,
                     overlay::HookPoint::ToVm}) {
    ASSERT_TRUE(ext_->add(point, "capture", [&](const overlay::HookPacket& p) {
      seen[p.point].emplace_back(p.frame.begin(), p.frame.end());
      where.emplace_back(p.port, p.vsid.value());
      return overlay::HookVerdict::Pass;
    }).ok());
  }
  auto out = udpFrame(kA1, kA2, kCa10, kCa20);
  auto r = fromVm(kPortA1, out);
  ASSERT_EQ(r.sent.size(), 1u);
  ASSERT_EQ(seen[overlay::HookPoint::FromVm].size(), 1u);
  EXPECT_EQ(seen[overlay::HookPoint::FromVm][0], out);
  ASSERT_EQ(seen[overlay::HookPoint::Encapsulated].size(), 1u);
  EXPECT_EQ(seen[overlay::HookPoint::Encapsulated][0], r.sent[0].bytes) << "the NVGRE packet as it leaves";
  EXPECT_EQ(parseOuter(seen[overlay::HookPoint::Encapsulated][0]).inner, out);
  EXPECT_EQ(where[0], (std::pair<std::uint16_t, std::uint32_t>{kPortA1, 5001}));
  EXPECT_EQ(where[1], (std::pair<std::uint16_t, std::uint32_t>{kUplink, 5001}));

  auto inner = udpFrame(kA2, kA1, kCa20, kCa10);
  auto packet = nvgreFrame(kPa2, 5001, inner);
  r = fromUnderlay(packet);
  ASSERT_EQ(r.sent.size(), 1u);
  ASSERT_EQ(seen[overlay::HookPoint::Received].size(), 1u);
  EXPECT_EQ(parseOuter(seen[overlay::HookPoint::Received][0]).inner, inner);
  ASSERT_EQ(seen[overlay::HookPoint::ToVm].size(), 1u);
  EXPECT_EQ(seen[overlay::HookPoint::ToVm][0], inner);
  EXPECT_EQ(where[3], (std::pair<std::uint16_t, std::uint32_t>{kPortA1, 5001}));
  // A spoofed packet never reaches an extension: receive validation comes first.
  fromUnderlay(nvgreFrame(kPa3, 5001, inner));
  EXPECT_EQ(seen[overlay::HookPoint::Received].size(), 1u);
}

TEST_F(OverlayNodes, AFilterExtensionDropsWhatItRefusesUntilRemoved) {
  // Refuses UDP from source port 9.
  auto filter = ext_->add(overlay::HookPoint::FromVm, "no-udp-9", [](const overlay::HookPacket& p) {
    const bool udp9 = p.frame.size() >= 36 && p.frame[23] == 17 && wire::load16(p.frame.data() + 34) == 9;
    return udp9 ? overlay::HookVerdict::Drop : overlay::HookVerdict::Pass;
  });
  ASSERT_TRUE(filter.ok());
  expectDrop(fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20, 0, 9)), "vm-input", "extension-drop");
  EXPECT_EQ(fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20, 0, 10)).sent.size(), 1u);
  ASSERT_EQ(ext_->list().size(), 1u);
  EXPECT_EQ(ext_->list()[0].second, "no-udp-9 at from-vm");
  ASSERT_TRUE(ext_->remove(*filter).ok());
  EXPECT_FALSE(ext_->remove(*filter).ok()) << "an unknown id";
  EXPECT_EQ(fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20, 0, 9)).sent.size(), 1u);
}

TEST_F(OverlayNodes, SameCaOfTheOtherTenantIsDeliveredToItsOwnVm) {
  auto inner = udpFrame(kB2, kB1, kCa20, kCa10);
  auto r = fromUnderlay(nvgreFrame(kPa3, 6001, inner));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortB1);
}

TEST_F(OverlayNodes, NvgreFromTheWrongPaForTheCaIsDropped) {
  expectDrop(fromUnderlay(nvgreFrame(kPa3, 5001, udpFrame(kA2, kA1, kCa20, kCa10))), "nvgre-input", "wrong-pa");
}

TEST_F(OverlayNodes, NvgreRoutedByTheSendersRouterIsAcceptedFromTheSourceCasPa) {
  // vm A2 (10.0.1.20, VSID 5001, PA .12) to A3 (10.0.2.10, VSID 5002), routed on host2.
  auto inner = PacketBuilder().eth(kRouterA2, kA3).ipv4(kCa20, kCaA3).ttl(63).udp(1, 2).build();
  auto r = fromUnderlay(nvgreFrame(kPa2, 5002, inner));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortA3);
  expectDrop(fromUnderlay(nvgreFrame(kPa3, 5002, inner)), "nvgre-input", "wrong-pa");
}

TEST_F(OverlayNodes, NvgreClaimingTheOtherTenantsVsidIsDropped) {
  // Tenant A's remote VM (PA .12) sending into tenant B's VSID.
  expectDrop(fromUnderlay(nvgreFrame(kPa2, 6001, udpFrame(kA2, kB1, kCa20, kCa10))), "nvgre-input", "no-matching-record");
}

TEST_F(OverlayNodes, NvgreWithAnUnknownVsidIsDropped) {
  expectDrop(fromUnderlay(nvgreFrame(kPa2, 7001, udpFrame(kA2, kA1, kCa20, kCa10))), "nvgre-input", "unknown-vsid");
}

TEST_F(OverlayNodes, NvgreWithAnInnerVlanTagIsDropped) {
  auto inner = PacketBuilder().eth(kA2, kA1).vlan(10).ipv4(kCa20, kCa10).udp(1, 2).build();
  expectDrop(fromUnderlay(nvgreFrame(kPa2, 5001, inner)), "nvgre-input", "inner-vlan");
}

TEST_F(OverlayNodes, TruncatedGreIsDropped) {
  auto f = PacketBuilder().eth(kHost2Mac, kUplinkMac).ipv4(kPa2, kPa1).protocol(wire::kIpProtoGre).payload(std::vector<std::uint8_t>{0x20, 0x00, 0x65}).build();
  expectDrop(fromUnderlay(f), "nvgre-input", "truncated");
}

TEST_F(OverlayNodes, DecapsulationFollowsRfc6040) {
  // Outer CE over inner ECT(0): the inner packet leaves marked CE.
  auto inner = udpFrame(kA2, kA1, kCa20, kCa10, 0x02);
  auto r = fromUnderlay(nvgreFrame(kPa2, 5001, inner, 0x03));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].bytes, udpFrame(kA2, kA1, kCa20, kCa10, 0x03));
  // Outer CE over a Not-ECT inner packet: dropped.
  expectDrop(fromUnderlay(nvgreFrame(kPa2, 5001, udpFrame(kA2, kA1, kCa20, kCa10, 0x00), 0x03)), "nvgre-input",
             "ecn-ce-not-ect");
}

TEST_F(OverlayNodes, InboundBroadcastReachesEveryLocalVmOfTheVsidAndNeverTheOverlay) {
  auto inner = PacketBuilder().eth(kA2, MacAddr::broadcast()).ipv4(kCa20, v4("10.0.1.255")).udp(1, 2).build();
  auto r = fromUnderlay(nvgreFrame(kPa2, 5001, inner));
  ASSERT_EQ(r.sent.size(), 3u);
  std::set<std::uint16_t> ports{r.sent[0].port, r.sent[1].port, r.sent[2].port};
  EXPECT_EQ(ports, (std::set<std::uint16_t>{kPortA1, kPortA4, kPortA5}));
}

TEST_F(OverlayNodes, GratuitousArpOfAnL2OnlyVmIsCopiedToTheLearner) {
  auto garp = PacketBuilder().eth(kA5, MacAddr::broadcast()).arpRequest(kA5, v4("10.0.1.50"), v4("10.0.1.50")).build();
  auto r = fromVm(kPortA5, garp);
  EXPECT_TRUE(r.sent.empty());
  ASSERT_EQ(r.punted.size(), 1u);
  EXPECT_EQ(r.punted[0].kind, kLearnPunt);
  EXPECT_EQ(r.punted[0].bytes, garp);
  EXPECT_EQ(h_.nodeError("arp-proxy", "announcement"), 1u);
}

TEST_F(OverlayNodes, DadOfAnL2OnlyVmIsCopiedToTheLearner) {
  const Ipv6Addr target = v6("fd00:1::50");
  auto ns = PacketBuilder().eth(kA5, multicastMacOf(target)).ipv6(Ipv6Addr(), target.solicitedNode()).neighborSolicitation(target).build();
  auto r = fromVm(kPortA5, ns);
  ASSERT_EQ(r.punted.size(), 1u);
  EXPECT_EQ(r.punted[0].kind, kLearnPunt);
}

TEST_F(OverlayNodes, ArpOfAVmWithoutAnL2OnlyRecordTeachesNothing) {
  auto r = fromVm(kPortA1, PacketBuilder().eth(kA1, MacAddr::broadcast()).arpRequest(kA1, v4("10.0.1.51"), kCa20).build());
  EXPECT_TRUE(r.punted.empty());
}

TEST_F(OverlayNodes, LearnerReportsANewCaOnceAndOnlyFromTheVmsOwnPort) {
  std::vector<std::string> reports;
  overlay::Learner learner(*policy_, [&](Vsid v, const IpAddr& ca, const MacAddr& m) {
    reports.push_back(std::to_string(v.value()) + " " + ca.toString() + " " + m.toString());
  });
  auto garp = PacketBuilder().eth(kA5, MacAddr::broadcast()).arpRequest(kA5, v4("10.0.1.50"), v4("10.0.1.50")).build();
  auto punt = [&](std::uint16_t port, overlay::Learner::Clock::time_point t) {
    rte_mbuf* m = chainedMbuf(garp);
    dp::resetMeta(m, port);
    dp::meta(m).vsid = 5001;
    learner.onPunt(m, t);
  };
  const auto t0 = overlay::Learner::Clock::now();
  punt(kPortA5, t0);
  punt(kPortA5, t0 + std::chrono::seconds(1));  // the same announcement again: already reported
  punt(kPortA1, t0);                            // A5's MAC from A1's port: a spoof
  EXPECT_EQ(reports, (std::vector<std::string>{"5001 10.0.1.50 00:15:5d:00:00:05"}));
  punt(kPortA5, t0 + overlay::Learner::kRepeat);  // not yet in policy: reported again
  EXPECT_EQ(reports.size(), 2u);
  EXPECT_EQ(learner.stats().ignored, 2u);
}

// A DHCP reply from the server VM A2 (host2) to `client`, giving it `yiaddr`.
std::vector<std::uint8_t> dhcpReply(const MacAddr& client, Ipv4Addr yiaddr, wire::DhcpType type, std::uint32_t xid = 7) {
  std::vector<std::uint8_t> body(300);
  wire::DhcpMessage d;
  d.op = wire::DhcpOp::Reply;
  d.type = type;
  d.xid = xid;
  d.yiaddr = yiaddr;
  d.chaddr = client;
  EXPECT_TRUE(wire::writeDhcp(body, d).ok());
  return PacketBuilder().eth(kA2, client).ipv4(kCa20, yiaddr).udp(67, 68).payload(body).build();
}

// A client's broadcast DHCPREQUEST for `asked`.
std::vector<std::uint8_t> dhcpRequest(const MacAddr& client, Ipv4Addr asked, std::uint32_t xid = 7) {
  std::vector<std::uint8_t> body(300);
  wire::DhcpMessage d;
  d.type = wire::DhcpType::Request;
  d.xid = xid;
  d.chaddr = client;
  d.requested = asked;
  EXPECT_TRUE(wire::writeDhcp(body, d).ok());
  return PacketBuilder().eth(client, MacAddr::broadcast()).ipv4(v4("0.0.0.0"), v4("255.255.255.255")).udp(68, 67)
      .payload(body).build();
}

TEST_F(OverlayNodes, ADhcpAckToAnL2OnlyVmForTheAddressItRequestedIsLearned) {
  const Ipv4Addr given = v4("10.0.1.60");
  std::vector<std::string> reports;
  overlay::Learner learner(*policy_, [&](Vsid v, const IpAddr& ca, const MacAddr& m) {
    reports.push_back(std::to_string(v.value()) + " " + ca.toString() + " " + m.toString());
  });
  auto teach = [&](const std::vector<std::uint8_t>& frame, std::uint16_t rxPort, std::uint16_t txPort) {
    rte_mbuf* m = chainedMbuf(frame);
    dp::resetMeta(m, rxPort);
    dp::meta(m).vsid = 5001;
    dp::meta(m).txPort = txPort;
    learner.onPunt(m, overlay::Learner::Clock::now());
  };
  // The VM's request is flooded and copied to the Learner.
  auto request = dhcpRequest(kA5, given);
  auto q = fromVm(kPortA5, request);
  EXPECT_FALSE(q.sent.empty());
  std::erase_if(q.punted, [](const PuntedFrame& f) { return f.kind != kLearnPunt; });  // the flood's neighbour misses
  ASSERT_EQ(q.punted.size(), 1u);
  EXPECT_EQ(q.punted[0].bytes, request);
  // A forged ACK before the request is known teaches nothing.
  teach(dhcpReply(kA5, given, wire::DhcpType::Ack), kUplink, kPortA5);
  EXPECT_TRUE(reports.empty());
  teach(q.punted[0].bytes, kPortA5, 0);
  // The server's ACK is delivered and copied; it teaches the requested address.
  auto ack = dhcpReply(kA5, given, wire::DhcpType::Ack);
  auto r = fromUnderlay(nvgreFrame(kPa2, 5001, ack));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortA5);
  EXPECT_EQ(r.sent[0].bytes, ack);
  ASSERT_EQ(r.punted.size(), 1u) << "a copy for the Learner";
  EXPECT_EQ(r.punted[0].kind, kLearnPunt);
  // Forged ones: another address in the same transaction, another transaction, a NAK,
  // another client, delivered to another port.
  teach(dhcpReply(kA5, v4("10.0.1.61"), wire::DhcpType::Ack), kUplink, kPortA5);
  teach(dhcpReply(kA5, given, wire::DhcpType::Ack, 8), kUplink, kPortA5);
  teach(dhcpReply(kA5, given, wire::DhcpType::Nak), kUplink, kPortA5);
  teach(dhcpReply(kA4, given, wire::DhcpType::Ack), kUplink, kPortA5);
  teach(dhcpReply(kA5, given, wire::DhcpType::Ack), kUplink, kPortA4);
  EXPECT_TRUE(reports.empty());
  teach(r.punted[0].bytes, kUplink, r.punted[0].txPort);
  EXPECT_EQ(reports, (std::vector<std::string>{"5001 10.0.1.60 00:15:5d:00:00:05"}));
  // The pair is used up: the same ACK again teaches nothing more.
  teach(r.punted[0].bytes, kUplink, r.punted[0].txPort);
  EXPECT_EQ(reports.size(), 1u);
}

TEST_F(OverlayNodes, ADhcpReplyToAVmWithoutAnL2OnlyRecordIsOnlyDelivered) {
  auto ack = dhcpReply(kA1, v4("10.0.1.60"), wire::DhcpType::Ack);
  auto r = fromUnderlay(nvgreFrame(kPa2, 5001, ack));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortA1);
  EXPECT_TRUE(r.punted.empty());
}

TEST_F(OverlayNodes, WhileDynamicRecordsAgeAnAddressInUseIsReportedAgainAThirdOfTheWay) {
  auto garp = PacketBuilder().eth(kA5, MacAddr::broadcast()).arpRequest(kA5, v4("10.0.1.50"), v4("10.0.1.50")).build();
  // A5 has a Dynamic record of 10.0.1.50; aging is off: its ARP teaches nothing new.
  auto desired = boost::json::parse(kDesired).as_object();
  desired["lookup-records"].as_array().push_back(boost::json::parse(
      R"({"vsid": 5001, "ca": "10.0.1.50", "mac": "00:15:5d:00:00:05", "pa": "192.0.2.11", "type": "Dynamic"})"));
  auto publish = [&] {
    auto p = overlay::OverlayPolicy::compile(desired, policy_->get(), ports_);
    ASSERT_TRUE(p.ok()) << p.error().message();
    policy_->publish(std::make_unique<const overlay::OverlayPolicy>(std::move(*p)));
  };
  publish();
  EXPECT_TRUE(fromVm(kPortA5, garp).punted.empty());
  // With aging on, the VM's use of the address goes to the Learner, which reports it every 30 / 3 s.
  desired["global"] = boost::json::parse(R"({"dynamicRecordAgingSeconds": 30})");
  publish();
  EXPECT_EQ(policy_->get()->dynamicAging(), 30u);
  auto r = fromVm(kPortA5, garp);
  ASSERT_EQ(r.punted.size(), 1u);
  std::vector<std::string> reports;
  overlay::Learner learner(*policy_, [&](Vsid, const IpAddr& ca, const MacAddr&) { reports.push_back(ca.toString()); });
  auto punt = [&](overlay::Learner::Clock::time_point t) {
    rte_mbuf* m = chainedMbuf(r.punted[0].bytes);
    dp::resetMeta(m, kPortA5);
    dp::meta(m).vsid = 5001;
    learner.onPunt(m, t);
  };
  const auto t0 = overlay::Learner::Clock::now();
  punt(t0);
  punt(t0 + std::chrono::seconds(5));
  punt(t0 + std::chrono::seconds(9));
  EXPECT_EQ(reports.size(), 1u);
  punt(t0 + std::chrono::seconds(10));
  EXPECT_EQ(reports, (std::vector<std::string>{"10.0.1.50", "10.0.1.50"}));
  EXPECT_EQ(learner.stats().refreshed, 2u);
  EXPECT_EQ(learner.stats().ignored, 2u);
  // A bad aging value in the document refuses the policy, naming it.
  desired["global"] = boost::json::parse(R"({"dynamicRecordAgingSeconds": 5})");
  auto bad = overlay::OverlayPolicy::compile(desired, policy_->get(), ports_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("global.dynamicRecordAgingSeconds"), std::string::npos) << bad.error().message();
}

// NIC teaming: two uplinks on the PA subnet, each with its own PA and MAC.
TEST_F(OverlayNodes, FlowsSpreadOverBothUplinksAndKeepTheVmsPa) {
  auto team = [](bool firstUp) {
    fib::PortAddresses ul0, ul1;
    ul0.port = kUplink;
    ul0.mac = kUplinkMac;
    ul0.mtu = ul1.mtu = 1500;
    ul1.port = 6;
    ul1.mac = mac("02:00:5e:00:53:21");
    ul1.v4.push_back(*InterfaceAddress4::parse("192.0.2.21/24"));
    // A failed member's PA has moved to the survivor (daemon::NodeDataplane).
    (firstUp ? ul0 : ul1).v4.push_back(*InterfaceAddress4::parse("192.0.2.11/24"));
    return std::make_unique<const fib::LocalAddresses>(*fib::LocalAddresses::build({ul0, ul1}));
  };
  local_->publish(team(true));
  std::map<std::uint16_t, int> perPort;
  for (std::uint16_t sport = 1000; sport < 1064; ++sport) {
    auto r = fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20, 0, sport));
    ASSERT_EQ(r.sent.size(), 1u);
    Outer o = parseOuter(r.sent[0].bytes);
    EXPECT_EQ(o.ip.src, kPa1) << "the far end validates A1 against its record's PA";
    EXPECT_EQ(o.srcMac, r.sent[0].port == kUplink ? kUplinkMac : mac("02:00:5e:00:53:21"));
    ++perPort[r.sent[0].port];
  }
  EXPECT_EQ(perPort.size(), 2u);
  EXPECT_GT(perPort[kUplink], 12);
  EXPECT_GT(perPort[6], 12);
  local_->publish(team(false));  // uplink 0 failed
  for (std::uint16_t sport = 1000; sport < 1016; ++sport) {
    auto r = fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20, 0, sport));
    ASSERT_EQ(r.sent.size(), 1u);
    EXPECT_EQ(r.sent[0].port, 6);
    EXPECT_EQ(parseOuter(r.sent[0].bytes).ip.src, kPa1);
  }
}

// Next-hop selection says what the nodes do, for each way out.
TEST_F(OverlayNodes, NextHopSelectionAgreesWithTheDataPath) {
  const overlay::OverlayPolicy& pol = *policy_->get();
  auto hop = [&](std::uint32_t v, const char* ca) { return overlay::selectNextHop(pol, vsid(v), *IpAddr::parse(ca)); };
  auto remote = hop(5001, "10.0.1.20");
  ASSERT_TRUE(remote.ok());
  EXPECT_EQ(remote->via, "on-link");
  EXPECT_EQ(remote->pa, IpAddr(kPa2));
  auto local = hop(5001, "10.0.1.11");
  EXPECT_EQ(local->localPort, kPortA4);
  auto routed = hop(5001, "10.0.2.10");
  EXPECT_EQ(routed->via, "routed");
  EXPECT_EQ(routed->vsid, vsid(5002));
  EXPECT_EQ(routed->localPort, kPortA3);
  EXPECT_EQ(hop(5001, "198.51.100.7")->via, "gateway");
  EXPECT_EQ(hop(5001, "198.51.100.7")->pa, IpAddr(kGwPa));
  EXPECT_EQ(hop(5001, "10.0.1.1")->via, "default-gateway");
  EXPECT_EQ(hop(6001, "10.0.2.10")->via, "none") << "tenant B does not reach tenant A's subnet";
  EXPECT_EQ(hop(6001, "10.0.1.20")->pa, IpAddr(kPa3)) << "the same CA, the other tenant's record";
  EXPECT_FALSE(hop(7001, "10.0.1.20").ok());
  // The data path agrees: 10.0.1.20 from A1 goes to PA .12, 10.0.2.10 to port 3.
  EXPECT_EQ(parseOuter(fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20)).sent.at(0).bytes).ip.dst, kPa2);
  EXPECT_EQ(fromVm(kPortA1, PacketBuilder().eth(kA1, kRouterA1).ipv4(kCa10, kCaA3).udp(1, 2).build()).sent.at(0).port,
            kPortA3);
}

// Acceptance 9: a 64 KB TCP write handed over as one TSO frame (as a
// vhost-user port delivers it) leaves as MTU-sized NVGRE packets, each with
// full outer headers and valid inner checksums, the stream intact.
TEST_F(OverlayNodes, TsoFrameLeavesAsCorrectlySegmentedNvgrePackets) {
  std::vector<std::uint8_t> data(65535 - 20 - 20);  // the largest IPv4 TSO frame
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
  const std::uint32_t seq0 = 1000000;
  auto big = PacketBuilder()
                 .eth(kA1, kA2)
                 .ipv4(kCa10, kCa20).ipId(100).df()
                 .tcp(40000, 5001).tcpSeq(seq0).tcpFlags(wire::kTcpAck | wire::kTcpPsh | wire::kTcpCwr)
                 .payload(data)
                 .build();
  rte_mbuf* m = chainedMbuf(big);
  ASSERT_NE(m, nullptr);
  m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
  m->tso_segsz = 1460;  // the VM's MSS: too large once 42 bytes of NVGRE are added
  auto r = h_.runMbufs({m}, kPortA1, 1);
  EXPECT_TRUE(r.dropped.empty());
  // 1500 - 20 (outer IP) - 8 (GRE) - 14 - 20 - 20 (inner headers) = 1418 bytes per segment.
  constexpr std::size_t kMss = 1418;
  ASSERT_EQ(r.sent.size(), (data.size() + kMss - 1) / kMss);
  std::vector<std::uint8_t> stream;
  for (std::size_t i = 0; i < r.sent.size(); ++i) {
    const auto& s = r.sent[i];
    EXPECT_EQ(s.port, kUplink);
    EXPECT_LE(s.bytes.size(), 1514u);
    Outer o = parseOuter(s.bytes);
    EXPECT_EQ(o.ip.dst, kPa2);
    EXPECT_TRUE(o.ip.df);
    EXPECT_EQ(o.nvgre.vsid, vsid(5001));
    auto inner = std::span<const std::uint8_t>(o.inner);
    auto ip = wire::parseIpv4(inner.subspan(wire::kEthernetHeaderLen));
    ASSERT_TRUE(ip.ok());
    EXPECT_TRUE(wire::ipv4HeaderChecksumOk(inner.subspan(wire::kEthernetHeaderLen))) << "segment " << i;
    EXPECT_EQ(ip->id, 100 + i);
    EXPECT_EQ(o.ip.id, 100 + i) << "outer ids increment too";
    EXPECT_TRUE(wire::tcpChecksumOk(ip->payload, wire::ipv4PseudoHeaderSum(ip->src, ip->dst, wire::kIpProtoTcp,
                                                                          static_cast<std::uint16_t>(ip->payload.size()))))
        << "segment " << i;
    auto tcp = wire::parseTcp(ip->payload);
    ASSERT_TRUE(tcp.ok());
    EXPECT_EQ(tcp->seq, seq0 + stream.size());
    EXPECT_EQ(tcp->has(wire::kTcpPsh), i + 1 == r.sent.size());
    EXPECT_EQ(tcp->has(wire::kTcpCwr), i == 0);
    EXPECT_LE(tcp->payload.size(), kMss);
    stream.insert(stream.end(), tcp->payload.begin(), tcp->payload.end());
  }
  EXPECT_EQ(stream, data);
}

TEST_F(OverlayNodes, InnerChecksumLeftToTheNicIsComputed) {
  auto f = PacketBuilder().eth(kA1, kA2).ipv4(kCa10, kCa20).udp(1, 2).payload(std::string_view("checksum me")).build();
  const auto want = f;
  f[wire::kEthernetHeaderLen + 20 + 6] = 0x12;  // a partial checksum, as a VM with offload leaves it
  f[wire::kEthernetHeaderLen + 20 + 7] = 0x34;
  rte_mbuf* m = chainedMbuf(f);
  m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
  auto r = h_.runMbufs({m}, kPortA1, 1);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(parseOuter(r.sent[0].bytes).inner, want);
}

}  // namespace
}  // namespace hnv::test
