// Tenant scoping: a tenant token sees and changes only the objects of its
// routing domains; everything else looks missing. Node tokens have no place
// in the northbound API at all.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "policy_fixture.h"

namespace hnv::policy::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

class EngineTenant : public PolicyFixture {
 protected:
  void SetUp() override {
    PolicyFixture::SetUp();
    buildTypical();
    ASSERT_FALSE(HasFailure());
  }
  // "kind key" of every change in the history that `access` may see.
  std::vector<std::string> visibleChanges(const Access& access) {
    auto changes = engine.changesSince(0, 100000);
    if (!changes) {
      ADD_FAILURE() << describe(changes.error());
      return {};
    }
    std::vector<std::string> out;
    for (const auto& c : *changes) {
      if (engine.visible(c, access)) out.push_back(c.kind + " " + c.key + (c.op == ChangeOp::Delete ? " -" : ""));
    }
    return out;
  }
};

TEST_F(EngineTenant, ListsOnlyOwnDomains) {
  const Access a = tenantA(), b = tenantB();
  EXPECT_THAT(keysOf<RoutingDomain>(list(kRd, {}, a)), ElementsAre(std::string(kRdidA)));
  EXPECT_THAT(keysOf<RoutingDomain>(list(kRd, {}, b)), ElementsAre(std::string(kRdidB)));
  EXPECT_THAT(keysOf<VirtualSubnet>(list(kVs, {}, a)), ElementsAre("5001", "5002"));
  EXPECT_THAT(keysOf<VirtualSubnet>(list(kVs, {}, b)), ElementsAre("6001"));
  EXPECT_THAT(keysOf<LookupRecord>(list(kLr, {}, a)),
              ElementsAre(kRecWeb1, kRecWeb2, kRecGwA, kRecWeb1v6, kRecL2, kRecDb1, kRecDb1v6));
  EXPECT_THAT(keysOf<LookupRecord>(list(kLr, {}, b)), ElementsAre(kRecWildB, kRecB1, kRecB2));
  EXPECT_THAT(keysOf<CustomerRoute>(list(kCr, {}, a)), ElementsAre(kRouteDefaultA));
  EXPECT_THAT(keysOf<CustomerRoute>(list(kCr, {}, b)), IsEmpty());
  // Filters apply inside the tenant's view: the same CA exists in both tenants.
  EXPECT_THAT(keysOf<LookupRecord>(list(kLr, {{"ca", "10.0.1.10"}}, a)), ElementsAre(kRecWeb1));
  EXPECT_THAT(keysOf<LookupRecord>(list(kLr, {{"ca", "10.0.1.10"}}, b)), ElementsAre(kRecB1));
  EXPECT_THAT(keysOf<LookupRecord>(list(kLr, {{"vsid", "6001"}}, a)), IsEmpty());
}

TEST_F(EngineTenant, SeesNoInfrastructure) {
  for (const Access& t : {tenantA(), tenantB()}) {
    EXPECT_THAT(list(kNode, {}, t), IsEmpty());
    EXPECT_THAT(list(kPa, {}, t), IsEmpty());
    EXPECT_THAT(list(kPr, {}, t), IsEmpty());
    for (const auto& [kind, key] :
         {std::pair{kNode, "host1"}, std::pair{kNode, "gw1"}, std::pair{kPa, "host1/192.168.0.11"},
          std::pair{kPr, "host1/0.0.0.0/0/192.168.0.254"}, std::pair{kGlobal, ""}}) {
      auto r = engine.get(kind, key, t);
      ASSERT_FALSE(r) << kind << " " << key;
      EXPECT_EQ(r.error().code, Errc::NotFound) << kind;
    }
  }
  // A tenant cannot place its own domain on a gateway either: the node is invisible.
  auto r = run(patchOp(kNode, "gw1", R"({"tenants":["@A","@B"]})"), tenantB());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::NotFound);
}

TEST_F(EngineTenant, OthersObjectsLookMissing) {
  struct Probe {
    std::string_view kind;
    std::string key;
    std::string missing;  // a key that does not exist at all
  };
  const Probe probes[] = {
      {kRd, std::string(kRdidB), std::string(kRdidX)},
      {kVs, "6001", "6099"},
      {kLr, kRecB1, "6001/10.0.1.99/00:15:5d:00:01:99"},
      {kLr, kRecWildB, "6001/0.0.0.0/00:15:5d:ff:00:99"},
  };
  for (const auto& p : probes) {
    auto hidden = engine.get(p.kind, p.key, tenantA());
    auto absent = engine.get(p.kind, p.missing, tenantA());
    ASSERT_FALSE(hidden) << p.key;
    ASSERT_FALSE(absent) << p.missing;
    EXPECT_EQ(hidden.error().code, Errc::NotFound);
    // Nothing tells an existing foreign object from a missing one.
    EXPECT_EQ(hidden.error().where, absent.error().where);
    EXPECT_EQ(hidden.error().why, absent.error().why);
    // The administrator and the owner do see it.
    EXPECT_TRUE(engine.get(p.kind, p.key, Access::admin()));
    EXPECT_TRUE(engine.get(p.kind, p.key, tenantB()));
  }
  auto route = engine.get(kCr, kRouteDefaultA, tenantB());
  ASSERT_FALSE(route);
  EXPECT_EQ(route.error().code, Errc::NotFound);
  EXPECT_TRUE(engine.get(kCr, kRouteDefaultA, tenantA()));
}

TEST_F(EngineTenant, WritesInOwnDomain) {
  const Access a = tenantA();
  EXPECT_NE(must(createOp(kVs, R"({"vsid":5003,"rdid":"@A","prefixes":["10.0.3.0/24"]})"), a), 0u);
  EXPECT_NE(must(createOp(kLr, R"({"vsid":5003,"ca":"10.0.3.5","mac":"00:15:5d:00:03:05","pa":"192.168.0.11"})"), a),
            0u);
  EXPECT_NE(must(patchOp(kLr, kRecWeb1, R"({"vmName":"renamed"})"), a), 0u);
  EXPECT_NE(must(createOp(kCr, R"({"rdid":"@A","vsid":5003,"destinationPrefix":"172.16.0.0/12",
                                   "nextHop":"10.0.3.5","metric":10})"),
                 a),
            0u);
  EXPECT_NE(must(deleteOp(kLr, kRecWeb2), a), 0u);
  EXPECT_EQ(get(kLr, kRecWeb1, a).at("vmName"), "renamed");
  // Tenants may reuse each other's CA space.
  EXPECT_NE(must(createOp(kVs, R"({"vsid":6002,"rdid":"@B","prefixes":["10.0.2.0/24","10.0.3.0/24"]})"), tenantB()),
            0u);
}

TEST_F(EngineTenant, CannotWriteIntoAnotherDomain) {
  const Access a = tenantA();
  const Revision r0 = engine.revision();
  struct Attempt {
    Operation op;
    Errc code;
  };
  const Attempt attempts[] = {
      {createOp(kVs, R"({"vsid":6002,"rdid":"@B"})"), Errc::PermissionDenied},
      {createOp(kLr, R"({"vsid":6001,"ca":"10.0.1.30","mac":"00:15:5d:00:01:30","pa":"192.168.0.12"})"),
       Errc::PermissionDenied},
      {createOp(kCr, R"({"rdid":"@B","vsid":6001,"destinationPrefix":"0.0.0.0/0","nextHop":"10.0.1.20"})"),
       Errc::PermissionDenied},
      {createOp(kRd, R"({"rdid":"@X"})"), Errc::PermissionDenied},
      {createOp(kNode, R"({"name":"host9","role":"host"})"), Errc::PermissionDenied},
      {patchOp(kVs, "6001", R"({"name":"mine"})"), Errc::NotFound},
      {replaceOp(kLr, kRecB1, R"({"vsid":6001,"ca":"10.0.1.10","mac":"00:15:5d:00:01:01","pa":"192.168.0.11"})"),
       Errc::NotFound},
      {deleteOp(kLr, kRecB2), Errc::NotFound},
      {deleteOp(kRd, "@B"), Errc::NotFound},
      {patchOp(kGlobal, "", R"({"useExternalRouter":true})"), Errc::NotFound},
  };
  for (const auto& t : attempts) {
    auto r = run(t.op, a);
    ASSERT_FALSE(r) << t.op.kind << " " << t.op.key;
    EXPECT_EQ(r.error().code, t.code) << describe(r.error());
  }
  EXPECT_EQ(engine.revision(), r0);
  // A batch that mixes an allowed and a forbidden operation is refused whole.
  auto mixed = runBatch({patchOp(kLr, kRecWeb1, R"({"vmName":"x"})"), patchOp(kLr, kRecB1, R"({"vmName":"x"})")}, a);
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().where, "operations[1]");
  EXPECT_EQ(get(kLr, kRecWeb1).at("vmName"), "");
}

TEST_F(EngineTenant, MayCreateADomainItOwns) {
  const Access both = Access::tenant({*Rdid::parse(kRdidA), *Rdid::parse(kRdidX)});
  EXPECT_NE(must(createOp(kRd, R"({"rdid":"@X","name":"new"})"), both), 0u);
  EXPECT_THAT(keysOf<RoutingDomain>(list(kRd, {}, both)), ElementsAre(std::string(kRdidA), std::string(kRdidX)));
  const Access none = Access::tenant({});
  EXPECT_THAT(list(kRd, {}, none), IsEmpty());
  EXPECT_THAT(list(kLr, {}, none), IsEmpty());
}

TEST_F(EngineTenant, NodeTokensHaveNoNorthboundAccess) {
  const Access n = Access::forNode("host1");
  auto l = engine.list(kLr, {}, n);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, Errc::PermissionDenied);
  auto g = engine.get(kNode, "host1", n);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, Errc::PermissionDenied);
  auto w = run(patchOp(kNode, "host1", R"({"description":"me"})"), n);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, Errc::PermissionDenied);
  auto changes = engine.changesSince(0, 1000);
  ASSERT_TRUE(changes);
  for (const auto& c : *changes) EXPECT_FALSE(engine.visible(c, n)) << c.kind << " " << c.key;
}

TEST_F(EngineTenant, VisibleFiltersChanges) {
  std::vector<std::string> expectA = {
      "routing-domains " + std::string(kRdidA),
      "virtual-subnets 5001",
      "virtual-subnets 5002",
      "lookup-records " + kRecWeb1,
      "lookup-records " + kRecWeb1v6,
      "lookup-records " + kRecWeb2,
      "lookup-records " + kRecDb1,
      "lookup-records " + kRecDb1v6,
      "lookup-records " + kRecL2,
      "lookup-records " + kRecGwA,
      "customer-routes " + kRouteDefaultA,
  };
  EXPECT_THAT(visibleChanges(tenantA()), UnorderedElementsAreArray(expectA));
  std::vector<std::string> expectB = {"routing-domains " + std::string(kRdidB), "virtual-subnets 6001",
                                      "lookup-records " + kRecB1, "lookup-records " + kRecB2,
                                      "lookup-records " + kRecWildB};
  EXPECT_THAT(visibleChanges(tenantB()), UnorderedElementsAreArray(expectB));
  // The administrator sees everything, including nodes, addresses and routes.
  EXPECT_EQ(visibleChanges(Access::admin()).size(), kTypicalObjects);
  // Global settings are infrastructure.
  setGlobal(true);
  EXPECT_EQ(visibleChanges(tenantA()).size(), expectA.size());
}

TEST_F(EngineTenant, VisibleDeletions) {
  must(deleteOp(kLr, kRecB2));
  auto seen = visibleChanges(tenantB());
  EXPECT_THAT(seen, ::testing::Contains("lookup-records " + kRecB2 + " -"));
  EXPECT_THAT(visibleChanges(tenantA()), ::testing::Not(::testing::Contains("lookup-records " + kRecB2 + " -")));
}

// A tenant that resumes its watch after its records and then their subnet
// were removed must still learn that the records are gone (docs/api:
// "Resume ... no change is lost"). The record changes name only the VSID.
TEST_F(EngineTenant, ResumedWatchSeesRecordDeletionsAfterTheSubnetIsGone) {
  const Revision resumeFrom = engine.revision();
  ASSERT_TRUE(runBatch({deleteOp(kLr, kRecDb1), deleteOp(kLr, kRecDb1v6), deleteOp(kLr, kRecL2)}));
  must(deleteOp(kVs, "5002"));
  auto changes = engine.changesSince(resumeFrom, 100);
  ASSERT_TRUE(changes);
  ASSERT_EQ(changes->size(), 4u);
  for (const auto& c : *changes) {
    EXPECT_TRUE(engine.visible(c, tenantA())) << c.kind << " " << c.key << " at " << c.revision;
    EXPECT_FALSE(engine.visible(c, tenantB())) << c.kind << " " << c.key;
  }
}

// A VSID freed by one tenant and reused by another must not expose the first
// tenant's old records to the second one when it reads the history.
TEST_F(EngineTenant, ReusedVsidDoesNotExposeTheFormerOwnersHistory) {
  ASSERT_TRUE(runBatch({deleteOp(kLr, kRecDb1), deleteOp(kLr, kRecDb1v6), deleteOp(kLr, kRecL2)}));
  must(deleteOp(kVs, "5002"));
  must(createOp(kVs, R"({"vsid":5002,"rdid":"@B","prefixes":["10.0.2.0/24"]})"), tenantB());
  for (const auto& seen : visibleChanges(tenantB())) {
    EXPECT_THAT(seen, ::testing::Not(HasSubstr("00:15:5d:00:00:03"))) << "tenant B sees tenant A's record";
    EXPECT_THAT(seen, ::testing::Not(HasSubstr("00:15:5d:00:00:04"))) << "tenant B sees tenant A's record";
  }
}

}  // namespace
}  // namespace hnv::policy::testing
