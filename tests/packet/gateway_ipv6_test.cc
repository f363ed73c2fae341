// The gateway's IPv6 tenant path on prebuilt frames (fixture: gateway_fixture.h):
// between a tenant's virtual subnets, and out of and into its external interfaces.
#include "gateway_fixture.h"

namespace hnv::test {
namespace {

using wire::PacketBuilder;

TEST_F(GatewayNodes, Ipv6IsRoutedBetweenTheVirtualSubnetsOfATenant) {
  auto r = run(fromHost6(kVm6, kPeer6), kUnderlay);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kUnderlay);
  const Nvgre6 o = nvgre6(r.sent[0].bytes);
  EXPECT_EQ(o.outer.dst, kPa2) << "the host of the destination's record";
  EXPECT_EQ(o.vsid, 5002u) << "into the destination's VSID";
  EXPECT_EQ(o.innerEtherType, wire::kEtherTypeIpv6);
  EXPECT_EQ(o.innerDst, kA2);
  EXPECT_EQ(o.innerSrc, kGwA2) << "the gateway's MAC in VSID 5002";
  EXPECT_EQ(o.ip.src, kVm6);
  EXPECT_EQ(o.ip.dst, kPeer6);
  EXPECT_EQ(o.ip.hopLimit, 63);
  EXPECT_EQ(h_.counter("hnv_tenant_packets_total",
                       {{"tenant", "aaaaaaaa-0000-4000-8000-00000000000a"}, {"path", "from-overlay"}}),
            1u);
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

// --- IPv6 on external interfaces ---
//
// Tenant A's interface (trunk, VLAN 100) has 2001:db8:64::1/64 and routes
// 2001:db8:f00::/48 to a router known by its link-local address; tenant C's
// (its own port, MTU 1400) has 2001:db8:c::1/64 and the same prefix via
// 2001:db8:c::fe. Tenant B's interface has no IPv6 address.

const Ipv6Addr kExtGw6 = *Ipv6Addr::parse("2001:db8:64::1"), kRouterLl = *Ipv6Addr::parse("fe80::fe"),
               kFar6 = *Ipv6Addr::parse("2001:db8:f00::5"), kRouter6 = *Ipv6Addr::parse("2001:db8:64::fe");

struct Routed6 {
  MacAddr dst, src;
  std::optional<std::uint16_t> vlan;
  wire::Ipv6Header ip;
};

Routed6 parseRouted6(const std::vector<std::uint8_t>& frame) {
  Routed6 r;
  auto eth = wire::parseEthernet(frame);
  EXPECT_TRUE(eth.ok());
  r.dst = eth->dst;
  r.src = eth->src;
  if (eth->vlanTci) r.vlan = eth->vlanId();
  EXPECT_EQ(eth->etherType, wire::kEtherTypeIpv6);
  auto ip = wire::parseIpv6(std::span(frame).subspan(eth->headerLength));
  EXPECT_TRUE(ip.ok());
  r.ip = *ip;
  return r;
}

// A frame from tenant A's router on VLAN 100 to the gateway's MAC there.
PacketBuilder fromRouterA6(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t hops = 60) {
  PacketBuilder b;
  b.eth(kRouterA, kTrunkMac).vlan(100).ipv6(src, dst).ttl(hops);
  return b;
}

TEST_F(GatewayNodes, Ipv6FromAVmLeavesByItsExternalInterfaceToTheLinkLocalRouter) {
  auto r = run(fromHost6(kVm6, kFar6), kUnderlay);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kTrunk);
  Routed6 o = parseRouted6(r.sent[0].bytes);
  EXPECT_EQ(o.vlan, 100);
  EXPECT_EQ(o.dst, kRouterA) << "the MAC of fe80::fe in the interface's scope";
  EXPECT_EQ(o.src, kTrunkMac);
  EXPECT_EQ(o.ip.src, kVm6);
  EXPECT_EQ(o.ip.dst, kFar6);
  EXPECT_EQ(o.ip.hopLimit, 63);
  EXPECT_EQ(h_.counter("hnv_tenant_packets_total",
                       {{"tenant", "aaaaaaaa-0000-4000-8000-00000000000a"}, {"path", "to-external"}}),
            1u);
}

TEST_F(GatewayNodes, Ipv6FromTheExternalNetworkIsEncapsulatedIntoTheVmsVsid) {
  auto r = run(fromRouterA6(kFar6, kVm6).udp(53, 4000).payloadFill(32, 0xa5).build(), kTrunk);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kUnderlay);
  const Nvgre6 o = nvgre6(r.sent[0].bytes);
  EXPECT_EQ(o.outer.dst, kPa1);
  EXPECT_EQ(o.vsid, 5001u);
  EXPECT_EQ(o.innerDst, kA1);
  EXPECT_FALSE(o.innerTagged) << "the tag stays outside the overlay";
  EXPECT_EQ(o.ip.src, kFar6);
  EXPECT_EQ(o.ip.hopLimit, 59);
  EXPECT_EQ(h_.counter("hnv_tenant_packets_total",
                       {{"tenant", "aaaaaaaa-0000-4000-8000-00000000000a"}, {"path", "from-external"}}),
            1u);
}

// The router resolves the gateway's address: a solicitation to the
// solicited-node group (from its link-local address) is answered on the
// VLAN with the interface's MAC, and teaches the resolver the router.
TEST_F(GatewayNodes, NeighbourSolicitationForTheGatewaysIpv6AddressIsAnsweredOnItsVlan) {
  publishNeighbors(false);
  const Ipv6Addr group = kExtGw6.solicitedNode();
  auto ns = PacketBuilder()
                .eth(kRouterA, MacAddr::forIpv6Multicast(group))
                .vlan(100)
                .ipv6(kRouterLl, group)
                .ttl(255)
                .neighborSolicitation(kExtGw6, kRouterA)
                .build();
  auto r = run(ns, kTrunk);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kTrunk);
  EXPECT_EQ(r.sent[0].bytes, PacketBuilder()
                                 .eth(kTrunkMac, kRouterA)
                                 .vlan(100)
                                 .ipv6(kExtGw6, kRouterLl)
                                 .ttl(255)
                                 .neighborAdvertisement(wire::NaFlags{false, true, true}, kExtGw6, kTrunkMac)
                                 .build());
  ASSERT_EQ(r.punted.size(), 1u) << "the router's address, learned from its solicitation";
  EXPECT_EQ(r.punted[0].kind, kNdPunt);
}

TEST_F(GatewayNodes, NeighbourDiscoveryOnlyForTheInterfacesOwnAddressAndOnlyWhereItHasOne) {
  const Ipv6Addr other = *Ipv6Addr::parse("2001:db8:64::99");
  auto forOther = PacketBuilder()
                      .eth(kRouterA, MacAddr::forIpv6Multicast(other.solicitedNode()))
                      .vlan(100)
                      .ipv6(kRouter6, other.solicitedNode())
                      .ttl(255)
                      .neighborSolicitation(other, kRouterA)
                      .build();
  expectDrop(run(forOther, kTrunk), "icmp6-local", "not-our-target");
  // Tenant B's interface has no IPv6 address: its IPv6 is not taken at all.
  auto onB = PacketBuilder()
                 .eth(kRouterB, MacAddr::forIpv6Multicast(kExtGw6.solicitedNode()))
                 .vlan(200)
                 .ipv6(kRouterLl, kExtGw6.solicitedNode())
                 .ttl(255)
                 .neighborSolicitation(kExtGw6, kRouterB)
                 .build();
  expectDrop(run(onB, kTrunk), "eth-input", "not-for-us");
  auto unicastOnB = PacketBuilder().eth(kRouterB, kTrunkMac).vlan(200).ipv6(kFar6, kVm6).udp(1, 2).build();
  run(unicastOnB, kTrunk);
  EXPECT_EQ(h_.nodeError("eth-input", "tenant-unsupported-ethertype"), 1u);
  // Other multicast on A's network is not routed.
  auto mdns = PacketBuilder()
                  .eth(kRouterA, MacAddr::forIpv6Multicast(*Ipv6Addr::parse("ff02::fb")))
                  .vlan(100)
                  .ipv6(kRouterLl, *Ipv6Addr::parse("ff02::fb"))
                  .udp(5353, 5353)
                  .build();
  expectDrop(run(mdns, kTrunk), "ip6-lookup", "not-unicast");
}

TEST_F(GatewayNodes, UnresolvedIpv6ExternalNeighbourIsPuntedTaggedWithItsNextHop) {
  publishNeighbors(false);
  auto r = run(fromHost6(kVm6, kFar6), kUnderlay);
  EXPECT_TRUE(r.sent.empty());
  ASSERT_EQ(r.punted.size(), 1u);
  EXPECT_EQ(r.punted[0].kind, kMissPunt);
  EXPECT_EQ(r.punted[0].txPort, kTrunk);
  EXPECT_EQ(fib::nextHop(r.punted[0].meta), IpAddr(kRouterLl));
  Routed6 o = parseRouted6(r.punted[0].bytes);
  EXPECT_EQ(o.vlan, 100);
  EXPECT_EQ(o.dst, MacAddr()) << "the resolver fills in the MAC";
}

TEST_F(GatewayNodes, EchoToTheGatewaysIpv6AddressIsAnsweredOnItsVlan) {
  auto r = run(fromRouterA6(kRouter6, kExtGw6).icmpv6EchoRequest(7, 3).build(), kTrunk);
  ASSERT_EQ(r.sent.size(), 1u);
  Routed6 o = parseRouted6(r.sent[0].bytes);
  EXPECT_EQ(o.vlan, 100);
  EXPECT_EQ(o.dst, kRouterA);
  EXPECT_EQ(o.src, kTrunkMac);
  EXPECT_EQ(o.ip.src, kExtGw6);
  EXPECT_EQ(o.ip.dst, kRouter6);
  EXPECT_EQ(o.ip.payload[0], wire::kIcmpv6EchoReply);
  EXPECT_TRUE(wire::icmpv6ChecksumOk(o.ip.src, o.ip.dst, o.ip.payload));
  // Anything else to the address is not for the gateway.
  expectDrop(run(fromRouterA6(kRouter6, kExtGw6).udp(1, 2).build(), kTrunk), "ip6-lookup", "local-unsupported");
}

// Tenant C's network has MTU 1400: a 1,401-byte IPv6 packet from its VM is
// answered with "packet too big" and the MTU (IPv6 routers never fragment).
TEST_F(GatewayNodes, Ipv6TooBigForTheExternalMtuIsAnsweredWithPacketTooBig) {
  const Ipv6Addr c6 = *Ipv6Addr::parse("fd00:c:1::10");
  auto frame = PacketBuilder()
                   .eth(kHost2Mac, kUnderlayMac)
                   .ipv4(kPa2, kGwPa)
                   .df()
                   .nvgre(vsid(7001), 7)
                   .eth(kC1, kGwC)
                   .ipv6(c6, kFar6)
                   .udp(4000, 53)
                   .payloadFill(1401 - 48, 0x77)
                   .build();
  auto r = run(frame, kUnderlay);
  EXPECT_EQ(h_.nodeError("iface-output", "too-big"), 1u);
  ASSERT_EQ(r.sent.size(), 1u);
  Icmp6Back b = icmp6Back(r.sent[0].bytes);
  EXPECT_EQ(b.outer.dst, kPa2);
  EXPECT_EQ(b.ip.src, *Ipv6Addr::parse("fd00:c:1::1")) << "the tenant's IPv6 gateway address";
  EXPECT_EQ(b.ip.dst, c6);
  EXPECT_EQ(b.type, wire::kIcmpv6PacketTooBig);
  EXPECT_EQ(b.word, 1400u);
  // 1,400 bytes go.
  frame = PacketBuilder()
              .eth(kHost2Mac, kUnderlayMac)
              .ipv4(kPa2, kGwPa)
              .df()
              .nvgre(vsid(7001), 7)
              .eth(kC1, kGwC)
              .ipv6(c6, kFar6)
              .udp(4000, 53)
              .payloadFill(1400 - 48, 0x77)
              .build();
  r = run(frame, kUnderlay);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortC);
  Routed6 o = parseRouted6(r.sent[0].bytes);
  EXPECT_EQ(o.ip.payloadLength + 40u, 1400u);
  EXPECT_EQ(o.dst, kRouterC);
}

TEST_F(GatewayNodes, Ipv6SynTowardTheExternalNetworkIsClampedToItsMtu) {
  const Ipv6Addr c6 = *Ipv6Addr::parse("fd00:c:1::10");
  auto syn = PacketBuilder()
                 .eth(kHost2Mac, kUnderlayMac)
                 .ipv4(kPa2, kGwPa)
                 .df()
                 .nvgre(vsid(7001), 7)
                 .eth(kC1, kGwC)
                 .ipv6(c6, kFar6)
                 .tcp(40000, 443)
                 .tcpFlags(0x02)
                 .mss(1460)
                 .build();
  auto r = run(syn, kUnderlay);
  ASSERT_EQ(r.sent.size(), 1u);
  Routed6 o = parseRouted6(r.sent[0].bytes);
  ASSERT_GE(o.ip.payload.size(), 24u);
  EXPECT_EQ(wire::load16(&o.ip.payload[22]), 1400 - 60) << "the 1400-byte network's MSS for IPv6";
}

}  // namespace
}  // namespace hnv::test
