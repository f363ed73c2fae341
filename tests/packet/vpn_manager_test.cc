// VpnManager: what hnvgwd does with hnv-iked's messages, on a real
// cryptodev: which SAs it accepts, the tunnels, SAD and routes they make,
// rekeys, deletion, counters and volume expiry, statistics and metrics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rte_cycles.h>

#include <boost/json/serialize.hpp>

#include "graph_harness.h"
#include "hnv/vpn/manager.h"
#include "hnv/vpn/rate_limiter.h"

namespace hnv::vpn {
namespace {

using ::testing::HasSubstr;

IpAddr ip(const char* t) { return *IpAddr::parse(t); }
Ipv4Addr v4(const char* t) { return *Ipv4Addr::parse(t); }

S2sInterface siteA() {
  S2sInterface x;
  x.name = "aaaa/site-a";
  x.rdid = "aaaaaaaa-0000-4000-8000-000000000001";
  x.shortName = "site-a";
  x.tenant = TenantId(1);
  x.outside = TenantId(3);
  x.local = v4("192.0.2.5");
  x.remote = v4("198.51.100.2");
  x.localPrefixes = {*Prefix::parse("10.0.1.0/24")};
  x.remotePrefixes = {{*Prefix::parse("172.16.1.0/24"), 10}, {*Prefix::parse("172.16.2.0/24"), 20}};
  return x;
}

ikeipc::SaAdd sa(std::uint32_t spi, bool inbound, std::uint32_t ifId = 1) {
  ikeipc::SaAdd a;
  a.spi = spi;
  a.inbound = inbound;
  a.src = inbound ? ip("198.51.100.2") : ip("192.0.2.5");
  a.dst = inbound ? ip("192.0.2.5") : ip("198.51.100.2");
  a.srcPort = a.dstPort = 4500;
  a.encap = true;
  a.encAlg = 20;
  a.encKey.assign(36, static_cast<std::uint8_t>(spi));
  a.intAlg = 1024;
  a.replayWindow = 32;
  a.ifId = ifId;
  a.softPackets = 5;
  a.hardPackets = 8;
  ikeipc::Selector theirs{ip("172.16.1.0"), ip("172.16.1.255"), 0, 0, 65535};
  ikeipc::Selector ours{ip("10.0.1.0"), ip("10.0.1.255"), 0, 0, 65535};
  a.srcTs = {inbound ? theirs : ours};
  a.dstTs = {inbound ? ours : theirs};
  return a;
}

class Manager : public ::testing::Test {
 protected:
  void SetUp() override {
    test::testPool();
    auto rcu = dp::Rcu::create(1);
    ASSERT_TRUE(rcu.ok());
    rcu_ = std::move(rcu).value();
    CryptoDevice::Options o;
    o.sessions = 64;
    o.descriptors = 256;
    auto dev = CryptoDevice::open(o);
    ASSERT_TRUE(dev.ok()) << dev.error().message();
    device_ = std::move(*dev);
    mgr_ = std::make_unique<VpnManager>(*rcu_, device_.get());
    mgr_->onRoutesChanged = [this] { ++routeChanges_; };
    mgr_->configure({siteA()});
    routeChanges_ = 0;
  }
  void TearDown() override { mgr_.reset(); }
  ikeipc::Result_ add(const ikeipc::SaAdd& a) {
    auto r = mgr_->handle(a);
    EXPECT_TRUE(r.has_value());
    return r ? std::get<ikeipc::Result_>(*r) : ikeipc::Result_{};
  }
  std::vector<fib::RouteKind> kinds() const {
    std::vector<fib::RouteKind> k;
    for (const auto& r : mgr_->routes()) k.push_back(r.target.kind);
    return k;
  }
  std::unique_ptr<dp::Rcu> rcu_;
  std::unique_ptr<CryptoDevice> device_;
  std::unique_ptr<VpnManager> mgr_;
  int routeChanges_ = 0;
};

TEST(RateLimiterTest, RefillsAtItsRateKeepingFractionsUpToTheBurstAndCountsAtMostASecondIdle) {
  RateLimiter r;
  EXPECT_FALSE(r.limited());
  EXPECT_TRUE(r.admit(1u << 30, 0)) << "unconfigured: no limit";
  r.configure(1000, 3000, 0);  // 1000 bytes/s on a 3 kHz clock: a byte every 3 ticks
  ASSERT_TRUE(r.limited());
  const auto burst = static_cast<std::uint32_t>(RateLimiter::kMinBurst);  // 100 ms of 1000 B/s is less
  EXPECT_TRUE(r.admit(burst, 0)) << "the burst is there at once";
  EXPECT_FALSE(r.admit(1, 0));
  EXPECT_FALSE(r.admit(1, 2)) << "two ticks: two thirds of a byte";
  EXPECT_TRUE(r.admit(1, 5)) << "five ticks: one byte, two ticks over";
  EXPECT_TRUE(r.admit(1, 6)) << "the two ticks left over count: one more byte at tick 6";
  EXPECT_FALSE(r.admit(1, 7));
  EXPECT_TRUE(r.admit(500, 6 + 1500)) << "half a second later: 500 bytes";
  EXPECT_FALSE(r.admit(1, 6 + 1500));
  EXPECT_TRUE(r.admit(1000, 60 * 3000)) << "a minute idle counts as one second";
  EXPECT_FALSE(r.admit(1, 60 * 3000));
  EXPECT_FALSE(r.admit(1, 10)) << "a clock that went back adds nothing";
  // Another bucket carries on this one's state (an interface whose limit did not change).
  RateLimiter next;
  next.carryFrom(r);
  EXPECT_FALSE(next.admit(1, 60 * 3000)) << "not refilled by the carry";
  // 100 Gbit/s on a 3 GHz TSC: a second of refill does not overflow.
  r.configure(12'500'000'000, 3'000'000'000, 0);
  EXPECT_TRUE(r.admit(1'250'000'000, 0)) << "100 ms of the rate";
  EXPECT_FALSE(r.admit(1'000'000'000, 0));
  EXPECT_TRUE(r.admit(1'000'000'000, 2'999'999'999));
}

TEST_F(Manager, AnSaForNoConfiguredInterfaceIsRefusedWithTheReason) {
  auto r = add(sa(0xc0000001, true, 2));  // tenant 2 has no S2S interface here
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("no S2S interface of tenant 2 between 192.0.2.5 and 198.51.100.2"), std::string::npos)
      << r.error;
  auto bad = sa(0xc0000002, true);
  bad.encKey.resize(19);  // a GCM key needs 16/24/32 bytes and the salt
  r = add(bad);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("key and 4-byte salt"), std::string::npos) << r.error;
  EXPECT_TRUE(mgr_->tables().get()->sad.empty());
}

TEST_F(Manager, AnInterfaceIsUpWithAnOutboundSaAndRoutesItsRemotePrefixesThen) {
  // The endpoint is always reachable (IKE); the prefixes only while up.
  EXPECT_EQ(kinds(), std::vector<fib::RouteKind>{fib::RouteKind::VpnLocal});
  EXPECT_TRUE(add(sa(0xc0000001, true)).ok);
  EXPECT_FALSE(mgr_->up(0)) << "an inbound SA alone does not carry traffic out";
  EXPECT_EQ(routeChanges_, 0);
  EXPECT_TRUE(add(sa(0x11111111, false)).ok);
  EXPECT_TRUE(mgr_->up(0));
  EXPECT_EQ(routeChanges_, 1);
  const auto routes = mgr_->routes();
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[1].target.kind, fib::RouteKind::Vpn);
  EXPECT_EQ(routes[1].tenant, TenantId(1));
  EXPECT_EQ(routes[1].prefix.toString(), "172.16.1.0/24");
  EXPECT_EQ(routes[1].metric, 10u);
  EXPECT_EQ(routes[2].metric, 20u);
  EXPECT_EQ(routes[0].tenant, TenantId(3)) << "the endpoint lives in the outside domain";
  const VpnTables& t = *mgr_->tables().get();
  ASSERT_EQ(t.tunnels.size(), 1u);
  ASSERT_NE(t.tunnels[0].outbound, nullptr);
  EXPECT_EQ(t.tunnels[0].outbound->spec().spi, 0x11111111u);
  const InboundSa* in = t.inbound(0xc0000001);
  ASSERT_NE(in, nullptr);
  ASSERT_EQ(in->remote.size(), 1u);
  EXPECT_TRUE(in->remote[0].contains(v4("172.16.1.99")));
  EXPECT_FALSE(in->remote[0].contains(v4("10.0.1.99")));
  EXPECT_TRUE(in->local[0].contains(v4("10.0.1.99")));
  EXPECT_FALSE(add(sa(0x11111111, false)).ok) << "the same SPI and destination twice";
}

// An interface with IPv6 prefixes: its SAs carry IPv6 (the ESP trailer's
// next header 41), their selectors must all be IPv6 and name no protocol
// or ports, and a policy change of family drops them.
TEST_F(Manager, AnIpv6InterfacesSasCarryIpv6AndOnlyIpv6Selectors) {
  S2sInterface x = siteA();
  x.localPrefixes = {*Prefix::parse("fd00:1::/64")};
  x.remotePrefixes = {{*Prefix::parse("fd00:5::/64"), 10}};
  mgr_->configure({x});
  auto six = [](std::uint32_t spi, bool inbound) {
    ikeipc::SaAdd a = sa(spi, inbound);
    const ikeipc::Selector theirs{ip("fd00:5::"), ip("fd00:5::ffff:ffff:ffff:ffff"), 0, 0, 65535};
    const ikeipc::Selector ours{ip("fd00:1::"), ip("fd00:1::ffff:ffff:ffff:ffff"), 0, 0, 65535};
    a.srcTs = {inbound ? theirs : ours};
    a.dstTs = {inbound ? ours : theirs};
    return a;
  };
  auto r = add(sa(0xc0000011, true));
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.error, HasSubstr("traffic selector 172.16.1.0-172.16.1.255 is not IPv6 like the interface's prefixes"));
  ikeipc::SaAdd mixed = six(0xc0000012, true);
  mixed.dstTs.push_back({ip("10.0.1.0"), ip("10.0.1.255"), 0, 0, 65535});
  EXPECT_THAT(add(mixed).error, HasSubstr("is not IPv6")) << "no selector may be left unchecked";
  ikeipc::SaAdd ports = six(0xc0000013, true);
  ports.srcTs[0].protocol = 6;
  EXPECT_THAT(add(ports).error, HasSubstr("names a protocol or ports: not supported for IPv6"));
  EXPECT_TRUE(mgr_->tables().get()->sad.empty());

  ASSERT_TRUE(add(six(0xc0000014, true)).ok);
  ASSERT_TRUE(add(six(0x11111114, false)).ok);
  const VpnTables& t = *mgr_->tables().get();
  ASSERT_NE(t.tunnels[0].outbound, nullptr);
  EXPECT_TRUE(t.tunnels[0].inner6);
  EXPECT_TRUE(t.tunnels[0].outbound->spec().inner6);
  const InboundSa* in = t.inbound(0xc0000014);
  ASSERT_NE(in, nullptr);
  EXPECT_TRUE(in->inner6);
  EXPECT_TRUE(in->sa->spec().inner6);
  EXPECT_TRUE(in->remote.empty());
  ASSERT_EQ(in->remote6.size(), 1u);
  EXPECT_TRUE(in->remote6[0].contains(*Ipv6Addr::parse("fd00:5::99")));
  EXPECT_FALSE(in->remote6[0].contains(*Ipv6Addr::parse("fd00:1::99")));
  ASSERT_EQ(in->local6.size(), 1u);
  EXPECT_TRUE(in->local6[0].contains(*Ipv6Addr::parse("fd00:1::99")));
  const auto routes = mgr_->routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[1].prefix.toString(), "fd00:5::/64");
  const std::string stats = boost::json::serialize(mgr_->statistics());
  EXPECT_THAT(stats, HasSubstr("fd00:5::-fd00:5::ffff:ffff:ffff:ffff")) << stats;

  mgr_->configure({siteA()});  // the same interface, now IPv4 inside
  EXPECT_TRUE(mgr_->tables().get()->sad.empty()) << "an SA of the other family cannot stay";
  EXPECT_FALSE(mgr_->up(0));
}

// IPv6 outside: SAs between IPv6 endpoints, the endpoint routed as a /128,
// keyed and deleted by their IPv6 destination, reported to a standby with it.
TEST_F(Manager, AnInterfaceBetweenIpv6EndpointsTakesSasOfThoseEndsOnly) {
  S2sInterface x = siteA();
  x.local = ip("2001:db8:5::5");
  x.remote = ip("2001:db8:5::2");
  mgr_->configure({x});
  mgr_->keepOutboundKeys(true);
  EXPECT_FALSE(add(sa(0xc0000021, true)).ok) << "the IPv4 ends are no interface's any more";
  auto six = [](std::uint32_t spi, bool inbound) {
    ikeipc::SaAdd a = sa(spi, inbound);
    a.src = inbound ? ip("2001:db8:5::2") : ip("2001:db8:5::5");
    a.dst = inbound ? ip("2001:db8:5::5") : ip("2001:db8:5::2");
    return a;
  };
  ASSERT_TRUE(add(six(0xc0000022, true)).ok);
  ASSERT_TRUE(add(six(0x11111122, false)).ok);
  const VpnTables& t = *mgr_->tables().get();
  ASSERT_NE(t.tunnels[0].outbound, nullptr);
  EXPECT_EQ(t.tunnels[0].outbound->spec().remote, ip("2001:db8:5::2"));
  EXPECT_EQ(t.inbound(0xc0000022)->sa->spec().local, ip("2001:db8:5::5"));
  EXPECT_EQ(mgr_->remoteInUse(0), ip("2001:db8:5::2"));
  const auto routes = mgr_->routes();
  ASSERT_FALSE(routes.empty());
  EXPECT_EQ(routes[0].prefix.toString(), "2001:db8:5::5/128");
  EXPECT_EQ(routes[0].target.kind, fib::RouteKind::VpnLocal);
  auto reports = mgr_->sequenceReports(100, true);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].remote, ip("2001:db8:5::2"));
  EXPECT_FALSE(mgr_->handle(ikeipc::SaDel{0x11111122, ip("198.51.100.2")}).has_value());
  EXPECT_TRUE(mgr_->up(0)) << "a deletion for another destination leaves the SA";
  mgr_->handle(ikeipc::SaDel{0x11111122, ip("2001:db8:5::2")});
  EXPECT_FALSE(mgr_->up(0));
}

TEST_F(Manager, AnOnDemandInterfaceIsRoutedWhileDownAndItsTrafficDialsAtMostEveryInterval) {
  S2sInterface x = siteA();
  x.onDemand = true;
  mgr_->configure({x});
  routeChanges_ = 0;
  EXPECT_EQ(kinds(), (std::vector<fib::RouteKind>{fib::RouteKind::VpnLocal, fib::RouteKind::Vpn, fib::RouteKind::Vpn}))
      << "routed while down: traffic reaches the tunnel and asks for it";
  EXPECT_TRUE(mgr_->tables().get()->tunnels[0].onDemand);
  EXPECT_TRUE(mgr_->takeDemand(1000).empty()) << "no traffic, no dial";
  mgr_->tables().get()->demand(0);  // what esp-encrypt does
  auto d = mgr_->takeDemand(1000);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].connection, "aaaa/site-a");
  mgr_->tables().get()->demand(0);
  EXPECT_TRUE(mgr_->takeDemand(1000 + VpnManager::kDialIntervalMs - 1).empty()) << "charon may still be connecting";
  mgr_->tables().get()->demand(0);
  EXPECT_EQ(mgr_->takeDemand(1000 + VpnManager::kDialIntervalMs).size(), 1u) << "still wanted: dialed again";
  // Up: traffic is encrypted; a stray demand dials nothing.
  ASSERT_TRUE(add(sa(0x11111111, false)).ok);
  mgr_->tables().get()->demand(0);
  EXPECT_TRUE(mgr_->takeDemand(9000).empty());
  EXPECT_EQ(routeChanges_, 1);
}

TEST_F(Manager, BandwidthBucketsOutliveSnapshotsAndReconfigurationsThatKeepTheirLimit) {
  S2sInterface x = siteA();
  x.egressBytesPerSecond = 1000;
  mgr_->configure({x});
  const std::uint64_t now = rte_rdtsc();
  ASSERT_TRUE(mgr_->tables().get()->egress(0).admit(static_cast<std::uint32_t>(RateLimiter::kMinBurst), now));
  EXPECT_FALSE(mgr_->tables().get()->egress(0).admit(1000, now));
  ASSERT_TRUE(add(sa(0x11111111, false)).ok);  // a new snapshot
  EXPECT_FALSE(mgr_->tables().get()->egress(0).admit(1000, now)) << "a publish does not refill the bucket";
  mgr_->configure({x});  // the same limit
  EXPECT_FALSE(mgr_->tables().get()->egress(0).admit(1000, now)) << "nor a policy apply that keeps the limit";
  x.egressBytesPerSecond = 2000;
  mgr_->configure({x});
  EXPECT_TRUE(mgr_->tables().get()->egress(0).admit(1000, now)) << "a new limit starts full";
  EXPECT_FALSE(mgr_->tables().get()->ingress(0).limited());
}

TEST_F(Manager, ARekeysNewSaTakesOverAndTheTunnelGoesDownWithItsLastSa) {
  ASSERT_TRUE(add(sa(0x11111111, false)).ok);
  ASSERT_TRUE(add(sa(0x22222222, false)).ok);
  EXPECT_EQ(mgr_->tables().get()->tunnels[0].outbound->spec().spi, 0x22222222u) << "the newest SA carries traffic";
  mgr_->handle(ikeipc::SaDel{0x22222222, ip("198.51.100.2")});
  EXPECT_EQ(mgr_->tables().get()->tunnels[0].outbound->spec().spi, 0x11111111u);
  EXPECT_EQ(routeChanges_, 1) << "still up: no route change";
  mgr_->handle(ikeipc::SaDel{0x11111111, ip("198.51.100.2")});
  EXPECT_EQ(mgr_->tables().get()->tunnels[0].outbound, nullptr);
  EXPECT_EQ(routeChanges_, 2);
  EXPECT_EQ(kinds(), std::vector<fib::RouteKind>{fib::RouteKind::VpnLocal});
}

TEST_F(Manager, TicksReportCountersAndAskForRekeyThenDeletionAtTheVolumeLimits) {
  ASSERT_TRUE(add(sa(0x11111111, false)).ok);
  EspSa* out = mgr_->tables().get()->tunnels[0].outbound;
  auto msgs = mgr_->tick(100);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(std::get<ikeipc::Counters>(msgs[0]).sas.at(0).lastUse, 0u) << "never used";
  out->counters().packets = 5;
  out->counters().bytes = 500;
  msgs = mgr_->tick(101);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(std::get<ikeipc::Counters>(msgs[0]).sas.at(0).bytes, 500u);
  EXPECT_EQ(std::get<ikeipc::Counters>(msgs[0]).sas.at(0).lastUse, 101u);
  const auto& soft = std::get<ikeipc::Expire>(msgs[1]);
  EXPECT_FALSE(soft.hard);
  EXPECT_EQ(soft.dst, ip("198.51.100.2"));
  EXPECT_EQ(mgr_->tick(102).size(), 1u) << "a soft expiry is asked for once";
  out->counters().packets = 8;
  msgs = mgr_->tick(103);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_TRUE(std::get<ikeipc::Expire>(msgs[1]).hard);
  EXPECT_EQ(mgr_->tick(104).size(), 1u);
}

// A gateway cluster: the active reports its outbound sequence numbers by
// steps, the standby keeps them, and on becoming active rebuilds each
// outbound SA to continue a margin past the highest number used.
TEST_F(Manager, ClusterSequenceReportsGoByStepsAndATakeoverContinuesPastThem) {
  mgr_->keepOutboundKeys(true);
  ASSERT_TRUE(add(sa(0x11111111, false)).ok);
  ASSERT_TRUE(add(sa(0xc0000001, true)).ok);
  EspSa* out = mgr_->tables().get()->tunnels[0].outbound;
  // The active's side.
  auto all = mgr_->sequenceReports(100, true);
  ASSERT_EQ(all.size(), 1u) << "outbound SAs only";
  EXPECT_EQ(all[0].spi, 0x11111111u);
  EXPECT_EQ(all[0].remote, v4("198.51.100.2"));
  EXPECT_EQ(all[0].last, 0u);
  out->counters().sequencesUsed = 99;
  EXPECT_TRUE(mgr_->sequenceReports(100, false).empty()) << "less than a step since the last report";
  ASSERT_TRUE(add(sa(0x44444444, false)).ok);
  auto fresh = mgr_->sequenceReports(100, false);
  ASSERT_EQ(fresh.size(), 1u) << "a new SA is reported at once";
  EXPECT_EQ(fresh[0].spi, 0x44444444u);
  mgr_->handle(ikeipc::SaDel{0x44444444, ip("198.51.100.2")});
  EXPECT_EQ(mgr_->sequenceReports(100, false).size(), 1u) << "and its end";
  out = mgr_->tables().get()->tunnels[0].outbound;
  out->counters().sequencesUsed = 100;
  auto step = mgr_->sequenceReports(100, false);
  ASSERT_EQ(step.size(), 1u);
  EXPECT_EQ(step[0].last, 100u);
  EXPECT_TRUE(mgr_->sequenceReports(100, false).empty()) << "reported already";

  // The standby's side: the report (newer numbers only), then the takeover.
  mgr_->noteSequence({0x11111111, v4("198.51.100.2"), 5000});
  mgr_->noteSequence({0x11111111, v4("198.51.100.2"), 4000});  // an older report changes nothing
  mgr_->noteSequence({0x99999999, v4("198.51.100.2"), 7});     // an SA not here (yet) is kept too
  EXPECT_EQ(mgr_->advanceOutbound(65536).rebuilt, 1u);
  EspSa* rebuilt = mgr_->tables().get()->tunnels[0].outbound;
  ASSERT_NE(rebuilt, nullptr);
  EXPECT_NE(rebuilt, out) << "a new SA object, published";
  EXPECT_EQ(rebuilt->spec().spi, 0x11111111u);
  EXPECT_EQ(rebuilt->lastSequence(), 5000u + 65536u) << "the next packet carries 5000 + 65536 + 1";
  EXPECT_NE(mgr_->tables().get()->inbound(0xc0000001), nullptr) << "inbound SAs stay as they are";
  // Its own numbers count when they are higher than the report.
  rebuilt->counters().sequencesUsed = 200000;
  EXPECT_EQ(mgr_->advanceOutbound(10).rebuilt, 1u);
  EXPECT_EQ(mgr_->tables().get()->tunnels[0].outbound->lastSequence(), 5000u + 65536u + 200000u + 10u);
  // Standby: what the active reports and this member lacks; a deleted SA's report goes.
  EXPECT_EQ(mgr_->missingReported(), 1u) << "0x99999999: reported by the active, not here";
  mgr_->noteSequence({0x99999999, v4("198.51.100.2"), VpnManager::kGone});
  EXPECT_EQ(mgr_->missingReported(), 0u);
  // Active: a deleted outbound SA is reported as gone once.
  ASSERT_TRUE(add(sa(0x33333333, false)).ok);
  mgr_->handle(ikeipc::SaDel{0x33333333, ip("198.51.100.2")});
  auto gone = mgr_->sequenceReports(100, false);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].spi, 0x33333333u);
  EXPECT_EQ(gone[0].last, VpnManager::kGone);
  EXPECT_TRUE(mgr_->sequenceReports(100, false).empty());
  // Without kept keys (a member that is no cluster member) nothing is rebuilt.
  mgr_->keepOutboundKeys(false);
  ASSERT_TRUE(add(sa(0x22222222, false)).ok);
  EXPECT_EQ(mgr_->advanceOutbound(10).rebuilt, 1u) << "only the SA with kept keys";
  // Too close to the end of a 32-bit sequence space: not rebuilt, rekeyed instead.
  mgr_->noteSequence({0x11111111, v4("198.51.100.2"), 0xffffff00u});
  auto near = mgr_->advanceOutbound(65536);
  ASSERT_EQ(near.rekey.size(), 1u);
  EXPECT_EQ(near.rekey[0].spi, 0x11111111u);
  EXPECT_FALSE(near.rekey[0].hard);
  EXPECT_EQ(near.rekey[0].dst, ip("198.51.100.2"));
}

TEST_F(Manager, ReconfiguringKeepsTheSasOfKeptInterfacesAndDropsTheOthers) {
  ASSERT_TRUE(add(sa(0x11111111, false)).ok);
  S2sInterface b = siteA();
  b.name = "bbbb/site-b";
  b.tenant = TenantId(2);
  mgr_->configure({b, siteA()});  // site-a moves to index 1
  ASSERT_EQ(mgr_->tables().get()->tunnels.size(), 2u);
  EXPECT_EQ(mgr_->tables().get()->tunnels[0].outbound, nullptr);
  ASSERT_NE(mgr_->tables().get()->tunnels[1].outbound, nullptr);
  S2sInterface moved = siteA();
  moved.remote = v4("198.51.100.9");
  mgr_->configure({b, moved});
  EXPECT_EQ(mgr_->tables().get()->tunnels[1].outbound, nullptr) << "a new peer address: the old SAs cannot serve it";
}

TEST_F(Manager, ClearingForgetsEverySaAndTakesTheTunnelsDown) {
  ASSERT_TRUE(add(sa(0xc0000001, true)).ok);
  ASSERT_TRUE(add(sa(0x11111111, false)).ok);
  ASSERT_EQ(routeChanges_, 1);
  mgr_->clearSas();
  EXPECT_TRUE(mgr_->tables().get()->sad.empty());
  EXPECT_EQ(mgr_->tables().get()->tunnels.at(0).outbound, nullptr);
  EXPECT_EQ(routeChanges_, 2);
  EXPECT_TRUE(add(sa(0x11111111, false)).ok) << "the same SA handed over again is accepted";
}

TEST_F(Manager, StatisticsShowStateSasAndTheLastError) {
  mgr_->handle(ikeipc::Event{"alert", "aaaa/site-a", "", "local-auth-failed", 0, 0});
  auto stats = mgr_->statistics();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].at("state").as_string(), "disconnected");
  EXPECT_EQ(stats[0].at("lastError").as_string(), "local-auth-failed");
  mgr_->handle(ikeipc::Event{"ike-up", "aaaa/site-a", "", "", 0, 0});
  ASSERT_TRUE(add(sa(0x11111111, false)).ok);
  stats = mgr_->statistics();
  EXPECT_EQ(stats[0].at("state").as_string(), "connected");
  EXPECT_EQ(stats[0].at("lastError").as_string(), "");
  ASSERT_EQ(stats[0].at("sas").as_array().size(), 1u);
  EXPECT_EQ(stats[0].at("sas").as_array()[0].at("spi").as_string(), "11111111");
}

TEST_F(Manager, SasMayEndAtAnAlternateDestinationWhichStatisticsThenShow) {
  S2sInterface x = siteA();
  x.alternates = {v4("198.51.100.7")};
  mgr_->configure({x});
  auto alt = [](ikeipc::SaAdd a) {
    (a.inbound ? a.src : a.dst) = ip("198.51.100.7");
    return a;
  };
  auto stats = mgr_->statistics();
  EXPECT_EQ(boost::json::serialize(stats[0].at("destinations")), R"(["198.51.100.2","198.51.100.7"])");
  EXPECT_EQ(stats[0].at("remote").as_string(), "198.51.100.2") << "nothing tried yet: the destination";
  // hnv-iked went on to the alternate: shown while connecting; an address
  // that is none of the interface's is ignored.
  mgr_->handle(ikeipc::Event{"destination", "aaaa/site-a", "", "198.51.100.9", 0, 0});
  EXPECT_EQ(mgr_->statistics()[0].at("remote").as_string(), "198.51.100.2");
  mgr_->handle(ikeipc::Event{"destination", "aaaa/site-a", "", "198.51.100.7", 0, 0});
  EXPECT_EQ(mgr_->statistics()[0].at("remote").as_string(), "198.51.100.7");
  // The alternate did not answer either and that was the dial's last try:
  // no destination event follows; the next dial starts at the destination.
  mgr_->handle(ikeipc::Event{"alert", "aaaa/site-a", "", "peer-unreachable", 0, 0});
  EXPECT_EQ(mgr_->statistics()[0].at("remote").as_string(), "198.51.100.2");
  EXPECT_EQ(mgr_->statistics()[0].at("lastError").as_string(), "peer-unreachable");
  // Dialed again, the destination did not answer: on to the alternate.
  mgr_->handle(ikeipc::Event{"alert", "aaaa/site-a", "", "peer-unreachable", 0, 0});
  mgr_->handle(ikeipc::Event{"destination", "aaaa/site-a", "", "198.51.100.7", 0, 0});
  EXPECT_EQ(mgr_->statistics()[0].at("remote").as_string(), "198.51.100.7");
  ASSERT_TRUE(add(alt(sa(0xc0000001, true))).ok);
  ASSERT_TRUE(add(alt(sa(0x11111111, false))).ok);
  mgr_->handle(ikeipc::Event{"ike-up", "aaaa/site-a", "", "", 0, 0});
  ASSERT_TRUE(mgr_->up(0));
  EXPECT_EQ(mgr_->tables().get()->tunnels[0].outbound->spec().remote.toString(), "198.51.100.7")
      << "ESP goes to where the SA ends, not to the first destination";
  EXPECT_EQ(mgr_->statistics()[0].at("remote").as_string(), "198.51.100.7");
  auto other = sa(0xc0000002, true);
  other.src = ip("198.51.100.9");
  EXPECT_FALSE(add(other).ok) << "an address that is none of the site's";
  // Another alternate added: the SAs stay; the one they use dropped: they go.
  x.alternates.push_back(v4("198.51.100.8"));
  mgr_->configure({x});
  EXPECT_TRUE(mgr_->up(0));
  EXPECT_EQ(mgr_->tables().get()->sad.size(), 1u);
  mgr_->configure({siteA()});
  EXPECT_FALSE(mgr_->up(0));
  EXPECT_TRUE(mgr_->tables().get()->sad.empty());
}

TEST_F(Manager, MetricsShowEachInterfaceUpOrDownWithItsSasByDirection) {
  EXPECT_THAT(mgr_->metricsText(), HasSubstr("hnv_vpn_interface_up{tenant=\"aaaaaaaa-0000-4000-8000-000000000001\",interface=\"site-a\"} 0\n"));
  ASSERT_TRUE(add(sa(0xc0000001, true)).ok);
  ASSERT_TRUE(add(sa(0x11111111, false)).ok);
  const std::string text = mgr_->metricsText();
  EXPECT_THAT(text, HasSubstr("# TYPE hnv_vpn_interface_up gauge\n"));
  EXPECT_THAT(text, HasSubstr("hnv_vpn_interface_up{tenant=\"aaaaaaaa-0000-4000-8000-000000000001\",interface=\"site-a\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hnv_vpn_interface_sas{tenant=\"aaaaaaaa-0000-4000-8000-000000000001\",interface=\"site-a\",direction=\"in\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hnv_vpn_interface_sas{tenant=\"aaaaaaaa-0000-4000-8000-000000000001\",interface=\"site-a\",direction=\"out\"} 1\n"));
}

// A restarted hnvgwd gets its SAs back from hnv-iked with their use: an
// outbound one continues past every sequence number the old process may
// have sent, and both keep counting towards their volume lifetime. Twice:
// the second restart goes past the sequence numbers, not the packet count
// (after the first the two differ by the margin).
TEST_F(Manager, AnSaHandedOverAgainContinuesItsSequenceNumbersAndItsVolume) {
  auto out = sa(0x11111111, false);
  out.hardPackets = out.softPackets = 0;
  out.handedOver = true;
  out.usedPackets = 1000;
  out.usedBytes = 150000;
  out.usedSequence = 1000;
  auto in = sa(0xc0000001, true);
  in.handedOver = true;
  in.usedPackets = 7;
  ASSERT_TRUE(add(out).ok);
  ASSERT_TRUE(add(in).ok);
  const EspSa* esp = mgr_->tables().get()->tunnels.at(0).outbound;
  ASSERT_NE(esp, nullptr);
  EXPECT_EQ(esp->lastSequence(), 1000 + VpnManager::kHandOverMargin) << "the next packet goes past the margin";
  EXPECT_EQ(esp->counters().packets.load(), 1000u);
  EXPECT_EQ(esp->counters().bytes.load(), 150000u);
  const auto stats = mgr_->statistics();
  for (const auto& s : stats[0].at("sas").as_array()) {
    EXPECT_EQ(s.at("packets").to_number<std::uint64_t>(), s.at("direction") == "in" ? 7u : 1000u);
  }
  // What the next report to hnv-iked says: the sequence high-water mark.
  const auto report = mgr_->tick(1);
  const auto& counters = std::get<ikeipc::Counters>(report.at(0));
  for (const auto& c : counters.sas) {
    EXPECT_EQ(c.sequence, c.spi == 0x11111111u ? 1000 + VpnManager::kHandOverMargin : 0u) << c.spi;
  }

  // Restarted again: handed over with that report.
  VpnManager second(*rcu_, device_.get());
  second.configure({siteA()});
  out.usedSequence = 1000 + VpnManager::kHandOverMargin;
  ASSERT_TRUE(std::get<ikeipc::Result_>(*second.handle(out)).ok);
  EXPECT_EQ(second.tables().get()->tunnels.at(0).outbound->lastSequence(), 1000 + 2 * VpnManager::kHandOverMargin);
}

TEST_F(Manager, AnSaHandedOverBeforeAnyReportStillStartsPastTheMargin) {
  auto out = sa(0x11111111, false);
  out.handedOver = true;  // the old hnvgwd died within its first second: no use known
  ASSERT_TRUE(add(out).ok);
  EXPECT_EQ(mgr_->tables().get()->tunnels.at(0).outbound->lastSequence(), VpnManager::kHandOverMargin);
  auto fresh = sa(0x22222222, false);  // a new SA (not handed over) starts at 1
  ASSERT_TRUE(add(fresh).ok);
  EXPECT_EQ(mgr_->tables().get()->tunnels.at(0).outbound->lastSequence(), 0u);
}

TEST_F(Manager, AnOutboundSaHandedOverTooNearItsLastSequenceNumberIsRekeyed) {
  auto out = sa(0x11111111, false);
  out.handedOver = true;
  out.usedPackets = out.usedSequence = 0xffffffffull - 10;  // no ESN: the margin does not fit
  auto r = mgr_->handle(out);
  ASSERT_TRUE(r.has_value());
  const auto* expire = std::get_if<ikeipc::Expire>(&*r);
  ASSERT_NE(expire, nullptr) << "a soft expiry, so that charon rekeys it";
  EXPECT_EQ(expire->spi, 0x11111111u);
  EXPECT_FALSE(expire->hard);
  EXPECT_EQ(mgr_->tables().get()->tunnels.at(0).outbound, nullptr);
}

TEST(ManagerWithoutCrypto, RefusesEverySaAndSaysWhy) {
  test::testPool();
  auto rcu = dp::Rcu::create(1);
  ASSERT_TRUE(rcu.ok());
  VpnManager m(**rcu, nullptr);
  m.configure({siteA()});
  auto r = m.handle(sa(0xc0000001, true));
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(std::get<ikeipc::Result_>(*r).error.find("no crypto device"), std::string::npos);
}

}  // namespace
}  // namespace hnv::vpn
