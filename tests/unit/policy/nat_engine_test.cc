// The NAT kinds through the engine's write path on the typical topology:
// creation with defaults, lists and filters, changes the rules allow,
// removal in dependency order and tenant access. The refused writes are in
// nat_bad_input_cases.cc, what reaches which node in southbound_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy_fixture.h"

namespace hnv::policy::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kA(kRdidA);
const std::string kB(kRdidB);

using NatEngine = GatewayFixture;

TEST_F(NatEngine, CreateListPatchAndRemoveInOrder) {
  must(createOp(kNi, exampleOf(kNi)));
  auto nat = get(kNi, "@A");
  EXPECT_EQ(nat.at("externalRdid").as_string(), kB);
  EXPECT_EQ(nat.at("filtering"), "endpoint-independent");
  EXPECT_EQ(nat.at("icmpQueryTimeout"), 30);
  EXPECT_EQ(nat.at("tcpEstablishedTimeout"), 1800);
  EXPECT_EQ(nat.at("tcpTransientTimeout"), 120);
  EXPECT_EQ(nat.at("udpIdleTimeout"), 120);
  EXPECT_EQ(nat.at("udpInboundRefresh"), false);
  EXPECT_EQ(nat.at("maxSessions"), 0);

  must(createOp(kNa, exampleOf(kNa)));
  must(createOp(kNa, R"({"rdid":"@A","address":"203.0.113.11","firstPort":2000,"lastPort":2999})"));
  // Both ends just outside a range, and the same inside endpoint for TCP and UDP.
  must(createOp(kNm, exampleOf(kNm)));
  must(createOp(kNm, with(kNm, R"("protocol":"udp")")));
  must(createOp(kNm, with(kNm, R"("externalAddress":"203.0.113.11","externalPort":1999,"internalPort":22)")));
  must(createOp(kNm, with(kNm, R"("externalAddress":"203.0.113.11","externalPort":3000,"internalPort":23,)"
                               R"("remotePrefix":"198.51.100.0/24")")));
  must(createOp(kGr, R"({"rdid":"@A","destinationPrefix":"0.0.0.0/0","interface":"nat"})"));

  EXPECT_THAT(keysOf<NatExternalAddress>(list(kNa)), ElementsAre(kA + "/203.0.113.10", kA + "/203.0.113.11"));
  EXPECT_THAT(keysOf<NatStaticMapping>(list(kNm, {{"externalAddress", "203.0.113.11"}})),
              ElementsAre(kA + "/tcp/203.0.113.11/1999", kA + "/tcp/203.0.113.11/3000"));
  EXPECT_THAT(keysOf<NatStaticMapping>(list(kNm, {{"protocol", "udp"}})), ElementsAre(kA + "/udp/203.0.113.10/80"));
  EXPECT_THAT(keysOf<NatInstance>(list(kNi, {{"externalRdid", kB}})), ElementsAre(kA));

  // Changes the rules allow: timeouts and filtering, a range that still
  // leaves the mappings' ports outside, another inside endpoint.
  must(patchOp(kNi, "@A", R"({"filtering":"address-dependent","udpIdleTimeout":300,"maxSessions":1000})"));
  EXPECT_EQ(get(kNi, "@A").at("filtering"), "address-dependent");
  must(patchOp(kNa, "@A/203.0.113.11", R"({"firstPort":2500,"lastPort":2999})"));
  must(patchOp(kNm, "@A/tcp/203.0.113.10/80", R"({"internalAddress":"10.0.1.11"})"));

  // Removal: each step waits for what depends on it.
  for (const char* key :
       {"@A/tcp/203.0.113.10/80", "@A/udp/203.0.113.10/80", "@A/tcp/203.0.113.11/1999", "@A/tcp/203.0.113.11/3000"}) {
    must(deleteOp(kNm, key));
  }
  must(deleteOp(kNa, "@A/203.0.113.10"));
  must(deleteOp(kNa, "@A/203.0.113.11"));
  EXPECT_FALSE(run(deleteOp(kNi, "@A")));  // the route into NAT still uses it
  must(deleteOp(kGr, "@A/0.0.0.0/0/nat"));
  must(deleteOp(kNi, "@A"));
  // With the NAT gone, B may leave gw1.
  must(patchOp(kNode, "gw1", R"({"tenants":["@A"]})"));
  EXPECT_THAT(list(kNi), IsEmpty());
}

TEST_F(NatEngine, OneAddressInTwoOutsideDomains) {
  // X, translated into A, uses the address that A uses in B.
  must(createOp(kNi, exampleOf(kNi)));
  must(createOp(kNa, exampleOf(kNa)));
  addDomain(kRdidX, "x");
  must(createOp(kNi, R"({"rdid":"@X","externalRdid":"@A"})"));
  must(createOp(kNa, R"({"rdid":"@X","address":"203.0.113.10"})"));
  EXPECT_EQ(list(kNa).size(), 2u);
  // The outside domain may change when nothing clashes there.
  must(createOp(kRd, R"({"rdid":"dddddddd-0000-4000-8000-00000000000d"})"));
  must(patchOp(kNi, "@X", R"({"externalRdid":"dddddddd-0000-4000-8000-00000000000d"})"));
}

TEST_F(NatEngine, TenantsManageTheirOwnNat) {
  must(createOp(kNi, exampleOf(kNi)), tenantA());
  must(createOp(kNa, exampleOf(kNa)), tenantA());
  must(createOp(kNm, exampleOf(kNm)), tenantA());
  EXPECT_EQ(list(kNm, {}, tenantA()).size(), 1u);
  EXPECT_THAT(list(kNi, {}, tenantB()), IsEmpty());
  EXPECT_THAT(list(kNa, {}, tenantB()), IsEmpty());
  EXPECT_THAT(list(kNm, {}, tenantB()), IsEmpty());
  auto hidden = engine.get(kNi, kA, tenantB());
  ASSERT_FALSE(hidden);
  EXPECT_EQ(hidden.error().code, Errc::NotFound);
}

}  // namespace
}  // namespace hnv::policy::testing
