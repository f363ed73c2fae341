// The gateway's IPv4 tenant path on prebuilt frames (fixture: gateway_fixture.h).
#include "gateway_fixture.h"

namespace hnv::test {
namespace {

using wire::PacketBuilder;

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
