// The cluster rules in a simulation with chosen times: two Membership
// objects exchange heartbeats over a link the test cuts and restores, and
// ask the controller's real Witness (one millisecond away), in 5 ms steps.
// After every step the test checks that at most one member is active.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hnv/cluster/membership.h"
#include "hnv/controller/witness.h"

namespace hnv::cluster {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using Time = Membership::Time;

ClusterSettings settingsOf(const std::string& self, const std::string& peer, std::uint32_t selfPrio,
                           std::uint32_t peerPrio) {
  ClusterSettings s;
  s.cluster = "gw1";
  s.self = {self, *Ipv4Addr::parse(self == "gw1-a" ? "10.99.0.1" : "10.99.0.2"), selfPrio};
  s.peer = MemberSettings{peer, *Ipv4Addr::parse(peer == "gw1-a" ? "10.99.0.1" : "10.99.0.2"), peerPrio};
  return s;  // 100 ms interval, 3 misses, 400 ms lease
}

class Sim : public ::testing::Test {
 protected:
  static constexpr milliseconds kStep{5};
  static constexpr milliseconds kWitnessDelay{1};  // one way

  struct Node {
    std::optional<Membership> m;
    bool alive = true;
    bool reachesWitness = true;
  };

  Sim() {
    cluster.name = "gw1";
    members.push_back({"gw1", "gw1-a", *IpAddr::parse("10.99.0.1"), 200});
    members.push_back({"gw1", "gw1-b", *IpAddr::parse("10.99.0.2"), 100});
    a.m.emplace(settingsOf("gw1-a", "gw1-b", 200, 100), now);
    b.m.emplace(settingsOf("gw1-b", "gw1-a", 100, 200), now);
  }

  void serve(Node& n) {
    if (!n.alive) return;
    Membership& m = *n.m;
    m.tick(now);
    if (auto req = m.witnessDue(now)) {
      WitnessReply reply;
      if (n.reachesWitness) {
        controller::LeaseRequest lr;
        lr.member = m.settings().self.name;
        lr.acquire = req->call == WitnessCall::Acquire;
        lr.release = req->call == WitnessCall::Release;
        lr.successor = req->successor;
        auto answer = witness.handle(cluster, members, lr, now + kWitnessDelay);
        ASSERT_TRUE(answer) << answer.error().message();
        reply.reached = true;
        reply.granted = answer->granted;
        reply.holder = answer->holder;
        reply.epoch = answer->epoch;
        reply.lease = milliseconds(answer->leaseMs);
        reply.switchover = answer->switchover;
      } else {
        reply.error = "connection refused";
      }
      m.onWitness(*req, reply, now, now + 2 * kWitnessDelay);
    }
    if (m.heartbeatDue(now)) {
      Heartbeat hb = m.nextHeartbeat(now);
      Node& other = &n == &a ? b : a;
      if (link && other.alive) other.m->onHeartbeat(hb, now);
    }
    for (auto& t : m.takeTransitions()) log.push_back(m.settings().self.name + " " + std::string(roleName(t.to)) + ": " + t.why);
  }

  int actives() const {
    int n = 0;
    for (const Node* x : {&a, &b}) n += x->alive && x->m->role() == Role::Active ? 1 : 0;
    return n;
  }

  // Runs for `d`; returns the time nobody was active (the blackout).
  milliseconds run(milliseconds d) {
    milliseconds dark{0};
    for (milliseconds t{0}; t < d; t += kStep) {
      now += kStep;
      serve(a);
      serve(b);
      EXPECT_LE(actives(), 1) << "two actives at +" << (now - start).count() / 1000000 << " ms";
      if (actives() == 0) dark += kStep;
    }
    return dark;
  }

  std::string history() const {
    std::string out;
    for (const auto& l : log) out += l + "\n";
    return out;
  }

  Time start = Membership::Clock::now();
  Time now = start;
  bool link = true;
  controller::Witness witness;
  policy::GatewayCluster cluster;
  std::vector<policy::ClusterMember> members;
  Node a, b;
  std::vector<std::string> log;
};

TEST_F(Sim, ColdStartThePreferredMemberBecomesActive) {
  run(milliseconds(1000));
  EXPECT_EQ(a.m->role(), Role::Active) << history();
  EXPECT_EQ(b.m->role(), Role::Standby);
  EXPECT_EQ(a.m->epoch(), 1u);
  EXPECT_EQ(b.m->epoch(), 1u) << "the standby learns the term from heartbeats";
  EXPECT_THAT(history(), HasSubstr("gw1-a active: both members standby; this one is preferred (priority 200)"));
}

TEST_F(Sim, TheStandbyTakesOverWithinDetectionAndLeaseWhenTheActiveDies) {
  run(milliseconds(1000));
  ASSERT_EQ(a.m->role(), Role::Active);
  a.alive = false;  // kill -9: no heartbeats, no renewals
  const milliseconds dark = run(milliseconds(1000));
  EXPECT_EQ(b.m->role(), Role::Active) << history();
  EXPECT_EQ(b.m->epoch(), 2u);
  // Lost after 3 x 100 ms; the lease, renewed at most 100 ms before the
  // death, ends at most 400 ms after it.
  EXPECT_GE(dark, milliseconds(300));
  EXPECT_LE(dark, milliseconds(420)) << history();
  EXPECT_THAT(history(), HasSubstr("gw1-b active: peer gw1-a lost: no heartbeat for"));
  auto st = b.m->status(now);
  EXPECT_EQ(st.at("last_activation").at("from"), "standby");
  EXPECT_GE(st.at("last_activation").at("peer_silence_ms").as_int64(), 300);
}

TEST_F(Sim, CuttingOnlyTheHeartbeatLinkNeverMakesTwoActives) {
  run(milliseconds(1000));
  link = false;
  run(milliseconds(5000));  // run() checks every step
  EXPECT_EQ(a.m->role(), Role::Active) << "it keeps renewing its lease";
  EXPECT_EQ(b.m->role(), Role::Standby) << history();
  EXPECT_FALSE(b.m->peerAlive(now));
  link = true;
  run(milliseconds(500));
  EXPECT_EQ(a.m->role(), Role::Active);
  EXPECT_EQ(b.m->role(), Role::Standby);
  EXPECT_EQ(a.m->epoch(), 1u) << "no takeover happened";
}

TEST_F(Sim, LosingTheControllerAloneChangesNothing) {
  run(milliseconds(1000));
  a.reachesWitness = b.reachesWitness = false;
  const milliseconds dark = run(milliseconds(5000));
  EXPECT_EQ(dark, milliseconds(0)) << history();
  EXPECT_EQ(a.m->role(), Role::Active) << "the standby confirms it";
  EXPECT_EQ(b.m->status(now).at("witness").at("reachable"), false);
}

TEST_F(Sim, AnActiveThatLosesPeerAndWitnessStepsDownBeforeTheStandbyTakesOver) {
  run(milliseconds(1000));
  link = false;
  a.reachesWitness = false;  // a is isolated; b still reaches the witness
  run(milliseconds(2000));
  EXPECT_EQ(a.m->role(), Role::Standby) << history();
  EXPECT_EQ(b.m->role(), Role::Active);
  EXPECT_THAT(history(), HasSubstr("gw1-a standby: lost both the witness (connection refused) and the peer"));
  // The partition heals: a hears the newer term and stays standby.
  link = true;
  a.reachesWitness = true;
  run(milliseconds(1000));
  EXPECT_EQ(a.m->role(), Role::Standby);
  EXPECT_EQ(a.m->epoch(), 2u);
}

TEST_F(Sim, WithoutTheWitnessADeadActiveIsNotReplaced) {
  run(milliseconds(1000));
  b.reachesWitness = false;
  a.alive = false;
  run(milliseconds(3000));
  EXPECT_EQ(b.m->role(), Role::Standby) << "it cannot tell a dead peer from a cut link";
}

TEST_F(Sim, APlannedSwitchoverHandsOverInAFewMilliseconds) {
  run(milliseconds(1000));
  auto refused = a.m->startSwitchover(now);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message(), HasSubstr("has not synced the state yet"));
  b.m->setSynced(true);
  run(milliseconds(200));
  ASSERT_TRUE(a.m->startSwitchover(now));
  EXPECT_FALSE(a.m->startSwitchover(now)) << "one at a time";
  const milliseconds dark = run(milliseconds(500));
  EXPECT_EQ(b.m->role(), Role::Active) << history();
  EXPECT_EQ(a.m->role(), Role::Standby);
  EXPECT_EQ(b.m->epoch(), 2u);
  EXPECT_LE(dark, milliseconds(10)) << history();
  EXPECT_THAT(history(), HasSubstr("gw1-a standby: planned switchover to gw1-b"));
  EXPECT_THAT(history(), HasSubstr("gw1-b active: peer gw1-a handed over (planned switchover)"));
  // Refused on the standby.
  EXPECT_FALSE(a.m->startSwitchover(now));
}

TEST_F(Sim, AForcedSwitchoverAcceptsAStandbyThatHasNotSynced) {
  run(milliseconds(1000));
  ASSERT_TRUE(a.m->startSwitchover(now, true));
  run(milliseconds(500));
  EXPECT_EQ(b.m->role(), Role::Active) << history();
  EXPECT_EQ(a.m->role(), Role::Standby);
}

TEST_F(Sim, TheWitnessRelaysAnOperatorsSwitchover) {
  b.m->setSynced(true);
  run(milliseconds(1000));
  ASSERT_TRUE(witness.requestSwitchover(cluster, now));
  run(milliseconds(500));
  EXPECT_EQ(b.m->role(), Role::Active) << history();
  EXPECT_EQ(a.m->role(), Role::Standby);
}

TEST_F(Sim, ARestartedMemberJoinsAsStandbyBesideTheActive) {
  run(milliseconds(1000));
  // a (preferred) restarts while b is active: no preemption.
  a.alive = false;
  run(milliseconds(1000));
  ASSERT_EQ(b.m->role(), Role::Active);
  a.m.emplace(settingsOf("gw1-a", "gw1-b", 200, 100), now);
  a.alive = true;
  run(milliseconds(2000));
  EXPECT_EQ(a.m->role(), Role::Standby) << history();
  EXPECT_EQ(b.m->role(), Role::Active);
}

TEST_F(Sim, OfTwoActivesTheOlderTermStepsDown) {
  run(milliseconds(1000));
  ASSERT_EQ(a.m->role(), Role::Active);
  Heartbeat hb;
  hb.cluster = "gw1";
  hb.member = "gw1-b";
  hb.role = Role::Active;
  hb.epoch = a.m->epoch() + 1;
  a.m->onHeartbeat(hb, now);
  EXPECT_EQ(a.m->role(), Role::Standby);
  auto t = a.m->takeTransitions();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].why, "peer gw1-b is active at epoch 2 (ours 1)");
}

}  // namespace
}  // namespace hnv::cluster
