// DesiredState: a snapshot from the real engine plus the node's changes,
// applied one by one, must equal the engine's own desired state at the new
// revision (what a fresh snapshot would give), and compile.
#include "hnv/policy/desired_state.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "hnv/overlay/overlay_policy.h"
#include "policy_fixture.h"

namespace hnv::hostd {
using policy::DesiredState;
namespace {

namespace json = boost::json;
using namespace hnv::policy::testing;  // NOLINT: the fixture's kinds and helpers

// The typical topology of policy_fixture.h, followed as host1.
class DesiredStateTest : public PolicyFixture {
 protected:
  void SetUp() override {
    PolicyFixture::SetUp();
    buildTypical();
    ASSERT_FALSE(HasFailure());
  }
  // Runs `op` and applies the changes that concern the followed node, as its watch would deliver them.
  void runAndFollow(const policy::Operation& op, DesiredState& state) {
    auto changes = run(op);
    ASSERT_TRUE(changes.ok()) << op.kind << " " << op.key << ": " << changes.error().message();
    auto entry = policy::KindTraits<policy::NodeEntry>::fromJson(ConfigNode(&nodeJson_, ""));
    ASSERT_TRUE(entry.ok());
    for (const auto& c : *changes) {
      if (engine.concerns(*entry, scope_, c)) state.apply(c);
    }
  }
  void follow(std::string_view node, const json::object& snapshot) {
    nodeJson_ = get(kNode, node);
    scope_.clear();
    for (const auto& r : snapshot.at("scope").as_array()) scope_.insert(*Rdid::parse(r.as_string()));
  }
  // The desired state without the global settings' bookkeeping fields, which
  // a change carries and the snapshot does not.
  static json::object comparable(json::object o) {
    auto& g = o["global"].as_object();
    o["global"] = json::object{{"useExternalRouter", g.at("useExternalRouter")}};
    return o;
  }

  json::value nodeJson_;
  std::set<Rdid> scope_;
};

TEST_F(DesiredStateTest, SnapshotRoundTrips) {
  auto snap = desired("host1");
  DesiredState s;
  EXPECT_TRUE(s.empty());
  ASSERT_TRUE(s.reset(snap).ok());
  EXPECT_FALSE(s.empty());
  EXPECT_EQ(s.revision(), snap.at("revision").as_uint64());
  EXPECT_EQ(json::serialize(s.toJson()), json::serialize(snap));
}

TEST_F(DesiredStateTest, ChangesBringItToTheControllersLaterState) {
  auto snap = desired("host1");
  DesiredState s;
  ASSERT_TRUE(s.reset(snap).ok());
  follow("host1", snap);
  runAndFollow(createOp(kLr, R"({"vsid":5001,"ca":"10.0.1.12","mac":"00:15:5d:00:00:09","pa":"192.168.0.11"})"), s);
  runAndFollow(deleteOp(kLr, kRecWeb2), s);
  runAndFollow(patchOp(kVs, "5002", R"({"prefixes":["10.0.2.0/24","10.0.20.0/24","fd00:2::/64"]})"), s);
  runAndFollow(deleteOp(kLr, kRecB1), s);  // another tenant: not delivered, not applied
  runAndFollow(patchOp(kGlobal, "", R"({"useExternalRouter":true})"), s);
  runAndFollow(createOp(kPr, R"({"node":"host1","destinationPrefix":"10.10.0.0/16","nextHop":"192.168.0.254","interface":"eth0"})"), s);
  ASSERT_FALSE(HasFailure());
  auto later = desired("host1");
  EXPECT_EQ(s.revision(), later.at("revision").as_uint64());
  EXPECT_EQ(json::serialize(comparable(s.toJson())), json::serialize(comparable(later)));

  auto policy = overlay::OverlayPolicy::compile(s.toJson());
  ASSERT_TRUE(policy.ok()) << policy.error().message();
  EXPECT_EQ(policy->revision(), s.revision());
}

TEST_F(DesiredStateTest, UnreadableSnapshotIsRefusedAndTheOldStateKept) {
  DesiredState s;
  ASSERT_TRUE(s.reset(desired("host1")).ok());
  auto before = json::serialize(s.toJson());
  json::object bad = desired("host1");
  bad["lookup-records"].as_array().push_back(json::object{{"vsid", 5001}, {"mac", "nonsense"}});
  auto st = s.reset(bad);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().where.find("lookup-records["), std::string::npos) << st.error().message();
  EXPECT_EQ(json::serialize(s.toJson()), before);

  json::object noRevision = desired("host1");
  noRevision.erase("revision");
  EXPECT_FALSE(s.reset(noRevision).ok());
}

}  // namespace
}  // namespace hnv::hostd
