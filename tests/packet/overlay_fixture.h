// The fixture of the overlay packet tests (overlay_*_test.cc): host1 with
// an uplink and VM ports of tenants A and B, which use the same customer
// addresses, its policy (kDesired) and the frame builders and parsers the
// tests share. Everything is in an anonymous namespace: each test file
// gets its own copy.
#pragma once

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
#include "hnv/overlay/extensions.h"

namespace hnv::test {
namespace {

using wire::PacketBuilder;

inline MacAddr mac(const char* s) { return *MacAddr::parse(s); }
inline Ipv4Addr v4(const char* s) { return *Ipv4Addr::parse(s); }
inline Ipv6Addr v6(const char* s) { return *Ipv6Addr::parse(s); }
inline Vsid vsid(std::uint32_t v) { return *Vsid::forTenant(v); }
// The Ethernet address of an IPv6 address's solicited-node group (RFC 2464).
inline MacAddr multicastMacOf(const Ipv6Addr& a) {
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
        *rcu_, std::make_unique<const fib::MulticastGroups>(std::vector<IpAddr>{IpAddr(v4("239.1.1.1"))}));
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
inline std::vector<std::uint8_t> udpFrame(const MacAddr& src, const MacAddr& dst, Ipv4Addr s, Ipv4Addr d, std::uint8_t tos = 0,
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

inline Outer parseOuter(const std::vector<std::uint8_t>& frame) {
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

// NVGRE from the underlay into host1.
inline std::vector<std::uint8_t> nvgreFrame(Ipv4Addr fromPa, std::uint32_t v, const std::vector<std::uint8_t>& inner,
                                     std::uint8_t outerTos = 0) {
  return PacketBuilder().eth(kHost2Mac, kUplinkMac).ipv4(fromPa, kPa1).tos(outerTos).df().nvgre(vsid(v), 3).payload(inner).build();
}

}  // namespace
}  // namespace hnv::test
