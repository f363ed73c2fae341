// The gateway cluster kinds through the engine: defaults, the rules across
// objects (a cluster serves a gateway node; two members at most, each on
// its own heartbeat address; removal order), refused input naming the
// field, and the desired state and changes the cluster's gateway node gets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy_fixture.h"

namespace hnv::policy::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::string_view kGc = "gateway-clusters";
constexpr std::string_view kCm = "cluster-members";

class ClusterEngine : public PolicyFixture {
 protected:
  void SetUp() override {
    PolicyFixture::SetUp();
    buildTypical();
    ASSERT_FALSE(HasFailure());
  }
  void addPair() {
    must(createOp(kGc, R"({"name":"gw1"})"));
    must(createOp(kCm, R"({"cluster":"gw1","name":"gw1-a","heartbeatAddress":"10.99.0.1","priority":200})"));
    must(createOp(kCm, R"({"cluster":"gw1","name":"gw1-b","heartbeatAddress":"10.99.0.2"})"));
  }
  std::string refusal(std::string_view kind, std::string_view body) {
    auto r = run(createOp(kind, body));
    return r ? std::string("accepted") : r.error().message();
  }
};

TEST_F(ClusterEngine, DefaultsAndTheLeaseDerivedFromTheHeartbeat) {
  addPair();
  auto c = get(kGc, "gw1");
  EXPECT_EQ(c.at("heartbeatIntervalMs"), 100);
  EXPECT_EQ(c.at("heartbeatMisses"), 3);
  EXPECT_EQ(c.at("leaseMs"), 0);
  EXPECT_EQ(c.at("heartbeatPort"), 7470);
  EXPECT_EQ(c.at("syncPort"), 7471);
  EXPECT_EQ(get(kCm, "gw1/gw1-b").at("priority"), 100);
  GatewayCluster gc;
  EXPECT_EQ(gc.effectiveLeaseMs(), 400u) << "interval x (misses + 1)";
  gc.leaseMs = 900;
  EXPECT_EQ(gc.effectiveLeaseMs(), 900u);
}

TEST_F(ClusterEngine, TheSharedSecretIsWriteOnlyAndOnlyTheClustersNodeGetsIt) {
  must(createOp(kGc, R"({"name":"gw1","sharedSecret":"heartbeats are signed"})"));
  EXPECT_FALSE(get(kGc, "gw1").contains("sharedSecret")) << "the API never shows it";
  auto gw = desired("gw1");
  EXPECT_EQ(gw.at("gateway-clusters").as_array()[0].at("sharedSecret"), "heartbeats are signed");
  must(patchOp(kGc, "gw1", R"({"heartbeatMisses":4})"));
  EXPECT_EQ(desired("gw1").at("gateway-clusters").as_array()[0].at("sharedSecret"), "heartbeats are signed")
      << "a patch of another field keeps it";
  EXPECT_THAT(refusal(kGc, R"({"name":"gw1","sharedSecret":"short"})"),
              HasSubstr("sharedSecret: 5 characters: a shared secret has 16 to 256"));
}

TEST_F(ClusterEngine, RulesAcrossObjects) {
  EXPECT_THAT(refusal(kGc, R"({"name":"gw9"})"), HasSubstr("names a node that does not exist"));
  EXPECT_THAT(refusal(kGc, R"({"name":"host1"})"), HasSubstr("is not a gateway"));
  EXPECT_THAT(refusal(kCm, R"({"cluster":"gw1","name":"gw1-a","heartbeatAddress":"10.99.0.1"})"),
              HasSubstr("names a gateway cluster that does not exist"));
  addPair();
  EXPECT_THAT(refusal(kCm, R"({"cluster":"gw1","name":"gw1-c","heartbeatAddress":"10.99.0.3"})"),
              HasSubstr("already has two members"));
  must(deleteOp(kCm, "gw1/gw1-b"));
  EXPECT_THAT(refusal(kCm, R"({"cluster":"gw1","name":"gw1-c","heartbeatAddress":"10.99.0.1"})"),
              HasSubstr("is the heartbeat address of member gw1/gw1-a"));
  EXPECT_THAT(refusal(kCm, R"({"cluster":"gw1","name":"gw1","heartbeatAddress":"10.99.0.3"})"),
              HasSubstr("must differ from the cluster's name"));
  // Removal order: members, then the cluster, then the node.
  auto r = run(deleteOp(kGc, "gw1"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("cluster member gw1/gw1-a still belongs to it"));
  must(deleteOp(kCm, "gw1/gw1-a"));
  must(createOp(kCm, R"({"cluster":"gw1","name":"gw1-a","heartbeatAddress":"10.99.0.1"})"));
  must(deleteOp(kPa, "gw1/192.168.0.1"));
  r = run(deleteOp(kNode, "gw1"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("gateway cluster gw1 still belongs to it"));
}

TEST_F(ClusterEngine, BadInputNamesTheFieldAndTheRule) {
  struct Case {
    std::string_view kind, body, says;
  } cases[] = {
      {kGc, R"({"name":"gw1","heartbeatIntervalMs":5})", "heartbeatIntervalMs"},
      {kGc, R"({"name":"gw1","heartbeatMisses":1})", "heartbeatMisses"},
      {kGc, R"({"name":"gw1","leaseMs":200})", "must exceed heartbeatIntervalMs x heartbeatMisses (300 ms)"},
      {kGc, R"({"name":"gw1","syncPort":7470})", "must differ from heartbeatPort"},
      {kGc, R"({"name":"gw1","color":"red"})", "color"},
      {kCm, R"({"cluster":"gw1","name":"a","heartbeatAddress":"fd00::1"})", "the heartbeat link is IPv4 only"},
      {kCm, R"({"cluster":"gw1","name":"a","heartbeatAddress":"224.0.0.1"})", "must be a unicast address"},
      {kCm, R"({"cluster":"gw1","name":"a","heartbeatAddress":"10.99.0.9","priority":0})", "priority"},
      {kCm, R"({"cluster":"gw1","name":"a"})", "heartbeatAddress"},
  };
  must(createOp(kGc, R"({"name":"gw1"})"));
  const std::string before = snapshot();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    EXPECT_THAT(refusal(c.kind, c.body), HasSubstr(c.says));
  }
  EXPECT_EQ(snapshot(), before) << "nothing half-applied";
}

TEST_F(ClusterEngine, TheGatewayNodeGetsItsClusterAndMembersAndTheirChanges) {
  addPair();
  auto gw = desired("gw1");
  ASSERT_EQ(gw.at("gateway-clusters").as_array().size(), 1u);
  EXPECT_EQ(gw.at("gateway-clusters").as_array()[0].at("name"), "gw1");
  ASSERT_EQ(gw.at("cluster-members").as_array().size(), 2u);
  auto host = desired("host1");
  EXPECT_THAT(host.at("gateway-clusters").as_array(), IsEmpty());
  EXPECT_THAT(host.at("cluster-members").as_array(), IsEmpty());
  const auto* gw1 = engine.state().find<NodeEntry>("gw1");
  const auto* host1 = engine.state().find<NodeEntry>("host1");
  for (const auto& op : {patchOp(kGc, "gw1", R"({"heartbeatIntervalMs":50})"),
                         patchOp(kCm, "gw1/gw1-b", R"({"priority":150})")}) {
    auto changes = run(op);
    ASSERT_TRUE(changes) << describe(changes.error());
    ASSERT_EQ(changes->size(), 1u);
    EXPECT_TRUE(engine.concerns(gw1->object, engine.state().scope(gw1->object), changes->front())) << op.kind;
    EXPECT_FALSE(engine.concerns(host1->object, engine.state().scope(host1->object), changes->front())) << op.kind;
  }
}

}  // namespace
}  // namespace hnv::policy::testing
