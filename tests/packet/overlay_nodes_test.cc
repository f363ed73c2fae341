// The overlay nodes on prebuilt frames: VM ports into NVGRE and back, the
// ARP/ND proxy, the distributed router, flooding, multicast groups,
// provider routes, receive validation, teaming and TSO, with two tenants
// that use the same customer addresses. Learning: overlay_learning_test.cc;
// extension hooks: overlay_extensions_test.cc.
#include "overlay_fixture.h"

namespace hnv::test {
namespace {

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
