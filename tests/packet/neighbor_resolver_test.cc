// The neighbour resolver on real rings and mbufs: held frames, ARP requests
// and neighbour solicitations through the inject path, release on the
// answer, retries and giving up.
#include <gtest/gtest.h>
#include <rte_ring.h>

#include "graph_harness.h"
#include "hnv/fib/neighbor_resolver.h"
#include "hnv/fib/tenant_tables.h"
#include "hnv/wire/builder.h"

namespace hnv::test {
namespace {

using wire::PacketBuilder;
using Clock = fib::NeighborResolver::Clock;

const MacAddr kOurMac = *MacAddr::parse("02:00:5e:00:53:01");
const MacAddr kPeerMac = *MacAddr::parse("02:00:5e:00:53:64");
const Ipv4Addr kPa4 = *Ipv4Addr::parse("192.0.2.1");
const Ipv4Addr kPeer4 = *Ipv4Addr::parse("192.0.2.100");
const Ipv6Addr kPa6 = *Ipv6Addr::parse("2001:db8:1::1");
const Ipv6Addr kPeer6 = *Ipv6Addr::parse("2001:db8:1::100");

rte_mbuf* mbufOf(const std::vector<std::uint8_t>& bytes) {
  rte_mbuf* m = rte_pktmbuf_alloc(testPool());
  std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(bytes.size())), bytes.data(), bytes.size());
  dp::resetMeta(m, 0);
  return m;
}

std::vector<std::uint8_t> bytesOf(rte_mbuf* m) {
  const auto* p = rte_pktmbuf_mtod(m, const std::uint8_t*);
  return {p, p + rte_pktmbuf_data_len(m)};
}

class Resolver : public ::testing::Test {
 protected:
  void SetUp() override {
    rcu_ = std::move(dp::Rcu::create(1)).value();
    fib::PortAddresses port;
    port.port = 0;
    port.mac = kOurMac;
    port.v4.push_back(*InterfaceAddress4::parse("192.0.2.1/24"));
    port.v6.push_back(*InterfaceAddress6::parse("2001:db8:1::1/64"));
    local_ = std::make_unique<dp::Published<fib::LocalAddresses>>(
        *rcu_, std::make_unique<const fib::LocalAddresses>(*fib::LocalAddresses::build({port})));
    table_ = std::make_unique<dp::Published<fib::NeighborTable>>(*rcu_, std::make_unique<const fib::NeighborTable>());
    auto cp = dp::ControlPath::create("resolver-test", {&activity_});
    ASSERT_TRUE(cp.ok()) << cp.error().message();
    control_ = std::move(*cp);
    resolver_ = std::make_unique<fib::NeighborResolver>(*table_, *local_, *control_, testPool());
  }

  // An encapsulated frame waiting for the MAC of `hop`.
  rte_mbuf* heldFrame(const IpAddr& hop, std::uint16_t payloadTag) {
    auto bytes = PacketBuilder().eth(kOurMac, MacAddr()).ipv4(kPa4, kPeer4).udp(payloadTag, 9).build();
    rte_mbuf* m = mbufOf(bytes);
    dp::meta(m).txPort = 0;
    fib::setNextHop(dp::meta(m), hop);
    return m;
  }

  // What the control thread injected, in order (the caller owns nothing: frames are copied out and freed).
  std::vector<std::pair<std::uint8_t, std::vector<std::uint8_t>>> injected() {
    std::vector<std::pair<std::uint8_t, std::vector<std::uint8_t>>> out;
    void* obj = nullptr;
    while (rte_ring_dequeue(control_->injectState(0).ring, &obj) == 0) {
      auto* m = static_cast<rte_mbuf*>(obj);
      out.emplace_back(dp::meta(m).control, bytesOf(m));
      rte_pktmbuf_free(m);
    }
    return out;
  }

  std::vector<std::uint8_t> arpRequestBytes() {
    auto want = PacketBuilder().eth(kOurMac, MacAddr::broadcast()).arpRequest(kOurMac, kPa4, kPeer4).build();
    want.resize(60, 0);  // padded to the minimum frame
    return want;
  }

  std::uint64_t activity_ = 0;
  std::unique_ptr<dp::Rcu> rcu_;
  std::unique_ptr<dp::Published<fib::LocalAddresses>> local_;
  std::unique_ptr<dp::Published<fib::NeighborTable>> table_;
  std::unique_ptr<dp::ControlPath> control_;
  std::unique_ptr<fib::NeighborResolver> resolver_;
};

TEST_F(Resolver, AMissHoldsTheFrameAndSendsOneRequest) {
  resolver_->onMiss(heldFrame(kPeer4, 1));
  resolver_->onMiss(heldFrame(kPeer4, 2));
  auto out = injected();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, static_cast<std::uint8_t>(dp::InjectEdge::Transmit));
  EXPECT_EQ(out[0].second, arpRequestBytes());
  EXPECT_EQ(resolver_->stats().held, 2u);
  EXPECT_EQ(table_->get()->find(kPeer4), nullptr);
}

TEST_F(Resolver, TheAnswerPublishesTheEntryAndReleasesHeldFramesInOrder) {
  resolver_->onMiss(heldFrame(kPeer4, 1));
  resolver_->onMiss(heldFrame(kPeer4, 2));
  (void)injected();
  rte_mbuf* reply = mbufOf(PacketBuilder().eth(kPeerMac, kOurMac).arpReply(kPeerMac, kPeer4, kOurMac, kPa4).build());
  dp::meta(reply).l3Offset = 14;
  resolver_->onArp(reply);
  const fib::Neighbor* n = table_->get()->find(kPeer4);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->mac, kPeerMac);
  auto out = injected();
  ASSERT_EQ(out.size(), 2u);
  for (std::uint16_t i = 0; i < 2; ++i) {
    EXPECT_EQ(out[i].second, PacketBuilder().eth(kOurMac, kPeerMac).ipv4(kPa4, kPeer4).udp(i + 1, 9).build());
  }
  EXPECT_EQ(resolver_->stats().released, 2u);
  // Later misses (frames already on their way) go straight out.
  resolver_->onMiss(heldFrame(kPeer4, 3));
  EXPECT_EQ(injected().size(), 1u);
}

TEST_F(Resolver, RetriesEverySecondThenGivesUp) {
  resolver_->onMiss(heldFrame(kPeer4, 1));
  auto t0 = Clock::now();
  resolver_->tick(t0 + std::chrono::milliseconds(500));
  EXPECT_EQ(injected().size(), 1u);  // the first request only
  resolver_->tick(t0 + std::chrono::milliseconds(1100));
  resolver_->tick(t0 + std::chrono::milliseconds(2200));
  EXPECT_EQ(injected().size(), 2u);
  EXPECT_EQ(resolver_->stats().requestsSent, 3u);
  resolver_->tick(t0 + std::chrono::milliseconds(3300));
  EXPECT_EQ(resolver_->stats().heldDropped, 1u);
  EXPECT_TRUE(resolver_->toJson().at("pending").as_array().empty());
}

TEST_F(Resolver, HeldFramesAreBoundedPerNextHop) {
  for (std::uint16_t i = 0; i < fib::NeighborResolver::kHeldPerHop + 3; ++i) resolver_->onMiss(heldFrame(kPeer4, i));
  EXPECT_EQ(resolver_->stats().heldDropped, 3u);
}

// Neighbour discovery as icmp6-local punts it (offsets set).
rte_mbuf* ndMbuf(const std::vector<std::uint8_t>& bytes) {
  rte_mbuf* m = mbufOf(bytes);
  dp::meta(m).l3Offset = 14;
  dp::meta(m).l4Offset = 54;
  return m;
}

// An IPv6 underlay next hop (an IPv6 PA) is resolved with a neighbour
// solicitation to its solicited-node group, from the port's address on its
// subnet, and the advertisement that answers it releases the held frames.
TEST_F(Resolver, AnIpv6UnderlayNextHopIsSolicitedAndTheAdvertisementReleasesItsFrames) {
  resolver_->onMiss(heldFrame(kPeer6, 1));
  resolver_->onMiss(heldFrame(kPeer6, 2));
  auto out = injected();
  ASSERT_EQ(out.size(), 1u);
  const Ipv6Addr group = kPeer6.solicitedNode();
  EXPECT_EQ(out[0].second, PacketBuilder()
                               .eth(kOurMac, MacAddr::forIpv6Multicast(group))
                               .ipv6(kPa6, group)
                               .ttl(255)
                               .neighborSolicitation(kPeer6, kOurMac)
                               .build());
  resolver_->onNd(ndMbuf(PacketBuilder()
                             .eth(kPeerMac, kOurMac)
                             .ipv6(kPeer6, kPa6)
                             .ttl(255)
                             .neighborAdvertisement(wire::NaFlags{false, true, true}, kPeer6, kPeerMac)
                             .build()));
  const fib::Neighbor* n = table_->get()->find(IpAddr(kPeer6));
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->mac, kPeerMac);
  out = injected();
  ASSERT_EQ(out.size(), 2u);
  for (std::uint16_t i = 0; i < 2; ++i) {
    EXPECT_EQ(out[i].second, PacketBuilder().eth(kOurMac, kPeerMac).ipv4(kPa4, kPeer4).udp(i + 1, 9).build());
  }
  EXPECT_EQ(resolver_->stats().released, 2u);
}

TEST_F(Resolver, AnUnansweredIpv6NextHopIsSolicitedThreeTimesThenGivenUp) {
  resolver_->onMiss(heldFrame(kPeer6, 1));
  auto t0 = Clock::now();
  resolver_->tick(t0 + std::chrono::milliseconds(1100));
  resolver_->tick(t0 + std::chrono::milliseconds(2200));
  EXPECT_EQ(injected().size(), 3u);
  resolver_->tick(t0 + std::chrono::milliseconds(3300));
  EXPECT_EQ(resolver_->stats().heldDropped, 1u);
}

// RFC 4861 7.2.5: an advertisement about an address nobody asked for and
// nobody knows creates nothing; 7.2.3: a solicitation with a source
// link-layer option teaches its sender.
TEST_F(Resolver, AnUnsolicitedAdvertisementTeachesNothingButASolicitationTeachesItsSender) {
  resolver_->onNd(ndMbuf(PacketBuilder()
                             .eth(kPeerMac, MacAddr::forIpv6Multicast(Ipv6Addr::allNodes()))
                             .ipv6(kPeer6, Ipv6Addr::allNodes())
                             .ttl(255)
                             .neighborAdvertisement(wire::NaFlags{false, false, true}, kPeer6, kPeerMac)
                             .build()));
  EXPECT_TRUE(table_->get()->entries().empty());
  resolver_->onNd(ndMbuf(PacketBuilder()
                             .eth(kPeerMac, MacAddr::forIpv6Multicast(kPa6.solicitedNode()))
                             .ipv6(kPeer6, kPa6.solicitedNode())
                             .ttl(255)
                             .neighborSolicitation(kPa6, kPeerMac)
                             .build()));
  ASSERT_NE(table_->get()->find(IpAddr(kPeer6)), nullptr);
  EXPECT_EQ(table_->get()->find(IpAddr(kPeer6))->mac, kPeerMac);
  // Now known, an unsolicited advertisement of a new MAC updates it.
  const MacAddr moved = *MacAddr::parse("02:00:5e:00:53:65");
  resolver_->onNd(ndMbuf(PacketBuilder()
                             .eth(moved, MacAddr::forIpv6Multicast(Ipv6Addr::allNodes()))
                             .ipv6(kPeer6, Ipv6Addr::allNodes())
                             .ttl(255)
                             .neighborAdvertisement(wire::NaFlags{false, false, true}, kPeer6, moved)
                             .build()));
  EXPECT_EQ(table_->get()->find(IpAddr(kPeer6))->mac, moved);
  // Without the override flag (a proxy's or an anycast answer) it does not.
  resolver_->onNd(ndMbuf(PacketBuilder()
                             .eth(kPeerMac, MacAddr::forIpv6Multicast(Ipv6Addr::allNodes()))
                             .ipv6(kPeer6, Ipv6Addr::allNodes())
                             .ttl(255)
                             .neighborAdvertisement(wire::NaFlags{false, false, false}, kPeer6, kPeerMac)
                             .build()));
  EXPECT_EQ(table_->get()->find(IpAddr(kPeer6))->mac, moved);
}

TEST_F(Resolver, AnAdvertisementWithoutTheTargetsLinkLayerAddressResolvesNothing) {
  resolver_->onMiss(heldFrame(kPeer6, 1));
  (void)injected();
  resolver_->onNd(ndMbuf(PacketBuilder()
                             .eth(kPeerMac, kOurMac)
                             .ipv6(kPeer6, kPa6)
                             .ttl(255)
                             .neighborAdvertisement(wire::NaFlags{false, true, true}, kPeer6)
                             .build()));
  EXPECT_EQ(table_->get()->find(IpAddr(kPeer6)), nullptr);
  EXPECT_TRUE(injected().empty()) << "the frame is still held";
}

TEST_F(Resolver, ArpFromAnUnspecifiedSenderTeachesNothing) {
  rte_mbuf* probe = mbufOf(PacketBuilder().eth(kPeerMac, MacAddr::broadcast()).arpRequest(kPeerMac, Ipv4Addr(), kPa4).build());
  dp::meta(probe).l3Offset = 14;
  resolver_->onArp(probe);
  EXPECT_TRUE(table_->get()->entries().empty());
}

// A tenant's external interface: the request (ARP, or a solicitation for
// an IPv6 next hop) leaves tagged, from the gateway's address there; the
// answer teaches that interface's scope only; when the interface goes, so
// do its neighbours.
TEST_F(Resolver, TenantInterfaceNextHopsAreResolvedTaggedInTheirOwnScope) {
  fib::TenantInterface x;
  x.name = "A/ext";
  x.tenant = TenantId(1);
  x.port = 1;
  x.vlan = 100;
  x.mac = kOurMac;
  x.address = *Ipv4Addr::parse("198.51.100.1");
  x.prefixLength = 25;
  x.address6 = *Ipv6Addr::parse("2001:db8:64::1");
  auto tables = fib::TenantTables::build({x}, {});
  ASSERT_TRUE(tables.ok());
  dp::Published<fib::TenantTables> tenants(*rcu_, std::make_unique<const fib::TenantTables>(std::move(*tables)));
  resolver_->setTenantTables(&tenants);
  const auto scope = tenants.get()->interfaces()[0].scope;
  const Ipv4Addr router = *Ipv4Addr::parse("198.51.100.126");

  rte_mbuf* m = heldFrame(router, 1);
  dp::meta(m).txPort = 1;
  dp::meta(m).vlan = 100;
  dp::meta(m).flags |= dp::kMetaFlagExternal;
  resolver_->onMiss(m);
  auto sent = injected();
  ASSERT_EQ(sent.size(), 1u);
  auto want = PacketBuilder().eth(kOurMac, MacAddr::broadcast()).vlan(100).arpRequest(kOurMac, x.address, router).build();
  want.resize(64, 0);
  EXPECT_EQ(sent[0].second, want);

  rte_mbuf* reply = mbufOf(PacketBuilder().eth(kPeerMac, kOurMac).vlan(100).arpReply(kPeerMac, router, kOurMac, x.address).build());
  dp::meta(reply).rxPort = 1;
  dp::meta(reply).vlan = 100;
  dp::meta(reply).flags |= dp::kMetaFlagExternal;
  dp::meta(reply).l3Offset = 18;
  resolver_->onArp(reply);
  ASSERT_NE(table_->get()->find(router, scope), nullptr);
  EXPECT_EQ(table_->get()->find(router, scope)->mac, kPeerMac);
  EXPECT_EQ(table_->get()->find(router), nullptr) << "not the underlay's";
  EXPECT_EQ(injected().size(), 1u) << "the held frame, released";

  // An IPv6 next hop there (a router by its link-local address) is solicited
  // tagged from the interface's IPv6 address; the advertisement teaches the
  // interface's scope and releases the frame.
  const Ipv6Addr router6 = *Ipv6Addr::parse("fe80::fe");
  rte_mbuf* v6 = heldFrame(router6, 2);
  dp::meta(v6).txPort = 1;
  dp::meta(v6).vlan = 100;
  dp::meta(v6).flags |= dp::kMetaFlagExternal;
  resolver_->onMiss(v6);
  sent = injected();
  ASSERT_EQ(sent.size(), 1u);
  const Ipv6Addr group = router6.solicitedNode();
  EXPECT_EQ(sent[0].second, PacketBuilder()
                                .eth(kOurMac, MacAddr::forIpv6Multicast(group))
                                .vlan(100)
                                .ipv6(*x.address6, group)
                                .ttl(255)
                                .neighborSolicitation(router6, kOurMac)
                                .build());
  rte_mbuf* na = mbufOf(PacketBuilder()
                            .eth(kPeerMac, kOurMac)
                            .vlan(100)
                            .ipv6(router6, *x.address6)
                            .ttl(255)
                            .neighborAdvertisement(wire::NaFlags{true, true, true}, router6, kPeerMac)
                            .build());
  dp::meta(na).rxPort = 1;
  dp::meta(na).vlan = 100;
  dp::meta(na).flags |= dp::kMetaFlagExternal;
  dp::meta(na).l3Offset = 18;
  dp::meta(na).l4Offset = 58;
  resolver_->onNd(na);
  ASSERT_NE(table_->get()->find(IpAddr(router6), scope), nullptr);
  EXPECT_EQ(table_->get()->find(IpAddr(router6), scope)->mac, kPeerMac);
  EXPECT_EQ(table_->get()->find(IpAddr(router6)), nullptr) << "not the underlay's";
  EXPECT_EQ(injected().size(), 1u) << "the held frame, released";

  tenants.publish(std::make_unique<const fib::TenantTables>());
  resolver_->forgetGoneScopes();
  EXPECT_EQ(table_->get()->find(router, scope), nullptr);
}

}  // namespace
}  // namespace hnv::test
