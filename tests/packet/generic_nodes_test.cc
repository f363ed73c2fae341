// The generic nodes and nvgre-input on prebuilt frames: what each answers,
// what it drops and which counter says why.
#include <gtest/gtest.h>

#include "graph_harness.h"
#include "hnv/nodes/module.h"
#include "hnv/nat/module.h"
#include "hnv/vpn/module.h"
#include "hnv/overlay/module.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"

namespace hnv::test {
namespace {

using wire::PacketBuilder;

const MacAddr kOurMac = *MacAddr::parse("02:00:5e:00:53:01");
const MacAddr kPeerMac = *MacAddr::parse("02:00:5e:00:53:64");
const MacAddr kOtherMac = *MacAddr::parse("02:00:5e:00:53:99");
const Ipv4Addr kPa4 = *Ipv4Addr::parse("192.0.2.1");
const Ipv4Addr kPeer4 = *Ipv4Addr::parse("192.0.2.100");
const Ipv6Addr kPa6 = *Ipv6Addr::parse("2001:db8::1");
const Ipv6Addr kPeer6 = *Ipv6Addr::parse("2001:db8::100");
const Ipv6Addr kAllNodes = *Ipv6Addr::parse("ff02::1");
constexpr dp::PuntKind kArpPunt = 7, kNdPunt = 8, kEchoPunt = 9;

class GenericNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    fib::PortAddresses port;
    port.port = 0;
    port.mac = kOurMac;
    port.v4.push_back(*InterfaceAddress4::parse("192.0.2.1/24"));
    port.v6.push_back(*InterfaceAddress6::parse("2001:db8::1/64"));
    auto local = fib::LocalAddresses::build({port});
    ASSERT_TRUE(local.ok());
    auto rcu = dp::Rcu::create(1);
    ASSERT_TRUE(rcu.ok());
    rcu_ = std::move(rcu).value();
    local_ = std::make_unique<dp::Published<fib::LocalAddresses>>(*rcu_, std::make_unique<const fib::LocalAddresses>(*local));
    policy_ = std::make_unique<dp::Published<overlay::OverlayPolicy>>(*rcu_, std::make_unique<const overlay::OverlayPolicy>());
    neighbors_ = std::make_unique<dp::Published<fib::NeighborTable>>(*rcu_, std::make_unique<const fib::NeighborTable>());
    nodesCtx_.local = local_.get();
    nodesCtx_.neighbors = neighbors_.get();
    nodesCtx_.arpPunt = kArpPunt;
    nodesCtx_.ndPunt = kNdPunt;
    nodesCtx_.echoReplyPunt = kEchoPunt;
    overlayCtx_.policy = policy_.get();
    overlayCtx_.local = local_.get();
    overlayCtx_.neighbors = neighbors_.get();
    ASSERT_TRUE(nodes::addGenericNodes(h_.catalog(), nodesCtx_).ok());
    ASSERT_TRUE(overlay::addOverlayNodes(h_.catalog(), overlayCtx_).ok());
    natCtx_.sessionsPerWorker = 0;
    ASSERT_TRUE(nat::addNatNodes(h_.catalog(), natCtx_, 1).ok());
    ASSERT_TRUE(vpn::addVpnNodes(h_.catalog(), vpnCtx_, 1).ok());
    h_.build();
  }

  // Expects exactly one frame dropped and `node`'s `error` counter at 1.
  void expectDrop(const std::vector<std::uint8_t>& frame, const std::string& node, const std::string& error) {
    auto r = h_.run(frame);
    EXPECT_TRUE(r.sent.empty());
    EXPECT_EQ(r.dropped.size(), 1u);
    EXPECT_EQ(h_.nodeError(node, error), 1u) << node << " " << error;
  }

  std::unique_ptr<dp::Rcu> rcu_;
  std::unique_ptr<dp::Published<fib::LocalAddresses>> local_;
  std::unique_ptr<dp::Published<overlay::OverlayPolicy>> policy_;
  std::unique_ptr<dp::Published<fib::NeighborTable>> neighbors_;
  nodes::NodesContext nodesCtx_;
  overlay::OverlayContext overlayCtx_;
  nat::NatContext natCtx_;  // no NAT instances here: the nodes complete ip4-lookup's edges
  vpn::VpnContext vpnCtx_;  // no tunnels here: the nodes complete ip4-lookup's edges
  // vm-input must be reachable too: rte_graph refuses a graph with an isolated node.
  GraphHarness h_{{"eth-input", "vm-input"}};
};

TEST_F(GenericNodes, ArpRequestForOurAddressIsAnsweredInPlace) {
  auto req = PacketBuilder().eth(kPeerMac, MacAddr::broadcast()).arpRequest(kPeerMac, kPeer4, kPa4).build();
  auto r = h_.run(req, 0);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, 0);
  auto want = PacketBuilder().eth(kOurMac, kPeerMac).arpReply(kOurMac, kPa4, kPeerMac, kPeer4).build();
  EXPECT_EQ(r.sent[0].bytes, want);
}

TEST_F(GenericNodes, ArpRequestForAnotherAddressGetsNoAnswer) {
  expectDrop(PacketBuilder().eth(kPeerMac, MacAddr::broadcast()).arpRequest(kPeerMac, kPeer4, *Ipv4Addr::parse("192.0.2.77")).build(),
             "arp-input", "not-our-address");
}

TEST_F(GenericNodes, ArpReplyToUsIsPuntedToTheNeighbourResolver) {
  auto reply = PacketBuilder().eth(kPeerMac, kOurMac).arpReply(kPeerMac, kPeer4, kOurMac, kPa4).build();
  auto r = h_.run(reply);
  EXPECT_TRUE(r.sent.empty());
  EXPECT_TRUE(r.dropped.empty());
  ASSERT_EQ(r.punted.size(), 1u);
  EXPECT_EQ(r.punted[0].kind, kArpPunt);
  EXPECT_EQ(r.punted[0].bytes, reply);
}

TEST_F(GenericNodes, ArpReplyThatTeachesNothingIsIgnored) {
  neighbors_->publish(std::make_unique<const fib::NeighborTable>(fib::NeighborTable::Map{{kPeer4, {kPeerMac, 0}}}));
  expectDrop(PacketBuilder().eth(kPeerMac, kOurMac).arpReply(kPeerMac, kPeer4, kOurMac, kPa4).build(), "arp-input",
             "reply-ignored");
}

TEST_F(GenericNodes, ArpRequestFromANewSenderIsAnsweredAndCopiedToTheResolver) {
  auto req = PacketBuilder().eth(kPeerMac, MacAddr::broadcast()).arpRequest(kPeerMac, kPeer4, kPa4).build();
  auto r = h_.run(req);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].bytes, PacketBuilder().eth(kOurMac, kPeerMac).arpReply(kOurMac, kPa4, kPeerMac, kPeer4).build());
  ASSERT_EQ(r.punted.size(), 1u);
  EXPECT_EQ(r.punted[0].bytes, req);  // the copy was taken before the rewrite
}

TEST_F(GenericNodes, ArpRequestFromAKnownSenderIsOnlyAnswered) {
  neighbors_->publish(std::make_unique<const fib::NeighborTable>(fib::NeighborTable::Map{{kPeer4, {kPeerMac, 0}}}));
  auto r = h_.run(PacketBuilder().eth(kPeerMac, MacAddr::broadcast()).arpRequest(kPeerMac, kPeer4, kPa4).build());
  EXPECT_EQ(r.sent.size(), 1u);
  EXPECT_TRUE(r.punted.empty());
}

TEST_F(GenericNodes, GratuitousArpWithANewMacForAKnownNeighbourIsPunted) {
  neighbors_->publish(std::make_unique<const fib::NeighborTable>(fib::NeighborTable::Map{{kPeer4, {kOtherMac, 0}}}));
  auto garp = PacketBuilder().eth(kPeerMac, MacAddr::broadcast()).arpRequest(kPeerMac, kPeer4, kPeer4).build();
  auto r = h_.run(garp);
  EXPECT_TRUE(r.sent.empty());
  ASSERT_EQ(r.punted.size(), 1u);
  EXPECT_EQ(r.punted[0].bytes, garp);
}

TEST_F(GenericNodes, EchoRequestGetsAnExactEchoReply) {
  auto req = PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, kPa4).ttl(61).ipId(0x1234).df()
                 .icmpEchoRequest(0x4242, 7).payload("hello, gateway").build();
  auto r = h_.run(req);
  ASSERT_EQ(r.sent.size(), 1u);
  auto want = PacketBuilder().eth(kOurMac, kPeerMac).ipv4(kPa4, kPeer4).ttl(64).ipId(0x1234).df()
                  .icmpEchoReply(0x4242, 7).payload("hello, gateway").build();
  EXPECT_EQ(r.sent[0].bytes, want);
}

TEST_F(GenericNodes, EthernetPaddingIsTrimmedFromTheReply) {
  auto req = PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, kPa4).icmpEchoRequest(1, 1).build();
  auto padded = req;
  padded.resize(req.size() + 10, 0);
  auto r = h_.run(padded);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].bytes.size(), req.size());
}

TEST_F(GenericNodes, BadIpv4ChecksumIsDropped) {
  expectDrop(PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, kPa4).corruptChecksum().icmpEchoRequest(1, 1).build(),
             "ip4-input", "bad-checksum");
}

TEST_F(GenericNodes, BadIcmpChecksumIsDropped) {
  expectDrop(PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, kPa4).icmpEchoRequest(1, 1).corruptChecksum().build(),
             "icmp4-local", "bad-checksum");
}

TEST_F(GenericNodes, TruncatedFrameIsMalformed) {
  auto frame = PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, kPa4).icmpEchoRequest(1, 1).build();
  frame.resize(10);
  expectDrop(frame, "eth-input", "malformed");
}

TEST_F(GenericNodes, TruncatedIpv4IsMalformed) {
  auto frame = PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, kPa4).icmpEchoRequest(1, 1).build();
  frame.resize(14 + 12);
  expectDrop(frame, "ip4-input", "malformed");
}

TEST_F(GenericNodes, UnicastToAnotherMacIsNotForUs) {
  expectDrop(PacketBuilder().eth(kPeerMac, kOtherMac).ipv4(kPeer4, kPa4).icmpEchoRequest(1, 1).build(), "eth-input",
             "not-for-us");
}

TEST_F(GenericNodes, TaggedFrameWithoutVlanConfigIsDropped) {
  expectDrop(PacketBuilder().eth(kPeerMac, kOurMac).vlan(100).ipv4(kPeer4, kPa4).icmpEchoRequest(1, 1).build(),
             "eth-input", "vlan-not-configured");
}

TEST_F(GenericNodes, UnknownEtherTypeIsDropped) {
  expectDrop(PacketBuilder().eth(kPeerMac, kOurMac).etherType(0x88B5).payloadFill(46, 0).build(), "eth-input",
             "unknown-ethertype");
}

TEST_F(GenericNodes, TrafficToAnotherAddressIsNotLocal) {
  expectDrop(PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, *Ipv4Addr::parse("192.0.2.2")).icmpEchoRequest(1, 1).build(),
             "ip4-input", "not-local");
}

TEST_F(GenericNodes, FragmentsAreNotReassembled) {
  expectDrop(PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, kPa4).fragment(0, true).icmpEchoRequest(1, 1).build(),
             "ip4-input", "fragment");
}

TEST_F(GenericNodes, UdpToTheNodeIsAnUnknownProtocol) {
  expectDrop(PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, kPa4).udp(1000, 2000).build(), "ip4-input",
             "unknown-protocol");
}

TEST_F(GenericNodes, Icmpv6EchoIsAnsweredAcrossExtensionHeaders) {
  auto req = PacketBuilder().eth(kPeerMac, kOurMac).ipv6(kPeer6, kPa6).ipv6ExtHeader(wire::kIpv6ExtHopByHop)
                 .icmpv6EchoRequest(9, 3).payload("v6").build();
  auto r = h_.run(req);
  ASSERT_EQ(r.sent.size(), 1u) << "dropped: " << r.dropped.size();
  // The reply keeps the extension header; addresses swapped, hop limit 64, type 129, valid checksum.
  auto want = PacketBuilder().eth(kOurMac, kPeerMac).ipv6(kPa6, kPeer6).ttl(64).ipv6ExtHeader(wire::kIpv6ExtHopByHop)
                  .icmpv6EchoReply(9, 3).payload("v6").build();
  EXPECT_EQ(r.sent[0].bytes, want);
}

TEST_F(GenericNodes, NeighborSolicitationGetsASolicitedAdvertisement) {
  auto ns = PacketBuilder().eth(kPeerMac, MacAddr::forIpv6Multicast(kPa6.solicitedNode()))
                .ipv6(kPeer6, kPa6.solicitedNode()).neighborSolicitation(kPa6, kPeerMac).build();
  auto r = h_.run(ns);
  ASSERT_EQ(r.sent.size(), 1u);
  wire::NaFlags flags;
  flags.solicited = true;
  flags.override = true;
  auto want = PacketBuilder().eth(kOurMac, kPeerMac).ipv6(kPa6, kPeer6).neighborAdvertisement(flags, kPa6, kOurMac).build();
  EXPECT_EQ(r.sent[0].bytes, want);
}

TEST_F(GenericNodes, SolicitationFromANewSenderIsAnsweredAndCopiedToTheResolver) {
  auto ns = PacketBuilder()
                .eth(kPeerMac, MacAddr::forIpv6Multicast(kPa6.solicitedNode()))
                .ipv6(kPeer6, kPa6.solicitedNode())
                .neighborSolicitation(kPa6, kPeerMac)
                .build();
  auto r = h_.run(ns);
  EXPECT_EQ(r.sent.size(), 1u);
  ASSERT_EQ(r.punted.size(), 1u);
  EXPECT_EQ(r.punted[0].kind, kNdPunt);
  EXPECT_EQ(r.punted[0].bytes, ns);
  // Known at that MAC: only answered.
  neighbors_->publish(std::make_unique<const fib::NeighborTable>(fib::NeighborTable::Map{{kPeer6, {kPeerMac, 0}}}));
  r = h_.run(ns);
  EXPECT_EQ(r.sent.size(), 1u);
  EXPECT_TRUE(r.punted.empty());
}

// The answer to the resolver's solicitation goes to it; an unsolicited
// advertisement only when it changes a neighbour we know (RFC 4861 7.2.5).
TEST_F(GenericNodes, AdvertisementsThatTeachTheResolverArePuntedAndOthersIgnored) {
  wire::NaFlags solicited{false, true, true}, unsolicited{false, false, true};
  auto answer = PacketBuilder()
                    .eth(kPeerMac, kOurMac)
                    .ipv6(kPeer6, kPa6)
                    .ttl(255)
                    .neighborAdvertisement(solicited, kPeer6, kPeerMac)
                    .build();
  auto r = h_.run(answer);
  ASSERT_EQ(r.punted.size(), 1u);
  EXPECT_EQ(r.punted[0].kind, kNdPunt);
  EXPECT_TRUE(r.sent.empty());

  auto announce = [&](const MacAddr& at) {
    return PacketBuilder()
        .eth(at, MacAddr::forIpv6Multicast(kAllNodes))
        .ipv6(kPeer6, kAllNodes)
        .ttl(255)
        .neighborAdvertisement(unsolicited, kPeer6, at)
        .build();
  };
  expectDrop(announce(kPeerMac), "icmp6-local", "advertisement-ignored");
  neighbors_->publish(std::make_unique<const fib::NeighborTable>(fib::NeighborTable::Map{{kPeer6, {kPeerMac, 0}}}));
  r = h_.run(announce(kOtherMac));
  ASSERT_EQ(r.punted.size(), 1u) << "a known neighbour moved";
  r = h_.run(announce(kPeerMac));
  EXPECT_TRUE(r.punted.empty()) << "nothing new";
  EXPECT_EQ(h_.nodeError("icmp6-local", "advertisement-ignored"), 2u);
  // Solicited toward a group, or with a hop limit other than 255: invalid.
  auto bad = PacketBuilder()
                 .eth(kPeerMac, MacAddr::forIpv6Multicast(kAllNodes))
                 .ipv6(kPeer6, kAllNodes)
                 .ttl(255)
                 .neighborAdvertisement(solicited, kPeer6, kOtherMac)
                 .build();
  EXPECT_TRUE(h_.run(bad).punted.empty());
  auto hops = PacketBuilder()
                  .eth(kPeerMac, kOurMac)
                  .ipv6(kPeer6, kPa6)
                  .ttl(64)
                  .neighborAdvertisement(solicited, kPeer6, kOtherMac)
                  .build();
  EXPECT_TRUE(h_.run(hops).punted.empty());
  EXPECT_EQ(h_.nodeError("icmp6-local", "invalid-nd"), 2u);
}

// RFC 4861 7.2.5: without the override flag an advertisement does not
// change a known neighbour's MAC; without a target link-layer option it
// teaches nothing.
TEST_F(GenericNodes, AdvertisementsWithoutOverrideOrLinkLayerOptionTeachNothing) {
  neighbors_->publish(std::make_unique<const fib::NeighborTable>(fib::NeighborTable::Map{{kPeer6, {kPeerMac, 0}}}));
  expectDrop(PacketBuilder()
                 .eth(kOtherMac, kOurMac)
                 .ipv6(kPeer6, kPa6)
                 .ttl(255)
                 .neighborAdvertisement(wire::NaFlags{false, true, false}, kPeer6, kOtherMac)
                 .build(),
             "icmp6-local", "advertisement-ignored");
  neighbors_->publish(std::make_unique<const fib::NeighborTable>());
  auto r = h_.run(PacketBuilder()
                      .eth(kPeerMac, kOurMac)
                      .ipv6(kPeer6, kPa6)
                      .ttl(255)
                      .neighborAdvertisement(wire::NaFlags{false, true, true}, kPeer6)
                      .build());
  EXPECT_TRUE(r.punted.empty());
  EXPECT_EQ(h_.nodeError("icmp6-local", "advertisement-ignored"), 2u);
}

// Untagged frames on a port without provider addresses (a tenant's trunk on
// hnvgwd) and claims about off-link addresses teach the underlay nothing.
TEST_F(GenericNodes, NeighboursAreLearnedOnlyOnPortsWithProviderAddressesAndOnLink) {
  fib::PortAddresses ul, trunk;
  ul.port = 0;
  ul.mac = kOurMac;
  ul.v4.push_back(*InterfaceAddress4::parse("192.0.2.1/24"));
  ul.v6.push_back(*InterfaceAddress6::parse("2001:db8::1/64"));
  trunk.port = 1;
  trunk.mac = kOtherMac;
  local_->publish(std::make_unique<const fib::LocalAddresses>(*fib::LocalAddresses::build({ul, trunk})));
  neighbors_->publish(std::make_unique<const fib::NeighborTable>(
      fib::NeighborTable::Map{{kPeer6, {kPeerMac, 0}}, {kPeer4, {kPeerMac, 0}}}));
  const MacAddr thief = *MacAddr::parse("02:00:5e:00:53:66");
  auto na = PacketBuilder()
                .eth(thief, MacAddr::forIpv6Multicast(kAllNodes))
                .ipv6(kPeer6, kAllNodes)
                .ttl(255)
                .neighborAdvertisement(wire::NaFlags{false, false, true}, kPeer6, thief)
                .build();
  auto garp = PacketBuilder().eth(thief, MacAddr::broadcast()).arpRequest(thief, kPeer4, kPeer4).build();
  EXPECT_TRUE(h_.run(na, 1).punted.empty());
  EXPECT_TRUE(h_.run(garp, 1).punted.empty());
  EXPECT_EQ(h_.run(na, 0).punted.size(), 1u) << "the same on the underlay's port: a moved neighbour";
  EXPECT_EQ(h_.run(garp, 0).punted.size(), 1u);
  // Off-link senders asking for our address get their answer, and are not learned.
  const Ipv6Addr far6 = *Ipv6Addr::parse("2001:db8:9::5");
  auto ns = PacketBuilder()
                .eth(thief, MacAddr::forIpv6Multicast(kPa6.solicitedNode()))
                .ipv6(far6, kPa6.solicitedNode())
                .neighborSolicitation(kPa6, thief)
                .build();
  auto r = h_.run(ns, 0);
  EXPECT_EQ(r.sent.size(), 1u);
  EXPECT_TRUE(r.punted.empty());
  auto arp = PacketBuilder()
                 .eth(thief, MacAddr::broadcast())
                 .arpRequest(thief, *Ipv4Addr::parse("198.51.100.5"), kPa4)
                 .build();
  r = h_.run(arp, 0);
  EXPECT_EQ(r.sent.size(), 1u);
  EXPECT_TRUE(r.punted.empty());
}

TEST_F(GenericNodes, Icmpv6EchoRepliesToUsGoToThePaPing) {
  auto reply =
      PacketBuilder().eth(kPeerMac, kOurMac).ipv6(kPeer6, kPa6).icmpv6EchoReply(0x4800, 1).payload("pa").build();
  auto r = h_.run(reply);
  ASSERT_EQ(r.punted.size(), 1u);
  EXPECT_EQ(r.punted[0].kind, kEchoPunt);
  EXPECT_EQ(r.punted[0].bytes, reply);
}

TEST_F(GenericNodes, DuplicateAddressDetectionGetsAnAdvertisementToAllNodes) {
  auto ns = PacketBuilder().eth(kPeerMac, MacAddr::forIpv6Multicast(kPa6.solicitedNode()))
                .ipv6(Ipv6Addr(), kPa6.solicitedNode()).neighborSolicitation(kPa6).build();
  auto r = h_.run(ns);
  ASSERT_EQ(r.sent.size(), 1u);
  wire::NaFlags flags;
  flags.override = true;
  auto want = PacketBuilder().eth(kOurMac, MacAddr::forIpv6Multicast(kAllNodes)).ipv6(kPa6, kAllNodes)
                  .neighborAdvertisement(flags, kPa6, kOurMac).build();
  EXPECT_EQ(r.sent[0].bytes, want);
}

TEST_F(GenericNodes, SolicitationWithWrongHopLimitIsInvalid) {
  expectDrop(PacketBuilder().eth(kPeerMac, kOurMac).ipv6(kPeer6, kPa6).ttl(64).neighborSolicitation(kPa6, kPeerMac).build(),
             "icmp6-local", "invalid-nd");
}

TEST_F(GenericNodes, SolicitationForAnotherTargetIsNotAnswered) {
  auto other = *Ipv6Addr::parse("2001:db8::77");
  expectDrop(PacketBuilder().eth(kPeerMac, MacAddr::forIpv6Multicast(other.solicitedNode()))
                 .ipv6(kPeer6, other.solicitedNode()).neighborSolicitation(other, kPeerMac).build(),
             "ip6-input", "not-local");
  expectDrop(PacketBuilder().eth(kPeerMac, kOurMac).ipv6(kPeer6, kPa6).neighborSolicitation(other, kPeerMac).build(),
             "icmp6-local", "not-our-target");
}

TEST_F(GenericNodes, NvgreWithAnUnknownVsidIsCountedAndDropped) {
  auto frame = PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, kPa4).df().nvgre(*Vsid::forTenant(5001), 7)
                   .eth(kPeerMac, kOtherMac).ipv4(*Ipv4Addr::parse("10.0.1.10"), *Ipv4Addr::parse("10.0.1.20"))
                   .icmpEchoRequest(1, 1).build();
  expectDrop(frame, "nvgre-input", "unknown-vsid");
}

TEST_F(GenericNodes, NvgreOverIpv6IsRecognisedToo) {
  auto frame = PacketBuilder().eth(kPeerMac, kOurMac).ipv6(kPeer6, kPa6).nvgre(*Vsid::forTenant(5001), 7)
                   .eth(kPeerMac, kOtherMac).ipv4(*Ipv4Addr::parse("10.0.1.10"), *Ipv4Addr::parse("10.0.1.20"))
                   .icmpEchoRequest(1, 1).build();
  expectDrop(frame, "nvgre-input", "unknown-vsid");
}

TEST_F(GenericNodes, NvgreWithAReservedVsidIsDropped) {
  auto frame = PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, kPa4).nvgre(*Vsid::make(100), 0)
                   .eth(kPeerMac, kOtherMac).etherType(0x88B5).payloadFill(46, 0).build();
  expectDrop(frame, "nvgre-input", "reserved-vsid");
}

TEST_F(GenericNodes, GreThatIsNotNvgreIsToldApart) {
  auto frame = PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, kPa4).gre()
                   .ipv4(*Ipv4Addr::parse("10.0.0.1"), *Ipv4Addr::parse("10.0.0.2")).icmpEchoRequest(1, 1).build();
  expectDrop(frame, "nvgre-input", "not-nvgre");
}

TEST_F(GenericNodes, MixedBurstKeepsEveryVerdictAndOrder) {
  std::vector<std::vector<std::uint8_t>> burst;
  for (int i = 0; i < 40; ++i) {
    if (i % 3 == 0) {
      burst.push_back(PacketBuilder().eth(kPeerMac, kOtherMac).ipv4(kPeer4, kPa4).icmpEchoRequest(1, static_cast<std::uint16_t>(i)).build());
    } else {
      burst.push_back(PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, kPa4).icmpEchoRequest(1, static_cast<std::uint16_t>(i)).build());
    }
  }
  auto r = h_.run(burst);
  EXPECT_EQ(r.sent.size(), 26u);
  EXPECT_EQ(r.dropped.size(), 14u);
  EXPECT_EQ(h_.nodeError("eth-input", "not-for-us"), 14u);
  EXPECT_EQ(h_.counter("hnv_node_packets_total", {{"node", "icmp4-local"}}), 26u);
  // Replies leave in arrival order (sequence numbers ascending).
  for (std::size_t k = 1; k < r.sent.size(); ++k) {
    auto seq = [](const std::vector<std::uint8_t>& f) { return f[14 + 20 + 6] << 8 | f[14 + 20 + 7]; };
    EXPECT_LT(seq(r.sent[k - 1].bytes), seq(r.sent[k].bytes));
  }
}

TEST_F(GenericNodes, TraceRecordsEveryNodeAndTheDropReason) {
  h_.trace().arm(1);
  h_.run(PacketBuilder().eth(kPeerMac, kOurMac).ipv4(kPeer4, kPa4).udp(1, 2).build());
  auto records = h_.trace().records();
  ASSERT_EQ(h_.trace().packets().size(), 1u);
  std::vector<std::string> path;
  for (const auto& rec : records) {
    std::string step = h_.catalog().at(rec.node).name;
    if (rec.hasError) step += "!" + h_.catalog().at(rec.node).errors.at(rec.error);
    path.push_back(step);
  }
  // Every node records its step; the harness's own source and sinks do not.
  EXPECT_EQ(path, (std::vector<std::string>{"eth-input", "ip4-input!unknown-protocol"}));
}

}  // namespace
}  // namespace hnv::test
