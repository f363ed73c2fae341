// The heartbeat datagram both ways and what is refused, and a member's
// settings as its gateway node's desired state gives them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "hnv/cluster/heartbeat.h"
#include "hnv/cluster/settings.h"

namespace hnv::cluster {
namespace {

using ::testing::HasSubstr;

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(Heartbeat, RoundTrip) {
  Heartbeat hb;
  hb.cluster = "gw1";
  hb.member = "gw1-a";
  hb.role = Role::Active;
  hb.epoch = 7;
  hb.seq = 1234;
  hb.priority = 200;
  hb.seesPeer = true;
  hb.synced = false;
  hb.handoverTo = "gw1-b";
  hb.boot = 0xfeedface12345678;
  hb.timeMs = 1796280000123;
  const std::string text = encodeHeartbeat(hb);
  EXPECT_THAT(text, HasSubstr(R"("role":"active")"));
  auto back = decodeHeartbeat(bytes(text));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->cluster, "gw1");
  EXPECT_EQ(back->member, "gw1-a");
  EXPECT_EQ(back->role, Role::Active);
  EXPECT_EQ(back->epoch, 7u);
  EXPECT_EQ(back->seq, 1234u);
  EXPECT_EQ(back->priority, 200u);
  EXPECT_TRUE(back->seesPeer);
  EXPECT_FALSE(back->synced);
  EXPECT_EQ(back->handoverTo, "gw1-b");
  EXPECT_EQ(back->boot, 0xfeedface12345678u);
  EXPECT_EQ(back->timeMs, 1796280000123);
  EXPECT_EQ(back->ikeResync, 0u);
  EXPECT_THAT(text, Not(HasSubstr("ike_resync"))) << "left out until the first request: older members understand it";
  hb.ikeResync = 3;
  back = decodeHeartbeat(bytes(encodeHeartbeat(hb)));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->ikeResync, 3u);
  std::string bad = encodeHeartbeat(hb);
  bad.replace(bad.find("\"ike_resync\":3"), 14, "\"ike_resync\":-1");
  EXPECT_FALSE(decodeHeartbeat(bytes(bad)));
}

TEST(Heartbeat, AReplayIsRefusedWithTheReason) {
  ReplayGuard guard;
  const std::int64_t now = 1796280000000;
  Heartbeat hb;
  hb.boot = 7;
  hb.seq = 10;
  hb.timeMs = now;
  EXPECT_TRUE(guard.admit(hb, now));
  auto again = guard.admit(hb, now + 50);
  ASSERT_FALSE(again);
  EXPECT_THAT(again.error().message(), HasSubstr("seen before or out of order (this process of the peer is at 10)"));
  hb.seq = 9;
  EXPECT_FALSE(guard.admit(hb, now + 60)) << "older than the newest seen";
  hb.seq = 11;
  EXPECT_TRUE(guard.admit(hb, now + 100));
  // The peer restarted: a new process, its sequence from 1; the old one's are still refused.
  Heartbeat restarted = hb;
  restarted.boot = 8;
  restarted.seq = 1;
  EXPECT_TRUE(guard.admit(restarted, now + 200));
  hb.seq = 11;
  EXPECT_FALSE(guard.admit(hb, now + 210));
  // A process not seen yet whose heartbeat was sent too long ago (a capture
  // of an earlier process), or the clocks differ: the reason says which to check.
  Heartbeat earlier = hb;
  earlier.boot = 6;
  earlier.timeMs = now - 6000;
  auto old = guard.admit(earlier, now + 300);
  ASSERT_FALSE(old);
  EXPECT_THAT(old.error().message(), HasSubstr("ms before this member's clock says"));
  EXPECT_THAT(old.error().message(), HasSubstr("NTP"));
  EXPECT_TRUE(guard.admit(earlier, now + 300, false)) << "without a secret the time is not checked";
  Heartbeat later = hb;
  later.boot = 9;
  later.timeMs = now + 300 + 5000;  // at the limit: accepted
  EXPECT_TRUE(guard.admit(later, now + 300));
  // A known process's heartbeats go by sequence only (its clock may drift after the first).
  restarted.seq = 2;
  restarted.timeMs = now - 60000;
  EXPECT_TRUE(guard.admit(restarted, now + 400));
}

TEST(Heartbeat, RefusesWhatIsNotOneOfOurs) {
  Heartbeat hb;
  hb.cluster = "gw1";
  hb.member = "gw1-a";
  const std::string good = encodeHeartbeat(hb);
  auto edit = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  struct Case {
    std::string datagram, says;
  } cases[] = {
      {"not json", "heartbeat"},
      {"[1,2]", "object"},
      {edit(R"("v":2)", R"("v":1)"), "this member speaks heartbeat version 2"},
      {edit(R"("role":"init")", R"("role":"leader")"), "must be init, standby or active"},
      {edit(R"("v":2)", R"("v":2,"extra":true)"), "extra"},
      {edit(R"("time_ms":0)", R"("time_ms":-5)"), "time_ms"},
      {edit(R"("priority":0)", R"("priority":300)"), "priority"},
      {edit(R"("sees_peer":false)", R"("sees_peer":"yes")"), "sees_peer"},
      {std::string(2000, ' '), "is longer than 1024 bytes"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.datagram.substr(0, 80));
    auto r = decodeHeartbeat(bytes(c.datagram));
    ASSERT_FALSE(r);
    EXPECT_THAT(r.error().message(), HasSubstr(c.says));
  }
}

TEST(Heartbeat, WithASecretOnlyTheRightCodeIsAccepted) {
  Heartbeat hb;
  hb.cluster = "gw1";
  hb.member = "gw1-a";
  hb.role = Role::Active;
  const std::string secret = "sixteen or more characters";
  const std::string signed_ = encodeHeartbeat(hb, secret);
  ASSERT_NE(signed_.find('\n'), std::string::npos);
  auto ok = decodeHeartbeat(bytes(signed_), secret);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->role, Role::Active);
  struct Case {
    std::string datagram, says;
  } cases[] = {
      {encodeHeartbeat(hb), "carries no authentication code"},
      {encodeHeartbeat(hb, "another secret of some length"), "wrong authentication code"},
      {[&] {
         std::string t = signed_;
         t.replace(t.find("active"), 6, "standb");  // the text changed, the code did not
         return t;
       }(),
       "wrong authentication code"},
      {signed_.substr(0, signed_.size() - 2), "wrong authentication code"},
  };
  for (const auto& c : cases) {
    auto r = decodeHeartbeat(bytes(c.datagram), secret);
    ASSERT_FALSE(r) << c.datagram;
    EXPECT_THAT(r.error().message(), HasSubstr(c.says));
  }
  // Without a secret the code is ignored (a cluster that just set one).
  EXPECT_TRUE(decodeHeartbeat(bytes(signed_)));
}

boost::json::object desiredWith(const std::string& clusters, const std::string& members) {
  return boost::json::parse(R"({"node":"gw1","gateway-clusters":)" + clusters + R"(,"cluster-members":)" + members + "}")
      .as_object();
}

TEST(Settings, FromTheDesiredStateOfTheGatewayNode) {
  auto d = desiredWith(R"([{"name":"gw1","heartbeatIntervalMs":50,"heartbeatMisses":4,"leaseMs":0,"revision":3}])",
                       R"([{"cluster":"gw1","name":"gw1-a","heartbeatAddress":"10.99.0.1","priority":200,"revision":4},
                           {"cluster":"gw1","name":"gw1-b","heartbeatAddress":"10.99.0.2","revision":5}])");
  auto s = clusterSettingsFrom(d, "gw1-b");
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_TRUE(s->has_value());
  const ClusterSettings& c = **s;
  EXPECT_EQ(c.cluster, "gw1");
  EXPECT_EQ(c.self.name, "gw1-b");
  EXPECT_EQ(c.self.address.toString(), "10.99.0.2");
  EXPECT_EQ(c.self.priority, 100u);
  ASSERT_TRUE(c.peer);
  EXPECT_EQ(c.peer->name, "gw1-a");
  EXPECT_EQ(c.interval.count(), 50);
  EXPECT_EQ(c.detection().count(), 200);
  EXPECT_EQ(c.lease.count(), 250) << "interval x (misses + 1)";
  EXPECT_TRUE(c.peerPreferred());
  // No cluster: not a member of anything.
  auto none = clusterSettingsFrom(desiredWith("[]", "[]"), "gw1-b");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  // A member name the cluster does not list.
  auto stranger = clusterSettingsFrom(d, "gw1-z");
  ASSERT_FALSE(stranger);
  EXPECT_THAT(stranger.error().message(), HasSubstr("gw1-z: is not a member of gateway cluster gw1"));
}

}  // namespace
}  // namespace hnv::cluster
