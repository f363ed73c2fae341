// NAT44 on prebuilt frames through the real graph: tenants A and B use the
// same customer addresses and reach "the internet" (routing domain I, on a
// port of its own) through their NAT instances; A has a static mapping for
// VM a2's web server. The policy is a desired-state document compiled by
// the real OverlayPolicy::compile, gateway::compileTenantTables and
// gateway::compileNatConfig; the clock is the test's.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "graph_harness.h"
#include "hnv/gateway/nat_compile.h"
#include "hnv/gateway/tenant_compile.h"
#include "hnv/nat/module.h"
#include "hnv/vpn/module.h"
#include "hnv/nodes/module.h"
#include "hnv/overlay/module.h"
#include "hnv/wire/arp.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/nvgre.h"

namespace hnv::test {
namespace {

using wire::PacketBuilder;

MacAddr mac(const char* s) { return *MacAddr::parse(s); }
Ipv4Addr v4(const char* s) { return *Ipv4Addr::parse(s); }
Vsid vsid(std::uint32_t v) { return *Vsid::forTenant(v); }

constexpr std::uint16_t kUnderlay = 0, kInet = 1, kLabA = 2;  // lab-a: tenant A's own network (its ICMP source)
const MacAddr kUnderlayMac = mac("02:00:5e:00:53:01"), kInetMac = mac("02:00:5e:00:71:01"),
              kLabAMac = mac("02:00:5e:00:72:01");
const MacAddr kHost1Mac = mac("02:00:5e:00:53:11"), kHost2Mac = mac("02:00:5e:00:53:12");
const MacAddr kIsp = mac("02:00:00:00:99:fe");
const Ipv4Addr kGwPa = v4("192.0.2.1"), kPa1 = v4("192.0.2.11"), kPa2 = v4("192.0.2.12");
const MacAddr kGwA = mac("00:15:5d:ff:00:0a"), kGwB = mac("00:15:5d:ff:00:0b");
const MacAddr kA1 = mac("00:15:5d:00:0a:01"), kA2 = mac("00:15:5d:00:0a:02"), kB1 = mac("00:15:5d:00:0b:01");
const Ipv4Addr kVm1 = v4("10.0.1.10"), kVm2 = v4("10.0.1.20");
const Ipv4Addr kExtA = v4("203.0.113.10"), kExtB = v4("203.0.113.20"), kIspAddr = v4("203.0.113.254");
const Ipv4Addr kServer = v4("198.51.100.80");
const std::string kRdidA = "aaaaaaaa-0000-4000-8000-00000000000a", kRdidB = "bbbbbbbb-0000-4000-8000-00000000000b";

constexpr const char* kDesired = R"({
  "node": "gw1", "role": "gateway", "revision": 3,
  "routing-domains": [{"rdid": "aaaaaaaa-0000-4000-8000-00000000000a"}, {"rdid": "bbbbbbbb-0000-4000-8000-00000000000b"},
                      {"rdid": "eeeeeeee-0000-4000-8000-00000000000e"}],
  "virtual-subnets": [
    {"vsid": 5001, "rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "prefixes": ["10.0.1.0/24"], "defaultGatewayMac": "02:00:00:00:50:01"},
    {"vsid": 6001, "rdid": "bbbbbbbb-0000-4000-8000-00000000000b", "prefixes": ["10.0.1.0/24"], "defaultGatewayMac": "02:00:00:00:60:01"}],
  "provider-addresses": [{"node": "gw1", "interface": "underlay", "address": "192.0.2.1", "prefixLength": 24,
                          "mac": "02:00:5e:00:53:01"}],
  "lookup-records": [
    {"vsid": 5001, "ca": "10.0.1.10", "mac": "00:15:5d:00:0a:01", "pa": "192.0.2.11"},
    {"vsid": 5001, "ca": "10.0.1.20", "mac": "00:15:5d:00:0a:02", "pa": "192.0.2.12"},
    {"vsid": 6001, "ca": "10.0.1.10", "mac": "00:15:5d:00:0b:01", "pa": "192.0.2.11"},
    {"vsid": 5001, "type": "GatewayWildcard", "mac": "00:15:5d:ff:00:0a", "pa": "192.0.2.1"},
    {"vsid": 6001, "type": "GatewayWildcard", "mac": "00:15:5d:ff:00:0b", "pa": "192.0.2.1"}],
  "external-interfaces": [
    {"rdid": "eeeeeeee-0000-4000-8000-00000000000e", "name": "inet", "node": "gw1", "port": "inet",
     "address": "203.0.113.1", "prefixLength": 24},
    {"rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "name": "lab", "node": "gw1", "port": "lab-a",
     "address": "192.168.50.1", "prefixLength": 24}],
  "gateway-routes": [
    {"rdid": "eeeeeeee-0000-4000-8000-00000000000e", "destinationPrefix": "0.0.0.0/0", "interface": "inet", "nextHop": "203.0.113.254"},
    {"rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "destinationPrefix": "0.0.0.0/0", "interface": "nat"},
    {"rdid": "bbbbbbbb-0000-4000-8000-00000000000b", "destinationPrefix": "0.0.0.0/0", "interface": "nat"}],
  "nat-instances": [
    {"rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "externalRdid": "eeeeeeee-0000-4000-8000-00000000000e",
     "udpIdleTimeout": 10, "tcpTransientTimeout": 5, "tcpEstablishedTimeout": 60, "icmpQueryTimeout": 3},
    {"rdid": "bbbbbbbb-0000-4000-8000-00000000000b", "externalRdid": "eeeeeeee-0000-4000-8000-00000000000e",
     "maxSessions": 3}],
  "nat-external-addresses": [
    {"rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "address": "203.0.113.10", "firstPort": 1024, "lastPort": 65535},
    {"rdid": "bbbbbbbb-0000-4000-8000-00000000000b", "address": "203.0.113.20", "firstPort": 1024, "lastPort": 1025}],
  "nat-static-mappings": [
    {"rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "protocol": "tcp", "externalAddress": "203.0.113.10",
     "externalPort": 80, "internalAddress": "10.0.1.20", "internalPort": 8080}]
})";

class NatNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    auto rcu = dp::Rcu::create(1);
    ASSERT_TRUE(rcu.ok());
    rcu_ = std::move(rcu).value();
    local_ = std::make_unique<dp::Published<fib::LocalAddresses>>(
        *rcu_, std::make_unique<const fib::LocalAddresses>(oneUplink(kUnderlay, kUnderlayMac, "192.0.2.1/24")));
    const auto desired = boost::json::parse(kDesired).as_object();
    auto policy = overlay::OverlayPolicy::compile(desired);
    ASSERT_TRUE(policy.ok()) << policy.error().message();
    const overlay::OverlayPolicy& pol = *policy;
    auto tables = gateway::compileTenantTables(
        desired, pol, "gw1",
        [](std::string_view name) {
          if (name == "inet") return std::optional<gateway::PortInfo>(gateway::PortInfo{kInet, kInetMac, 1500, false});
          if (name == "lab-a") return std::optional<gateway::PortInfo>(gateway::PortInfo{kLabA, kLabAMac, 1500, false});
          return std::optional<gateway::PortInfo>();
        },
        nullptr, [this, &pol](TenantId t) { return gateway::registerTenantCounters(h_.registry(), *pol.rdidOf(t)); });
    ASSERT_TRUE(tables.ok()) << tables.error().message();
    auto nat = gateway::compileNatConfig(desired, pol, [this](const Rdid& rdid) {
      return gateway::registerNatCounters(h_.registry(), rdid);
    });
    ASSERT_TRUE(nat.ok()) << nat.error().message();
    ASSERT_EQ(nat->instances().size(), 2u);
    ASSERT_EQ(tables->interfaces().at(0).name.substr(37), "inet");
    const fib::NeighborScope inetScope = tables->interfaces().at(0).scope;
    policy_ = std::make_unique<dp::Published<overlay::OverlayPolicy>>(
        *rcu_, std::make_unique<const overlay::OverlayPolicy>(std::move(*policy)));
    tenants_ = std::make_unique<dp::Published<fib::TenantTables>>(
        *rcu_, std::make_unique<const fib::TenantTables>(std::move(*tables)));
    natConfig_ =
        std::make_unique<dp::Published<nat::NatConfig>>(*rcu_, std::make_unique<const nat::NatConfig>(std::move(*nat)));
    fib::NeighborTable::Map m{{kPa1, {kHost1Mac, kUnderlay}}, {kPa2, {kHost2Mac, kUnderlay}}};
    m.emplace(fib::NeighborKey(kIspAddr, inetScope), fib::Neighbor{kIsp, kInet});
    neighbors_ = std::make_unique<dp::Published<fib::NeighborTable>>(
        *rcu_, std::make_unique<const fib::NeighborTable>(std::move(m)));
    nodesCtx_.local = local_.get();
    nodesCtx_.neighbors = neighbors_.get();
    nodesCtx_.tenants = tenants_.get();
    nodesCtx_.arpPunt = 8;
    nodesCtx_.missPunt = 9;
    overlayCtx_.policy = policy_.get();
    overlayCtx_.local = local_.get();
    overlayCtx_.neighbors = neighbors_.get();
    overlayCtx_.missPunt = 9;
    overlayCtx_.tenants = tenants_.get();
    natCtx_.config = natConfig_.get();
    natCtx_.tenants = tenants_.get();
    natCtx_.clock = [this] { return nowMs_; };
    natCtx_.sessionsPerWorker = 1024;
    ASSERT_TRUE(nodes::addGenericNodes(h_.catalog(), nodesCtx_).ok());
    ASSERT_TRUE(overlay::addOverlayNodes(h_.catalog(), overlayCtx_).ok());
    ASSERT_TRUE(nat::addNatNodes(h_.catalog(), natCtx_, 1).ok());
    ASSERT_TRUE(vpn::addVpnNodes(h_.catalog(), vpnCtx_, 1).ok());
    h_.build();
  }

  // One frame in, exactly one out (or a failure that says what happened).
  SentFrame one(const std::vector<std::uint8_t>& frame, std::uint16_t port) {
    auto r = h_.run(frame, port, 0);
    EXPECT_EQ(r.sent.size(), 1u) << r.dropped.size() << " dropped, " << r.punted.size() << " punted";
    return r.sent.empty() ? SentFrame{} : r.sent[0];
  }
  void expectDropped(const std::vector<std::uint8_t>& frame, std::uint16_t port, const std::string& node,
                     const std::string& error) {
    const std::uint64_t before = h_.nodeError(node, error);
    auto r = h_.run(frame, port, 0);
    EXPECT_TRUE(r.sent.empty());
    EXPECT_EQ(r.dropped.size(), 1u);
    EXPECT_EQ(h_.nodeError(node, error), before + 1) << node << " " << error;
  }
  std::uint64_t natDrops(const std::string& rdid, const char* reason) const {
    return h_.counter("hnv_nat_drops_total", {{"tenant", rdid}, {"reason", reason}});
  }

  std::uint64_t nowMs_ = 1'000'000;
  std::unique_ptr<dp::Rcu> rcu_;
  std::unique_ptr<dp::Published<fib::LocalAddresses>> local_;
  std::unique_ptr<dp::Published<fib::NeighborTable>> neighbors_;
  std::unique_ptr<dp::Published<overlay::OverlayPolicy>> policy_;
  std::unique_ptr<dp::Published<fib::TenantTables>> tenants_;
  std::unique_ptr<dp::Published<nat::NatConfig>> natConfig_;
  nodes::NodesContext nodesCtx_;
  overlay::OverlayContext overlayCtx_;
  nat::NatContext natCtx_;
  vpn::VpnContext vpnCtx_;  // no tunnels here: the nodes complete ip4-lookup's edges
  GraphHarness h_{{"eth-input", "vm-input"}};
};

// A VM's IP packet (from PacketBuilder, starting at IPv4) as its host encapsulates it toward the gateway.
std::vector<std::uint8_t> fromVm(Ipv4Addr pa, const MacAddr& hostMac, std::uint32_t vs, const MacAddr& vmMac,
                                 const MacAddr& gwMac, const std::vector<std::uint8_t>& ip) {
  return PacketBuilder()
      .eth(hostMac, kUnderlayMac)
      .ipv4(pa, kGwPa)
      .df()
      .nvgre(vsid(vs), 7)
      .eth(vmMac, gwMac)
      .etherType(wire::kEtherTypeIpv4)
      .payload(ip)
      .build();
}
std::vector<std::uint8_t> fromA1(const std::vector<std::uint8_t>& ip) { return fromVm(kPa1, kHost1Mac, 5001, kA1, kGwA, ip); }
std::vector<std::uint8_t> fromB1(const std::vector<std::uint8_t>& ip) { return fromVm(kPa1, kHost1Mac, 6001, kB1, kGwB, ip); }
// An IP packet from the internet, as the provider's router hands it to the gateway.
std::vector<std::uint8_t> fromIsp(const std::vector<std::uint8_t>& ip) {
  return PacketBuilder().eth(kIsp, kInetMac).etherType(wire::kEtherTypeIpv4).payload(ip).build();
}

std::vector<std::uint8_t> udp(Ipv4Addr src, std::uint16_t sport, Ipv4Addr dst, std::uint16_t dport, std::uint8_t ttl = 64) {
  return PacketBuilder().ipv4(src, dst).ttl(ttl).udp(sport, dport).payload("query bytes").build();
}
std::vector<std::uint8_t> tcp(Ipv4Addr src, std::uint16_t sport, Ipv4Addr dst, std::uint16_t dport, std::uint8_t flags,
                              std::uint8_t ttl = 64) {
  return PacketBuilder().ipv4(src, dst).ttl(ttl).tcp(sport, dport).tcpFlags(flags).tcpSeq(1000).payload("x").build();
}

// The IPv4 packet of a frame sent to the internet (untagged, to the ISP's MAC).
std::vector<std::uint8_t> toInternet(const SentFrame& f) {
  EXPECT_EQ(f.port, kInet);
  auto eth = wire::parseEthernet(f.bytes);
  if (!eth) return {};
  EXPECT_EQ(eth->dst, kIsp);
  EXPECT_EQ(eth->src, kInetMac);
  return std::vector<std::uint8_t>(f.bytes.begin() + static_cast<long>(eth->headerLength), f.bytes.end());
}

// The inner IPv4 packet of an NVGRE frame to a VM, with its VSID and inner destination MAC.
struct ToVm {
  std::uint32_t vsid = 0;
  Ipv4Addr pa;
  MacAddr mac;
  std::vector<std::uint8_t> ip;
};
ToVm toVm(const SentFrame& f) {
  ToVm v;
  EXPECT_EQ(f.port, kUnderlay);
  auto outer = wire::parseIpv4(std::span(f.bytes).subspan(14));
  if (!outer) return v;
  v.pa = outer->dst;
  auto nv = wire::parseNvgre(outer->payload);
  if (!nv) return v;
  v.vsid = nv->vsid.value();
  auto inner = outer->payload.subspan(wire::kNvgreHeaderLen);
  auto eth = wire::parseEthernet(inner);
  if (!eth) return v;
  v.mac = eth->dst;
  v.ip.assign(inner.begin() + static_cast<long>(eth->headerLength), inner.end());
  return v;
}

constexpr std::uint8_t kSyn = 0x02, kAck = 0x10, kFin = 0x01;

TEST_F(NatNodes, TenantsWithTheSameAddressLeaveFromTheirOwnExternalAddress) {
  auto a = toInternet(one(fromA1(udp(kVm1, 4000, kServer, 53)), kUnderlay));
  auto b = toInternet(one(fromB1(udp(kVm1, 4000, kServer, 53)), kUnderlay));
  // Byte for byte the packets the builder makes with the external source (TTL 63: one hop).
  EXPECT_EQ(a, udp(kExtA, 4000, kServer, 53, 63));
  EXPECT_EQ(b, udp(kExtB, 1024, kServer, 53, 63)) << "B's range is 1024-1025: the inside port cannot be kept";
  // The answers go back to each tenant's VM.
  auto backB = toVm(one(fromIsp(udp(kServer, 53, kExtB, 1024)), kInet));
  EXPECT_EQ(backB.vsid, 6001u);
  EXPECT_EQ(backB.pa, kPa1);
  EXPECT_EQ(backB.mac, kB1);
  EXPECT_EQ(backB.ip, udp(kServer, 53, kVm1, 4000, 63));
  auto backA = toVm(one(fromIsp(udp(kServer, 53, kExtA, 4000)), kInet));
  EXPECT_EQ(backA.vsid, 5001u);
  EXPECT_EQ(backA.ip, udp(kServer, 53, kVm1, 4000, 63));
  EXPECT_EQ(h_.counter("hnv_nat_sessions_created_total", {{"tenant", kRdidA}}), 1u);
  EXPECT_EQ(h_.counter("hnv_nat_sessions_created_total", {{"tenant", kRdidB}}), 1u);
}

TEST_F(NatNodes, NothingElseGetsInFromOutside) {
  one(fromA1(udp(kVm1, 4000, kServer, 53)), kUnderlay);
  expectDropped(fromIsp(udp(kServer, 53, kExtA, 4001)), kInet, "nat44-out2in", "no-mapping");
  expectDropped(fromIsp(tcp(kServer, 5555, kExtA, 81, kSyn)), kInet, "nat44-out2in", "no-mapping");
  expectDropped(fromIsp(PacketBuilder().ipv4(kServer, kExtA).icmpEchoRequest(1, 1).build()), kInet, "nat44-out2in",
                "no-mapping");
  EXPECT_EQ(natDrops(kRdidA, "no-mapping"), 3u);
  EXPECT_EQ(natDrops(kRdidB, "no-mapping"), 0u);
}

TEST_F(NatNodes, EchoIdentifierAndReplyAreTranslated) {
  auto out = toInternet(one(fromA1(PacketBuilder().ipv4(kVm1, kServer).icmpEchoRequest(0x4242, 1).payload("ping").build()),
                            kUnderlay));
  EXPECT_EQ(out, PacketBuilder().ipv4(kExtA, kServer).ttl(63).icmpEchoRequest(0x4242, 1).payload("ping").build());
  auto back = toVm(one(fromIsp(PacketBuilder().ipv4(kServer, kExtA).icmpEchoReply(0x4242, 1).payload("ping").build()), kInet));
  EXPECT_EQ(back.vsid, 5001u);
  EXPECT_EQ(back.ip, PacketBuilder().ipv4(kServer, kVm1).ttl(63).icmpEchoReply(0x4242, 1).payload("ping").build());
  // After the ICMP query timeout (3 s here) the reply finds nothing.
  nowMs_ += 3'001;
  expectDropped(fromIsp(PacketBuilder().ipv4(kServer, kExtA).icmpEchoReply(0x4242, 1).payload("ping").build()), kInet,
                "nat44-out2in", "no-mapping");
}

TEST_F(NatNodes, IcmpErrorsAreTranslatedBothWays) {
  const auto sent = toInternet(one(fromA1(udp(kVm1, 4000, kServer, 53)), kUnderlay));
  // The server's port is closed: it answers the translated packet.
  const auto error = PacketBuilder().ipv4(kServer, kExtA).icmpError(3, 3).payload(sent).build();
  auto back = toVm(one(fromIsp(error), kInet));
  EXPECT_EQ(back.vsid, 5001u);
  EXPECT_EQ(back.mac, kA1);
  EXPECT_EQ(back.ip, PacketBuilder().ipv4(kServer, kVm1).ttl(63).icmpError(3, 3).payload(udp(kVm1, 4000, kServer, 53, 63)).build());

  // An inbound datagram through the static mapping's TCP port is not UDP: a
  // UDP one for a2 comes through A's UDP session instead. a1 answers the
  // server's reply with port unreachable, quoting the packet it got.
  auto in = toVm(one(fromIsp(udp(kServer, 53, kExtA, 4000)), kInet));
  const auto inner = in.ip;
  auto err = toInternet(one(fromA1(PacketBuilder().ipv4(kVm1, kServer).icmpError(3, 3).payload(inner).build()), kUnderlay));
  EXPECT_EQ(err, PacketBuilder().ipv4(kExtA, kServer).ttl(63).icmpError(3, 3).payload(udp(kServer, 53, kExtA, 4000, 63)).build());
  // An error about nothing we translated goes nowhere.
  expectDropped(fromIsp(PacketBuilder().ipv4(kServer, kExtA).icmpError(3, 3).payload(udp(kExtA, 9999, kServer, 53)).build()),
                kInet, "nat44-out2in", "no-mapping");
}

TEST_F(NatNodes, UdpAndTcpSessionsExpireOnTheConfiguredTimeouts) {
  one(fromA1(udp(kVm1, 4000, kServer, 53)), kUnderlay);
  nowMs_ += 9'000;
  one(fromIsp(udp(kServer, 53, kExtA, 4000)), kInet);  // does not refresh (no inbound refresh)
  nowMs_ += 1'001;
  expectDropped(fromIsp(udp(kServer, 53, kExtA, 4000)), kInet, "nat44-out2in", "no-mapping");

  // TCP: half open is transient (5 s), established lasts 60 s, closing is transient again.
  one(fromA1(tcp(kVm1, 40000, kServer, 443, kSyn)), kUnderlay);
  nowMs_ += 4'000;
  one(fromIsp(tcp(kServer, 443, kExtA, 40000, kSyn | kAck)), kInet);
  nowMs_ += 50'000;
  one(fromA1(tcp(kVm1, 40000, kServer, 443, kAck)), kUnderlay);
  nowMs_ += 59'000;
  one(fromIsp(tcp(kServer, 443, kExtA, 40000, kAck)), kInet);
  one(fromIsp(tcp(kServer, 443, kExtA, 40000, kFin | kAck)), kInet);
  nowMs_ += 5'001;
  expectDropped(fromIsp(tcp(kServer, 443, kExtA, 40000, kAck)), kInet, "nat44-out2in", "no-mapping");
}

// An error the gateway itself sends about a packet that came in through NAT
// (here: its TTL runs out in the tenant's VRF) goes back to the sender
// through NAT, from the tenant's external address, quoting what it sent.
TEST_F(NatNodes, TheGatewaysOwnErrorsAboutInboundPacketsGoBackThroughNat) {
  one(fromA1(udp(kVm1, 4000, kServer, 53)), kUnderlay);
  auto err = toInternet(one(fromIsp(udp(kServer, 53, kExtA, 4000, 1)), kInet));
  EXPECT_EQ(err, PacketBuilder()
                     .ipv4(kExtA, kServer)
                     .ttl(63)
                     .icmpError(11, 0)
                     .payload(udp(kServer, 53, kExtA, 4000, 1))
                     .build());
}

TEST_F(NatNodes, StaticMappingReachesTheServerAndItsAnswersLeaveFromTheMappedPort) {
  auto in = toVm(one(fromIsp(tcp(kServer, 33000, kExtA, 80, kSyn)), kInet));
  EXPECT_EQ(in.vsid, 5001u);
  EXPECT_EQ(in.pa, kPa2);
  EXPECT_EQ(in.mac, kA2);
  EXPECT_EQ(in.ip, tcp(kServer, 33000, kVm2, 8080, kSyn, 63));
  auto out = toInternet(one(fromVm(kPa2, kHost2Mac, 5001, kA2, kGwA, tcp(kVm2, 8080, kServer, 33000, kSyn | kAck)), kUnderlay));
  EXPECT_EQ(out, tcp(kExtA, 80, kServer, 33000, kSyn | kAck, 63));
}

TEST_F(NatNodes, HairpinningInsideATenantAndBetweenTenants) {
  // a1 -> A's own external address: to a2 through the static mapping, from A's external address.
  auto same = toVm(one(fromA1(tcp(kVm1, 41000, kExtA, 80, kSyn)), kUnderlay));
  EXPECT_EQ(same.vsid, 5001u);
  EXPECT_EQ(same.mac, kA2);
  EXPECT_EQ(same.ip, tcp(kExtA, 41000, kVm2, 8080, kSyn, 63));
  auto sameBack = toVm(one(fromVm(kPa2, kHost2Mac, 5001, kA2, kGwA, tcp(kVm2, 8080, kExtA, 41000, kSyn | kAck)), kUnderlay));
  EXPECT_EQ(sameBack.mac, kA1);
  EXPECT_EQ(sameBack.ip, tcp(kExtA, 80, kVm1, 41000, kSyn | kAck, 63));
  // b1 (the same CA as a1, in tenant B) -> A's external address: a2 sees B's external address.
  auto other = toVm(one(fromB1(tcp(kVm1, 41000, kExtA, 80, kSyn)), kUnderlay));
  EXPECT_EQ(other.vsid, 5001u);
  EXPECT_EQ(other.mac, kA2);
  EXPECT_EQ(other.ip, tcp(kExtB, 1024, kVm2, 8080, kSyn, 63));
  auto otherBack = toVm(one(fromVm(kPa2, kHost2Mac, 5001, kA2, kGwA, tcp(kVm2, 8080, kExtB, 1024, kSyn | kAck)), kUnderlay));
  EXPECT_EQ(otherBack.vsid, 6001u);
  EXPECT_EQ(otherBack.mac, kB1);
  EXPECT_EQ(otherBack.ip, tcp(kExtA, 80, kVm1, 41000, kSyn | kAck, 63));
}

TEST_F(NatNodes, PortExhaustionAndAQuotaDropOnlyTheirOwnTenantsNewSessions) {
  // B has two ports (1024-1025) and may hold 3 sessions.
  one(fromB1(udp(kVm1, 4000, kServer, 53)), kUnderlay);
  one(fromB1(udp(kVm1, 4001, kServer, 53)), kUnderlay);
  expectDropped(fromB1(udp(kVm1, 4002, kServer, 53)), kUnderlay, "nat44-in2out", "ports-exhausted");
  EXPECT_EQ(natDrops(kRdidB, "ports-exhausted"), 1u);
  // An existing mapping takes a new remote: a third session, the quota's last.
  EXPECT_EQ(toInternet(one(fromB1(udp(kVm1, 4000, kIspAddr, 53)), kUnderlay)), udp(kExtB, 1024, kIspAddr, 53, 63));
  expectDropped(fromB1(udp(kVm1, 4001, kIspAddr, 53)), kUnderlay, "nat44-in2out", "quota-exceeded");
  EXPECT_EQ(natDrops(kRdidB, "quota-exceeded"), 1u);
  EXPECT_EQ(h_.counter("hnv_tenant_drops_total", {{"tenant", kRdidB}}), 2u);
  one(fromB1(udp(kVm1, 4000, kServer, 53)), kUnderlay);  // existing sessions go on
  // A, with the same CA and ports, is not affected.
  for (std::uint16_t p = 0; p < 20; ++p) one(fromA1(udp(kVm1, static_cast<std::uint16_t>(4000 + p), kServer, 53)), kUnderlay);
  EXPECT_EQ(natDrops(kRdidA, "quota-exceeded") + natDrops(kRdidA, "ports-exhausted"), 0u);
  EXPECT_EQ(h_.counter("hnv_tenant_drops_total", {{"tenant", kRdidA}}), 0u);
  // Once B's sessions expire (UDP idle: 120 s by default), its ports come back.
  nowMs_ += 121'000;
  EXPECT_EQ(toInternet(one(fromB1(udp(kVm1, 4002, kServer, 53)), kUnderlay)), udp(kExtB, 1024, kServer, 53, 63));
}

TEST_F(NatNodes, TheGatewayAnswersArpForExternalAddressesOnTheOutsideNetwork) {
  auto req = PacketBuilder().eth(kIsp, MacAddr::broadcast()).arpRequest(kIsp, kIspAddr, kExtB).build();
  auto r = h_.run(req, kInet, 0);
  ASSERT_EQ(r.sent.size(), 1u);
  auto arp = wire::parseArp(std::span(r.sent[0].bytes).subspan(14));
  ASSERT_TRUE(arp.ok());
  EXPECT_EQ(arp->op, wire::ArpOp::Reply);
  EXPECT_EQ(arp->spa, kExtB);
  EXPECT_EQ(arp->sha, kInetMac);
  auto other = PacketBuilder().eth(kIsp, MacAddr::broadcast()).arpRequest(kIsp, kIspAddr, v4("203.0.113.30")).build();
  EXPECT_TRUE(h_.run(other, kInet, 0).sent.empty());
}

TEST_F(NatNodes, WhatNatCannotTranslateIsCountedForItsTenant) {
  expectDropped(fromA1(PacketBuilder().ipv4(kVm1, kServer).protocol(47).payload("gre payload").build()), kUnderlay,
                "nat44-in2out", "unsupported");
  expectDropped(fromA1(PacketBuilder().ipv4(kVm1, kServer).fragment(100, false).udp(1, 2).payload("tail").build()),
                kUnderlay, "nat44-in2out", "fragment");
  EXPECT_EQ(natDrops(kRdidA, "unsupported"), 1u);
  EXPECT_EQ(natDrops(kRdidA, "fragment"), 1u);
}

}  // namespace
}  // namespace hnv::test
