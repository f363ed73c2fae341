// The controller's witness lease with chosen times: renewal, refusal while
// held, expiry and the epoch, release to a successor, an operator's
// switchover, and refused requests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hnv/controller/witness.h"

namespace hnv::controller {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

class WitnessTest : public ::testing::Test {
 protected:
  WitnessTest() {
    cluster.name = "gw1";
    members.push_back({"gw1", "gw1-a", *IpAddr::parse("10.99.0.1"), 200});
    members.push_back({"gw1", "gw1-b", *IpAddr::parse("10.99.0.2"), 100});
  }
  LeaseAnswer ask(const std::string& member, bool acquire, milliseconds at, bool release = false,
                  std::string successor = {}) {
    LeaseRequest r{member, acquire, release, std::move(successor), {}};
    auto a = w.handle(cluster, members, r, t0 + at);
    EXPECT_TRUE(a) << a.error().message();
    return a ? *a : LeaseAnswer{};
  }
  Witness w;
  policy::GatewayCluster cluster;
  std::vector<policy::ClusterMember> members;
  Witness::Clock::time_point t0 = Witness::Clock::now();
};

TEST_F(WitnessTest, OneHolderAtATimeAndTheEpochGrowsWithEachNewHolder) {
  auto a = ask("gw1-a", true, milliseconds(0));
  EXPECT_TRUE(a.granted);
  EXPECT_EQ(a.epoch, 1u);
  EXPECT_EQ(a.leaseMs, 400u);
  auto b = ask("gw1-b", true, milliseconds(100));
  EXPECT_FALSE(b.granted);
  EXPECT_EQ(b.holder, "gw1-a");
  EXPECT_EQ(b.remainingMs, 300u);
  a = ask("gw1-a", true, milliseconds(350));  // renewed: until 750
  EXPECT_TRUE(a.granted);
  EXPECT_EQ(a.epoch, 1u);
  EXPECT_FALSE(ask("gw1-b", true, milliseconds(700)).granted);
  b = ask("gw1-b", true, milliseconds(750));  // expired
  EXPECT_TRUE(b.granted);
  EXPECT_EQ(b.epoch, 2u);
  a = ask("gw1-a", true, milliseconds(760));
  EXPECT_FALSE(a.granted);
  EXPECT_EQ(a.holder, "gw1-b");
  // A report (no acquire) changes nothing and is kept for the status.
  EXPECT_FALSE(ask("gw1-a", false, milliseconds(770)).granted);
  auto st = w.status(cluster, members, t0 + milliseconds(770));
  EXPECT_EQ(st.at("holder"), "gw1-b");
  EXPECT_EQ(st.at("epoch"), 2);
  EXPECT_EQ(st.at("holderChanges"), 2);
  EXPECT_EQ(st.at("members").as_array()[0].at("reportAgeMs"), 0);
}

TEST_F(WitnessTest, AReleaseReservesTheLeaseForTheSuccessor) {
  ask("gw1-a", true, milliseconds(0));
  EXPECT_FALSE(ask("gw1-a", false, milliseconds(10), true, "gw1-b").granted);
  EXPECT_FALSE(ask("gw1-a", true, milliseconds(20)).granted) << "reserved for gw1-b";
  auto b = ask("gw1-b", true, milliseconds(30));
  EXPECT_TRUE(b.granted);
  EXPECT_EQ(b.epoch, 2u);
}

TEST_F(WitnessTest, AnOperatorsSwitchoverIsRelayedToTheHolder) {
  EXPECT_FALSE(w.requestSwitchover(cluster, t0)) << "nobody is active";
  ask("gw1-a", true, milliseconds(0));
  ASSERT_TRUE(w.requestSwitchover(cluster, t0 + milliseconds(10)));
  EXPECT_FALSE(ask("gw1-b", false, milliseconds(20)).switchover) << "only the holder is told";
  EXPECT_TRUE(ask("gw1-a", true, milliseconds(30)).switchover);
}

TEST_F(WitnessTest, RefusedRequests) {
  struct Case {
    LeaseRequest r;
    std::string says;
  } cases[] = {
      {{"gw1-z", true, false, "", {}}, "gw1-z: is not a member of gateway cluster gw1"},
      {{"gw1-a", true, true, "", {}}, "cannot be combined with acquire"},
      {{"gw1-a", false, true, "gw1-a", {}}, "is the member itself"},
      {{"gw1-a", false, true, "gw1-z", {}}, "gw1-z: is not a member"},
      {{"gw1-a", true, false, "gw1-b", {}}, "is given with release only"},
  };
  for (const auto& c : cases) {
    auto a = w.handle(cluster, members, c.r, t0);
    ASSERT_FALSE(a);
    EXPECT_THAT(a.error().message(), HasSubstr(c.says));
  }
  EXPECT_EQ(w.status(cluster, members, t0).at("holder"), nullptr) << "nothing was granted";
}

}  // namespace
}  // namespace hnv::controller
