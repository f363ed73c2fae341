// PolicyFollower: the agent's policy from a real controller over HTTP, saved
// to the state file after each application and restored from it at start
// while the controller is away; bad or foreign state files are ignored.
#include "hnv/policy/follower.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>

#include "controller_fixture.h"

namespace hnv::controller::test {
namespace {

namespace json = boost::json;
using policy::FollowerConfig;
using policy::PolicyFollower;
using policy::Revision;

// Runs the io_context until `cond` holds or 20 s pass.
template <class F>
bool runUntil(boost::asio::io_context& io, F cond) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!cond() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
  return cond();
}

class FollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = std::make_unique<policy::ControllerClient>(server_.endpoint());
    mustCall(*admin_, "POST", "/v1/routing-domains", std::string(R"({"rdid":")") + kRdidA + R"("})");
    mustCall(*admin_, "POST", "/v1/virtual-subnets",
             std::string(R"({"vsid":5001,"rdid":")") + kRdidA + R"(","prefixes":["10.0.0.0/16"]})");
    mustCall(*admin_, "POST", "/v1/nodes", R"({"name":"host1","role":"host"})");
    mustCall(*admin_, "POST", "/v1/provider-addresses",
             R"({"node":"host1","address":"192.0.2.11","interface":"uplink0","prefixLength":24,"mac":"02:00:00:00:00:11"})");
    mustCall(*admin_, "POST", "/v1/lookup-records",
             R"({"vsid":5001,"ca":"10.0.1.1","mac":"00:15:5d:01:01:01","pa":"192.0.2.11"})");
    stateFile_ = server_.dir() + "/host1-policy.json";
  }

  // A follower of host1; `applied` collects the documents it applied.
  std::unique_ptr<PolicyFollower> follower(bool withController, std::vector<json::object>& applied,
                                           bool refuse = false) {
    FollowerConfig c{"host1", std::nullopt, stateFile_};
    if (withController) c.controller = policy::ControllerConfig{server_.endpoint(kHostToken), ""};
    return std::make_unique<PolicyFollower>(io_, c, [&applied, refuse](const json::object& doc) -> Status {
      if (refuse) return makeError(Errc::InvalidArgument, "lookup-records[0]", "x", "refused by the test");
      applied.push_back(doc);
      return okStatus();
    });
  }

  Revision head() { return mustCall(*admin_, "GET", "/v1/status").at("revision").to_number<Revision>(); }

  void writeState(const std::string& text) {
    std::ofstream out(stateFile_);
    out << text;
  }

  ControllerServer server_;
  std::unique_ptr<policy::ControllerClient> admin_;
  boost::asio::io_context io_;
  std::string stateFile_;
};

TEST_F(FollowerTest, AppliesFromTheControllerSavesAndRestoresWithoutIt) {
  std::vector<json::object> applied;
  {
    auto f = follower(true, applied);
    f->start();
    const Revision target = head();
    ASSERT_TRUE(runUntil(io_, [&] { return f->appliedRevision() == target; })) << json::serialize(f->toJson());
    mustCall(*admin_, "POST", "/v1/lookup-records",
             R"({"vsid":5001,"ca":"10.0.1.2","mac":"00:15:5d:01:01:02","pa":"192.0.2.11"})");
    const Revision later = head();
    ASSERT_TRUE(runUntil(io_, [&] { return f->appliedRevision() == later; }));
    EXPECT_EQ(f->toJson().at("controller").at("connected"), true);
    f->stop();
  }
  ASSERT_FALSE(applied.empty());
  EXPECT_EQ(applied.back().at("lookup-records").as_array().size(), 2u);

  // The controller is gone; a new follower starts from the saved state at once.
  const Revision saved = applied.back().at("revision").to_number<Revision>();
  server_.stop();
  std::vector<json::object> restored;
  auto f = follower(false, restored);
  f->start();
  ASSERT_EQ(restored.size(), 1u);
  EXPECT_EQ(json::serialize(restored[0]), json::serialize(applied.back()));
  EXPECT_EQ(f->appliedRevision(), saved);
  EXPECT_EQ(f->toJson().at("state_file").at("restored_revision"), saved);
  EXPECT_TRUE(f->toJson().at("last_error").is_null());
}

TEST_F(FollowerTest, WithoutAStateFileNothingIsRestored) {
  std::vector<json::object> applied;
  auto f = follower(false, applied);
  f->start();
  EXPECT_TRUE(applied.empty());
  EXPECT_EQ(f->appliedRevision(), 0u);
  EXPECT_TRUE(f->toJson().at("last_error").is_null());
}

TEST_F(FollowerTest, CorruptStateFileIsReportedAndIgnored) {
  writeState(R"({"node":"host1","revision":)");
  std::vector<json::object> applied;
  auto f = follower(false, applied);
  f->start();
  EXPECT_TRUE(applied.empty());
  EXPECT_EQ(f->appliedRevision(), 0u);
  const json::value err = f->toJson().at("last_error");
  ASSERT_TRUE(err.is_string());
  EXPECT_NE(std::string(err.as_string()).find(stateFile_), std::string::npos) << err;
}

TEST_F(FollowerTest, AnotherNodesStateFileIsRefused) {
  writeState(R"({"node":"host2","role":"host","revision":7})");
  std::vector<json::object> applied;
  auto f = follower(false, applied);
  f->start();
  EXPECT_TRUE(applied.empty());
  const json::value err = f->toJson().at("last_error");
  ASSERT_TRUE(err.is_string());
  EXPECT_NE(std::string(err.as_string()).find("belongs to another node"), std::string::npos) << err;
}

TEST_F(FollowerTest, StateTheProgramRefusesIsNotApplied) {
  writeState(R"({"node":"host1","role":"host","revision":7,"lookup-records":[]})");
  std::vector<json::object> applied;
  auto f = follower(false, applied, /*refuse=*/true);
  f->start();
  EXPECT_EQ(f->appliedRevision(), 0u);
  const json::value err = f->toJson().at("last_error");
  ASSERT_TRUE(err.is_string());
  EXPECT_NE(std::string(err.as_string()).find("refused by the test"), std::string::npos) << err;
}

// A refused snapshot keeps the previous policy and reports it with the error.
TEST_F(FollowerTest, RefusedControllerPolicyIsReportedWithThePreviousRevision) {
  std::vector<json::object> applied;
  auto f = follower(true, applied, /*refuse=*/true);
  f->start();
  ASSERT_TRUE(runUntil(io_, [&] { return !f->toJson().at("last_error").is_null(); }));
  EXPECT_EQ(f->appliedRevision(), 0u);
  std::string health;
  ASSERT_TRUE(runUntil(io_, [&] {
    health = std::string(mustCall(*admin_, "GET", "/v1/nodes/host1/status").at("health").as_string());
    return health != "unknown";
  }));
  EXPECT_NE(health.find("refused by the test"), std::string::npos) << health;
  std::ifstream saved(stateFile_);
  EXPECT_FALSE(saved.good()) << "a refused policy must not be saved";
}

}  // namespace
}  // namespace hnv::controller::test
