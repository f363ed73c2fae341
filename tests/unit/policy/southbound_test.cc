// The southbound side: each node's desired state and scope, which changes
// concern a node, status reports and the derived record fields they drive,
// and learned addresses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy_fixture.h"

namespace hnv::policy::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class Southbound : public PolicyFixture {
 protected:
  void SetUp() override {
    PolicyFixture::SetUp();
    buildTypical();
    ASSERT_FALSE(HasFailure());
  }
  template <class T>
  std::vector<std::string> keysIn(const json::object& state) {
    return keysOf<T>(state.at(KindTraits<T>::kName).as_array());
  }
  std::vector<std::string> scopeOf(const json::object& state) {
    std::vector<std::string> out;
    for (const auto& v : state.at("scope").as_array()) out.emplace_back(v.as_string());
    return out;
  }
  bool unsynchronized(const std::string& key) { return get(kLr, key).at("unsynchronized").as_bool(); }
  bool unusable(const std::string& key) { return get(kLr, key).at("unusable").as_bool(); }
  void reportAll() {
    for (const char* n : {"host1", "host2", "gw1"}) {
      auto s = engine.reportStatus(n, engine.revision(), "ok");
      EXPECT_TRUE(s) << describe(s.error());
    }
  }
  Result<std::vector<Change>> learn(std::string_view node, std::string_view body) {
    return engine.learn(node, J(body));
  }
};

TEST_F(Southbound, HostGetsWholeDomainsOfItsRecords) {
  auto s = desired("host1");
  EXPECT_EQ(s.at("node"), "host1");
  EXPECT_EQ(s.at("role"), "host");
  EXPECT_EQ(s.at("revision"), engine.revision());
  EXPECT_THAT(scopeOf(s), ElementsAre(std::string(kRdidA)));
  EXPECT_THAT(keysIn<RoutingDomain>(s), ElementsAre(std::string(kRdidA)));
  EXPECT_THAT(keysIn<VirtualSubnet>(s), ElementsAre("5001", "5002"));
  // Records of every subnet of A (host1 holds none of 5001/10.0.1.11, still needs it), none of B.
  EXPECT_THAT(keysIn<LookupRecord>(s),
              ElementsAre(kRecWeb1, kRecWeb2, kRecGwA, kRecWeb1v6, kRecL2, kRecDb1, kRecDb1v6));
  EXPECT_THAT(keysIn<CustomerRoute>(s), ElementsAre(kRouteDefaultA));
  EXPECT_THAT(keysIn<ProviderAddress>(s), ElementsAre("host1/192.168.0.11"));
  EXPECT_THAT(keysIn<ProviderRoute>(s), ElementsAre("host1/0.0.0.0/0/192.168.0.254"));
  EXPECT_EQ(s.at("global").at("useExternalRouter"), false);
  // Items carry their revision fields.
  const auto& first = s.at("lookup-records").as_array().front().as_object();
  EXPECT_TRUE(first.contains("revision"));
  EXPECT_TRUE(first.contains("createdRevision"));
  EXPECT_FALSE(s.contains("nodes"));
}

TEST_F(Southbound, HostWithRecordsOfTwoTenants) {
  auto s = desired("host2");
  EXPECT_THAT(scopeOf(s), ElementsAre(std::string(kRdidA), std::string(kRdidB)));
  EXPECT_THAT(keysIn<VirtualSubnet>(s), ElementsAre("5001", "5002", "6001"));
  EXPECT_EQ(s.at("lookup-records").as_array().size(), 10u);
  EXPECT_THAT(keysIn<ProviderAddress>(s), ElementsAre("host2/192.168.0.12"));
  EXPECT_THAT(keysIn<ProviderRoute>(s), IsEmpty());
}

TEST_F(Southbound, GatewayGetsItsPlacedTenantsOnly) {
  // gw1's PA carries B's GatewayWildcard, but only A is placed on it.
  auto s = desired("gw1");
  EXPECT_EQ(s.at("role"), "gateway");
  EXPECT_THAT(scopeOf(s), ElementsAre(std::string(kRdidA)));
  EXPECT_THAT(keysIn<VirtualSubnet>(s), ElementsAre("5001", "5002"));
  for (const auto& key : keysIn<LookupRecord>(s)) EXPECT_FALSE(key.starts_with("6001/")) << key;
  must(patchOp(kNode, "gw1", R"({"tenants":["@B"]})"));
  s = desired("gw1");
  EXPECT_THAT(scopeOf(s), ElementsAre(std::string(kRdidB)));
  EXPECT_THAT(keysIn<LookupRecord>(s), ElementsAre(kRecWildB, kRecB1, kRecB2));
  EXPECT_THAT(keysIn<CustomerRoute>(s), IsEmpty());
}

// The forwarding gateway's objects go to gateways serving the tenant, never
// to the tenant's hosts, in the snapshot and in the stream.
TEST_F(Southbound, ExternalInterfacesAndGatewayRoutesReachGatewaysOnly) {
  must(createOp(kXi, exampleOf(kXi)));
  must(createOp(kGr, exampleOf(kGr)));
  const std::string iface = std::string(kRdidA) + "/ext-a";
  const std::string route = std::string(kRdidA) + "/203.0.113.0/24/ext-a";
  auto gw = desired("gw1");
  EXPECT_THAT(keysIn<ExternalInterface>(gw), ElementsAre(iface));
  EXPECT_THAT(keysIn<GatewayRoute>(gw), ElementsAre(route));
  auto host = desired("host1");
  EXPECT_THAT(keysIn<ExternalInterface>(host), IsEmpty());
  EXPECT_THAT(keysIn<GatewayRoute>(host), IsEmpty());

  const auto* gw1 = engine.state().find<NodeEntry>("gw1");
  const auto* host1 = engine.state().find<NodeEntry>("host1");
  ASSERT_NE(gw1, nullptr);
  ASSERT_NE(host1, nullptr);
  auto changes = run(patchOp(kGr, route, R"({"metric":7})"));
  ASSERT_TRUE(changes) << describe(changes.error());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_TRUE(engine.concerns(gw1->object, engine.state().scope(gw1->object), changes->front()));
  EXPECT_FALSE(engine.concerns(host1->object, engine.state().scope(host1->object), changes->front()));
}

// A gateway receives the NAT objects of the routing domains placed on it,
// not those of others; hosts never receive them, in the snapshot or the
// stream. The outside domain comes by its own placement.
TEST_F(Southbound, NatObjectsReachGatewaysOfPlacedTenantsOnly) {
  const std::string a(kRdidA), b(kRdidB), x(kRdidX);
  must(patchOp(kNode, "gw1", R"({"tenants":["@A","@B"]})"));
  must(createOp(kNi, exampleOf(kNi)));
  must(createOp(kNa, exampleOf(kNa)));
  must(createOp(kNm, exampleOf(kNm)));
  // X, not placed on gw1, has a NAT too (into A).
  addDomain(kRdidX, "x");
  must(createOp(kNi, R"({"rdid":"@X","externalRdid":"@A"})"));
  must(createOp(kNa, R"({"rdid":"@X","address":"192.0.2.50"})"));

  auto gw = desired("gw1");
  EXPECT_THAT(scopeOf(gw), ElementsAre(a, b));
  EXPECT_THAT(keysIn<NatInstance>(gw), ElementsAre(a));
  EXPECT_THAT(keysIn<NatExternalAddress>(gw), ElementsAre(a + "/203.0.113.10"));
  EXPECT_THAT(keysIn<NatStaticMapping>(gw), ElementsAre(a + "/tcp/203.0.113.10/80"));
  for (const char* node : {"host1", "host2"}) {
    auto host = desired(node);
    EXPECT_THAT(keysIn<NatInstance>(host), IsEmpty()) << node;
    EXPECT_THAT(keysIn<NatExternalAddress>(host), IsEmpty()) << node;
    EXPECT_THAT(keysIn<NatStaticMapping>(host), IsEmpty()) << node;
  }
  // A gateway serving X gets X's NAT (and A's, placed there as X's outside).
  addNode("gw2", "gateway", R"("tenants":["@X","@A","@B"])");
  auto gw2 = desired("gw2");
  EXPECT_THAT(keysIn<NatInstance>(gw2), ElementsAre(a, x));
  EXPECT_THAT(keysIn<NatExternalAddress>(gw2), ElementsAre(a + "/203.0.113.10", x + "/192.0.2.50"));

  const auto* gw1 = engine.state().find<NodeEntry>("gw1");
  const auto* host1 = engine.state().find<NodeEntry>("host1");
  ASSERT_NE(gw1, nullptr);
  ASSERT_NE(host1, nullptr);
  const auto gw1Scope = engine.state().scope(gw1->object);
  const auto host1Scope = engine.state().scope(host1->object);
  for (const auto& op :
       {patchOp(kNi, "@A", R"({"maxSessions":7})"), patchOp(kNa, "@A/203.0.113.10", R"({"lastPort":60000})"),
        patchOp(kNm, "@A/tcp/203.0.113.10/80", R"({"internalPort":8081})")}) {
    auto changes = run(op);
    ASSERT_TRUE(changes) << describe(changes.error());
    ASSERT_EQ(changes->size(), 1u);
    EXPECT_TRUE(engine.concerns(gw1->object, gw1Scope, changes->front())) << op.kind;
    EXPECT_FALSE(engine.concerns(host1->object, host1Scope, changes->front())) << op.kind;
  }
  auto other = run(patchOp(kNi, "@X", R"({"maxSessions":7})"));
  ASSERT_TRUE(other) << describe(other.error());
  EXPECT_FALSE(engine.concerns(gw1->object, gw1Scope, other->front()));
}

TEST_F(Southbound, ScopeFollowsListedVsidsAndMovingRecords) {
  addNode("host3", "host", R"("vsids":[6001])");
  EXPECT_THAT(scopeOf(desired("host3")), ElementsAre(std::string(kRdidB)));
  EXPECT_THAT(keysIn<LookupRecord>(desired("host3")), ElementsAre(kRecWildB, kRecB1, kRecB2));
  EXPECT_THAT(keysIn<ProviderAddress>(desired("host3")), IsEmpty());

  // A record of B moving onto host1's PA brings B into host1's scope, and back.
  must(patchOp(kLr, kRecB1, R"({"pa":"192.168.0.11"})"));
  EXPECT_THAT(scopeOf(desired("host1")), ElementsAre(std::string(kRdidA), std::string(kRdidB)));
  must(patchOp(kLr, kRecB1, R"({"pa":"192.168.0.12"})"));
  EXPECT_THAT(scopeOf(desired("host1")), ElementsAre(std::string(kRdidA)));

  auto missing = engine.desiredState("host9");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::NotFound);
  EXPECT_EQ(missing.error().where, "node");
}

TEST_F(Southbound, Concerns) {
  const auto& host1 = engine.state().find<NodeEntry>("host1")->object;
  const auto scope = engine.state().scope(host1);
  ASSERT_EQ(scope.size(), 1u);
  auto history = engine.changesSince(0, 1000);
  ASSERT_TRUE(history);
  std::vector<std::string> concerned;
  for (const auto& c : *history) {
    if (engine.concerns(host1, scope, c)) concerned.push_back(c.kind + " " + c.key);
  }
  EXPECT_THAT(concerned,
              ElementsAre("routing-domains " + std::string(kRdidA), "virtual-subnets 5001", "virtual-subnets 5002",
                          "nodes host1", "provider-addresses host1/192.168.0.11",
                          "provider-routes host1/0.0.0.0/0/192.168.0.254", "lookup-records " + kRecWeb1,
                          "lookup-records " + kRecWeb1v6, "lookup-records " + kRecWeb2, "lookup-records " + kRecDb1,
                          "lookup-records " + kRecDb1v6, "lookup-records " + kRecL2, "lookup-records " + kRecGwA,
                          "customer-routes " + kRouteDefaultA));
  // Global settings concern everyone.
  auto g = run(patchOp(kGlobal, "", R"({"useExternalRouter":true})"));
  ASSERT_TRUE(g);
  EXPECT_TRUE(engine.concerns(host1, scope, g->front()));
  // Another node's entry does not.
  auto other = run(patchOp(kNode, "host2", R"({"description":"x"})"));
  ASSERT_TRUE(other);
  EXPECT_FALSE(engine.concerns(host1, scope, other->front()));
  // The removal of a record still concerns its hosts after its subnet is gone too.
  ASSERT_TRUE(runBatch({deleteOp(kLr, kRecDb1), deleteOp(kLr, kRecDb1v6), deleteOp(kLr, kRecL2)}));
  must(deleteOp(kVs, "5002"));
  auto tail = engine.changesSince(engine.revision() - 4, 10);
  ASSERT_TRUE(tail);
  ASSERT_EQ(tail->size(), 4u);
  for (const auto& c : *tail) EXPECT_TRUE(engine.concerns(host1, scope, c)) << c.kind << " " << c.key;
  // And once tenant B reuses VSID 5002, A's old records do not concern B's hosts.
  addNode("host3", "host");
  addPa("host3", "192.168.0.13", "00:1d:d8:00:00:13");
  must(createOp(kVs, R"({"vsid":5002,"rdid":"@B","prefixes":["10.0.2.0/24"]})"));
  addRecord(5002, "10.0.2.10", "00:15:5d:00:02:10", "192.168.0.13");
  const auto& host3 = engine.state().find<NodeEntry>("host3")->object;
  const auto scope3 = engine.state().scope(host3);
  ASSERT_EQ(scope3.size(), 1u);
  for (const auto& c : *tail) {
    if (c.kind == "lookup-records") {
      EXPECT_FALSE(engine.concerns(host3, scope3, c)) << c.key;
    }
  }
}

TEST_F(Southbound, ReportStatus) {
  auto unknown = engine.reportStatus("host9", 1, "ok");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::NotFound);
  auto future = engine.reportStatus("host1", engine.revision() + 1, "ok");
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().code, Errc::InvalidArgument);
  EXPECT_EQ(future.error().where, "appliedRevision");
  EXPECT_TRUE(engine.nodeStatus().empty());

  ASSERT_TRUE(engine.reportStatus("host1", 5, "degraded"));
  const auto& st = engine.nodeStatus();
  ASSERT_EQ(st.count("host1"), 1u);
  EXPECT_EQ(st.at("host1").appliedRevision, 5u);
  EXPECT_EQ(st.at("host1").health, "degraded");
  EXPECT_NE(st.at("host1").reportedAt, std::chrono::system_clock::time_point{});
  // Reports change no policy.
  EXPECT_EQ(engine.revision(), kTypicalObjects);
}

TEST_F(Southbound, UnsynchronizedUntilEveryServingNodeReports) {
  // host1, host2 and gw1 all serve A; nobody has reported yet.
  EXPECT_TRUE(unsynchronized(kRecWeb1));
  EXPECT_TRUE(unsynchronized(kRecB1));
  // Only host2 serves B.
  ASSERT_TRUE(engine.reportStatus("host2", engine.revision(), "ok"));
  EXPECT_FALSE(unsynchronized(kRecB1));
  EXPECT_TRUE(unsynchronized(kRecWeb1));
  ASSERT_TRUE(engine.reportStatus("host1", engine.revision(), "ok"));
  EXPECT_TRUE(unsynchronized(kRecWeb1));  // gw1 still behind
  ASSERT_TRUE(engine.reportStatus("gw1", engine.revision() - 1, "ok"));
  EXPECT_FALSE(unsynchronized(kRecWeb1));  // its revision is older than gw1's report
  reportAll();
  for (const auto& item : list(kLr)) EXPECT_FALSE(item.at("unsynchronized").as_bool()) << item;

  // A change makes just that record unsynchronized until the nodes catch up.
  must(patchOp(kLr, kRecWeb2, R"({"vmName":"web2"})"));
  EXPECT_TRUE(unsynchronized(kRecWeb2));
  EXPECT_FALSE(unsynchronized(kRecWeb1));
  EXPECT_FALSE(unsynchronized(kRecB1));
  EXPECT_EQ(list(kLr, {{"unsynchronized", "true"}}).size(), 1u);
  reportAll();
  EXPECT_FALSE(unsynchronized(kRecWeb2));
}

TEST_F(Southbound, UnusableWithoutAnOwnerOfThePa) {
  for (const auto& item : list(kLr)) EXPECT_FALSE(item.at("unusable").as_bool()) << item;
  addRecord(5002, "10.0.2.30", "00:15:5d:00:00:30", "192.168.0.99");
  EXPECT_TRUE(unusable("5002/10.0.2.30/00:15:5d:00:00:30"));
  addPa("host2", "192.168.0.99", "00:1d:d8:00:00:99");
  EXPECT_FALSE(unusable("5002/10.0.2.30/00:15:5d:00:00:30"));
  must(deleteOp(kPa, "host1/192.168.0.11"));
  EXPECT_TRUE(unusable(kRecWeb1));
  EXPECT_TRUE(unusable(kRecDb1));
  EXPECT_FALSE(unusable(kRecWeb2));
  // host1 lost its PA and with it its scope.
  EXPECT_THAT(scopeOf(desired("host1")), IsEmpty());
}

// Two gateway cluster members share a PA; removing one member's copy leaves
// the PA owned by the other.
TEST_F(Southbound, SharedClusterPaKeepsItsRemainingOwner) {
  addNode("gw2", "gateway", R"("tenants":["@A"])");
  addNode("gw3", "gateway", R"("tenants":["@A"])");
  addPa("gw2", "192.168.0.50", "00:1d:d8:00:00:50", true);
  addPa("gw3", "192.168.0.50", "00:1d:d8:00:00:50", true);
  addRecord(5001, "10.0.1.250", "00:15:5d:ff:00:50", "192.168.0.50");
  ASSERT_FALSE(HasFailure());
  must(deleteOp(kPa, "gw3/192.168.0.50"));
  const std::string* owner = engine.state().paOwner(*IpAddr::parse("192.168.0.50"));
  ASSERT_NE(owner, nullptr);
  EXPECT_EQ(*owner, "gw2");
  EXPECT_FALSE(unusable("5001/10.0.1.250/00:15:5d:ff:00:50"));
  must(deleteOp(kPa, "gw2/192.168.0.50"));
  EXPECT_EQ(engine.state().paOwner(*IpAddr::parse("192.168.0.50")), nullptr);
  EXPECT_TRUE(unusable("5001/10.0.1.250/00:15:5d:ff:00:50"));
}

TEST_F(Southbound, LearnCreatesADynamicRecordOnce) {
  const Revision r0 = engine.revision();
  int notified = 0;
  engine.subscribe([&](std::span<const Change>) { ++notified; });
  auto r = learn("host1", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00-15-5D-00-00-04"})");
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->size(), 1u);
  const std::string key = "5002/10.0.2.20/00:15:5d:00:00:04";
  EXPECT_EQ(r->front().key, key);
  EXPECT_EQ(r->front().op, ChangeOp::Put);
  EXPECT_EQ(engine.revision(), r0 + 1);
  EXPECT_EQ(notified, 1);
  auto rec = get(kLr, key);
  EXPECT_EQ(rec.at("type"), "Dynamic");
  EXPECT_EQ(rec.at("pa"), "192.168.0.11");
  EXPECT_EQ(rec.at("rule"), "TranslationMethodEncap");

  // Idempotent: the same report again changes nothing and commits nothing.
  const std::size_t attempts = store.attempts();
  auto again = learn("host1", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d:00:00:04"})");
  ASSERT_TRUE(again) << describe(again.error());
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(engine.revision(), r0 + 1);
  EXPECT_EQ(store.attempts(), attempts);
  EXPECT_EQ(notified, 1);

  // IPv6 CAs are learned the same way.
  auto v6 = learn("host1", R"({"vsid":5002,"ca":"fd00:2::20","mac":"00:15:5d:00:00:04"})");
  ASSERT_TRUE(v6) << describe(v6.error());
  EXPECT_EQ(get(kLr, "5002/fd00:2::20/00:15:5d:00:00:04").at("type"), "Dynamic");
}

TEST_F(Southbound, DynamicRecordsAgeOutUnlessTheirHostReportsThemAgain) {
  using namespace std::chrono_literals;
  const auto t0 = PolicyEngine::Clock::now();
  const std::string key = "5002/10.0.2.20/00:15:5d:00:00:04";
  const char* report = R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d:00:00:04"})";
  ASSERT_TRUE(engine.learn("host1", J(report), t0));
  // Aging off (the default): nothing ever expires.
  ASSERT_TRUE(engine.expireDynamic(t0 + 1000h)->empty());
  // Turned on much later: hosts did not refresh while it was off, so the
  // record is counted from the first sweep, not from its last report.
  must(patchOp(kGlobal, "default", R"({"dynamicRecordAgingSeconds":60})"));
  const auto t1 = t0 + 1000h + 1s;
  EXPECT_TRUE(engine.expireDynamic(t1)->empty());
  EXPECT_TRUE(engine.expireDynamic(t1 + 59s)->empty());
  // A report refreshes it (no commit).
  const Revision before = engine.revision();
  ASSERT_TRUE(engine.learn("host1", J(report), t1 + 50s));
  EXPECT_EQ(engine.revision(), before);
  EXPECT_TRUE(engine.expireDynamic(t1 + 100s)->empty()) << "50 s after the refresh";
  auto gone = engine.expireDynamic(t1 + 110s);
  ASSERT_TRUE(gone) << describe(gone.error());
  ASSERT_EQ(gone->size(), 1u);
  EXPECT_EQ(gone->front().key, key);
  EXPECT_EQ(gone->front().op, ChangeOp::Delete);
  EXPECT_FALSE(engine.get(kLr, key, Access::admin()).ok());
  // Static records and the L2Only record never age.
  EXPECT_TRUE(engine.get(kLr, kRecWeb1, Access::admin()).ok());
  EXPECT_TRUE(engine.get(kLr, kRecL2, Access::admin()).ok());
  // A Dynamic record nobody reported here (written through the API, or
  // loaded at start) is counted from the first sweep that sees it.
  must(createOp(kLr, R"({"vsid":5002,"ca":"10.0.2.21","mac":"00:15:5d:00:00:04","pa":"192.168.0.11","type":"Dynamic"})"));
  EXPECT_TRUE(engine.expireDynamic(t1 + 200s)->empty());
  EXPECT_EQ(engine.expireDynamic(t1 + 260s)->size(), 1u);
}

TEST_F(Southbound, TheAgingTimeIsZeroOrTenSecondsAtLeast) {
  auto r = run(patchOp(kGlobal, "default", R"({"dynamicRecordAgingSeconds":5})"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), ::testing::HasSubstr("must be 0 (never) or 10..604800"));
  EXPECT_FALSE(run(patchOp(kGlobal, "default", R"({"dynamicRecordAgingSeconds":700000})")).ok());
}

TEST_F(Southbound, LearnMovesACaToAnotherMac) {
  addRecord(5002, "0.0.0.0", "00:15:5d:00:00:05", "192.168.0.11", "L2Only");
  ASSERT_TRUE(learn("host1", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d:00:00:04"})"));
  const Revision r0 = engine.revision();
  const std::size_t attempts = store.attempts();
  auto moved = learn("host1", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d:00:00:05"})");
  ASSERT_TRUE(moved) << describe(moved.error());
  ASSERT_EQ(moved->size(), 2u);
  EXPECT_EQ((*moved)[0].op, ChangeOp::Delete);
  EXPECT_EQ((*moved)[0].key, "5002/10.0.2.20/00:15:5d:00:00:04");
  EXPECT_EQ((*moved)[1].op, ChangeOp::Put);
  EXPECT_EQ((*moved)[1].key, "5002/10.0.2.20/00:15:5d:00:00:05");
  EXPECT_EQ(engine.revision(), r0 + 2);
  EXPECT_EQ(store.attempts(), attempts + 1);  // one transaction
  EXPECT_THAT(keysOf<LookupRecord>(list(kLr, {{"ca", "10.0.2.20"}})), ElementsAre("5002/10.0.2.20/00:15:5d:00:00:05"));
}

TEST_F(Southbound, LearnFollowsTheL2OnlyRecordsPa) {
  ASSERT_TRUE(learn("host1", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d:00:00:04"})"));
  // The VM migrates: its L2Only record now points at host2's PA.
  must(patchOp(kLr, kRecL2, R"({"pa":"192.168.0.12"})"));
  auto old = learn("host1", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d:00:00:04"})");
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, Errc::PermissionDenied);
  auto r = learn("host2", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d:00:00:04"})");
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->size(), 1u);
  const std::string key = "5002/10.0.2.20/00:15:5d:00:00:04";
  EXPECT_EQ(get(kLr, key).at("pa"), "192.168.0.12");
  EXPECT_EQ(get(kLr, key).at("type"), "Dynamic");
  EXPECT_LT(get(kLr, key).at("createdRevision").as_uint64(), get(kLr, key).at("revision").as_uint64());
}

struct LearnRefusal {
  std::string name;
  std::string node;
  std::string body;
  Errc code;
  std::string where;
  std::string why;
};

TEST_F(Southbound, LearnRefusals) {
  const LearnRefusal cases[] = {
      {"static_mac", "host1", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d:00:00:03"})", Errc::PermissionDenied,
       "mac", "has no L2Only record in VSID 5002"},
      {"unknown_mac", "host1", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d:00:00:77"})", Errc::PermissionDenied,
       "mac", "has no L2Only record"},
      {"l2only_of_other_vsid", "host1", R"({"vsid":5001,"ca":"10.0.1.20","mac":"00:15:5d:00:00:04"})",
       Errc::PermissionDenied, "mac", "has no L2Only record in VSID 5001"},
      {"other_nodes_mac", "host2", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d:00:00:04"})",
       Errc::PermissionDenied, "mac", "which this node does not own"},
      {"gateway_not_owner", "gw1", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d:00:00:04"})",
       Errc::PermissionDenied, "mac", "does not own"},
      {"unknown_node", "host9", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d:00:00:04"})", Errc::NotFound, "node",
       "no such node"},
      {"static_ca_taken", "host1", R"({"vsid":5002,"ca":"10.0.2.10","mac":"00:15:5d:00:00:04"})", Errc::Conflict, "ca",
       "is provisioned for MAC 00:15:5d:00:00:03"},
      {"ca_outside_subnet", "host1", R"({"vsid":5002,"ca":"10.0.9.20","mac":"00:15:5d:00:00:04"})",
       Errc::InvalidArgument, "ca", "lies in none of the prefixes"},
      {"ca_is_router", "host1", R"({"vsid":5002,"ca":"10.0.2.1","mac":"00:15:5d:00:00:04"})", Errc::InvalidArgument,
       "ca", "distributed router"},
      {"ca_unspecified", "host1", R"({"vsid":5002,"ca":"0.0.0.0","mac":"00:15:5d:00:00:04"})", Errc::InvalidArgument,
       "ca", "unicast"},
      {"vsid_reserved", "host1", R"({"vsid":4095,"ca":"10.0.2.20","mac":"00:15:5d:00:00:04"})", Errc::InvalidArgument,
       "vsid", "range from 4096"},
      {"vsid_missing", "host1", R"({"ca":"10.0.2.20","mac":"00:15:5d:00:00:04"})", Errc::InvalidArgument, "vsid",
       "is required"},
      {"ca_bad", "host1", R"({"vsid":5002,"ca":"10.0.2","mac":"00:15:5d:00:00:04"})", Errc::InvalidArgument, "ca",
       "IPv4 or IPv6"},
      {"mac_bad", "host1", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d"})", Errc::InvalidArgument, "mac",
       "MAC address"},
      {"unknown_key", "host1", R"({"vsid":5002,"ca":"10.0.2.20","mac":"00:15:5d:00:00:04","pa":"192.168.0.11"})",
       Errc::InvalidArgument, "pa", "unknown key"},
      {"not_an_object", "host1", R"(["10.0.2.20"])", Errc::InvalidArgument, "", "must be an object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Revision r0 = engine.revision();
    const std::size_t attempts = store.attempts();
    auto r = learn(c.node, c.body);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, c.code) << describe(r.error());
    EXPECT_EQ(r.error().where, c.where) << describe(r.error());
    EXPECT_THAT(r.error().why, HasSubstr(c.why)) << describe(r.error());
    EXPECT_EQ(engine.revision(), r0);
    EXPECT_EQ(store.attempts(), attempts);
    EXPECT_EQ(engine.state().objectCount(), kTypicalObjects);
  }
}

}  // namespace
}  // namespace hnv::policy::testing
