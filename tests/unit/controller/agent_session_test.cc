// The southbound path end to end: AgentSession against a real controller
// over HTTP, with restarts, scope changes, compaction and reports.
#include "hnv/policy/agent_session.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <mutex>
#include <map>
#include <set>
#include <sstream>

#include "controller_fixture.h"
#include "hnv/controller/metrics.h"

namespace hnv::controller::test {
namespace {

namespace json = boost::json;
using policy::AgentSession;
using policy::Change;
using policy::ControllerClient;
using policy::Revision;

// Polls `cond` until it holds or 20 s pass.
template <class F>
bool eventually(F cond) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

std::string recordOp(unsigned vsid, unsigned i, const std::string& pa) {
  return R"({"op":"create","kind":"lookup-records","object":{"vsid":)" + std::to_string(vsid) + R"(,"ca":"10.0.)" +
         std::to_string(2 + i / 250) + "." + std::to_string(1 + i % 250) + R"(","mac":"00:15:5d:)" +
         std::to_string(10 + vsid % 80) + ":" + std::to_string(10 + i / 90) + ":" + std::to_string(10 + i % 90) +
         R"(","pa":")" + pa + R"("}})";
}

std::string batchOf(unsigned vsid, unsigned first, unsigned count, const std::string& pa) {
  std::string ops;
  for (unsigned i = first; i < first + count; ++i) ops += (ops.empty() ? "" : ",") + recordOp(vsid, i, pa);
  return R"({"operations":[)" + ops + "]}";
}

// What the agent saw.
struct Seen {
  std::mutex m;
  std::vector<Revision> revisions;
  std::vector<Change> changes;
  std::vector<json::object> snapshots;
};

class AgentSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = std::make_unique<ControllerClient>(server_->endpoint());
    mustCall(*admin_, "POST", "/v1/routing-domains", std::string(R"({"rdid":")") + kRdidA + R"("})");
    mustCall(*admin_, "POST", "/v1/routing-domains", std::string(R"({"rdid":")") + kRdidB + R"("})");
    mustCall(*admin_, "POST", "/v1/virtual-subnets",
             std::string(R"({"vsid":5001,"rdid":")") + kRdidA + R"(","prefixes":["10.0.0.0/16"]})");
    mustCall(*admin_, "POST", "/v1/virtual-subnets",
             std::string(R"({"vsid":6001,"rdid":")") + kRdidB + R"(","prefixes":["10.0.0.0/16"]})");
    mustCall(*admin_, "POST", "/v1/nodes", R"({"name":"host1","role":"host"})");
    mustCall(*admin_, "POST", "/v1/nodes", R"({"name":"host2","role":"host"})");
    mustCall(*admin_, "POST", "/v1/provider-addresses",
             R"({"node":"host1","address":"192.0.2.11","interface":"uplink0","prefixLength":24,"mac":"02:00:00:00:00:11"})");
    mustCall(*admin_, "POST", "/v1/provider-addresses",
             R"({"node":"host2","address":"192.0.2.12","interface":"uplink0","prefixLength":24,"mac":"02:00:00:00:00:12"})");
    // host1 serves VSID 5001 (routing domain A) through one VM of its own.
    mustCall(*admin_, "POST", "/v1/lookup-records",
             R"({"vsid":5001,"ca":"10.0.1.1","mac":"00:15:5d:01:01:01","pa":"192.0.2.11"})");
    mustCall(*admin_, "POST", "/v1/lookup-records",
             R"({"vsid":6001,"ca":"10.0.1.1","mac":"00:15:5d:02:01:01","pa":"192.0.2.12"})");
  }

  std::unique_ptr<AgentSession> startAgent(Seen& seen) {
    policy::AgentCallbacks cb;
    cb.onSnapshot = [&seen](const json::object& d) {
      std::lock_guard l(seen.m);
      seen.snapshots.push_back(d);
    };
    cb.onChange = [&seen](const Change& c) {
      std::lock_guard l(seen.m);
      seen.revisions.push_back(c.revision);
      seen.changes.push_back(c);
    };
    auto s = std::make_unique<AgentSession>(server_->endpoint(kHostToken), "host1", cb);
    s->start();
    return s;
  }

  Revision head() { return mustCall(*admin_, "GET", "/v1/status").at("revision").to_number<Revision>(); }

  std::unique_ptr<ControllerServer> server_ = std::make_unique<ControllerServer>();
  std::unique_ptr<ControllerClient> admin_;
};

TEST_F(AgentSessionTest, SnapshotThenOnlyTheChangesOfItsRoutingDomainsInOrder) {
  Seen seen;
  auto agent = startAgent(seen);
  ASSERT_TRUE(eventually([&] { return agent->snapshots() == 1; }));
  {
    std::lock_guard l(seen.m);
    const auto& snap = seen.snapshots.at(0);
    ASSERT_EQ(snap.at("lookup-records").as_array().size(), 1u) << "only routing domain A's record";
    EXPECT_EQ(snap.at("scope").as_array().size(), 1u);
  }
  // 300 records in host1's routing domain (on other hosts' PAs) and 100 in another tenant's.
  mustCall(*admin_, "POST", "/v1/batch", batchOf(5001, 0, 150, "192.0.2.50"));
  mustCall(*admin_, "POST", "/v1/batch", batchOf(6001, 0, 100, "192.0.2.12"));
  mustCall(*admin_, "POST", "/v1/batch", batchOf(5001, 150, 150, "192.0.2.50"));
  Revision last = head();
  ASSERT_TRUE(eventually([&] { return agent->revision() == last; })) << agent->revision() << " != " << last;
  std::lock_guard l(seen.m);
  ASSERT_EQ(seen.changes.size(), 300u);
  for (std::size_t i = 0; i < seen.changes.size(); ++i) {
    EXPECT_EQ(seen.changes[i].object.at("vsid").to_number<unsigned>(), 5001u);
    if (i > 0) {
      EXPECT_LT(seen.revisions[i - 1], seen.revisions[i]);
    }
  }
  EXPECT_EQ(agent->snapshots(), 1u);
}

TEST_F(AgentSessionTest, ResumesAfterControllerRestartWithoutLossOrDuplicates) {
  Seen seen;
  auto agent = startAgent(seen);
  ASSERT_TRUE(eventually([&] { return agent->snapshots() == 1; }));
  mustCall(*admin_, "POST", "/v1/batch", batchOf(5001, 0, 100, "192.0.2.50"));
  Revision before = head();
  ASSERT_TRUE(eventually([&] { return agent->revision() == before; }));

  server_->restart();
  admin_ = std::make_unique<ControllerClient>(server_->endpoint());
  // Written while the agent is still reconnecting: it must get them from history.
  mustCall(*admin_, "POST", "/v1/batch", batchOf(5001, 100, 100, "192.0.2.50"));
  mustCall(*admin_, "POST", "/v1/batch", batchOf(6001, 100, 50, "192.0.2.12"));
  mustCall(*admin_, "POST", "/v1/batch", batchOf(5001, 200, 100, "192.0.2.50"));
  Revision after = head();
  ASSERT_TRUE(eventually([&] { return agent->revision() == after; }));

  std::lock_guard l(seen.m);
  EXPECT_EQ(agent->snapshots(), 1u) << "a resume, not a resync";
  ASSERT_EQ(seen.revisions.size(), 300u);
  std::set<Revision> unique(seen.revisions.begin(), seen.revisions.end());
  EXPECT_EQ(unique.size(), seen.revisions.size()) << "a change was delivered twice";
  EXPECT_TRUE(std::is_sorted(seen.revisions.begin(), seen.revisions.end()));
}

TEST_F(AgentSessionTest, ResyncsWhenItsScopeChanges) {
  Seen seen;
  auto agent = startAgent(seen);
  ASSERT_TRUE(eventually([&] { return agent->snapshots() == 1; }));
  // A VM of tenant B lands on host1: host1 now serves routing domain B too.
  mustCall(*admin_, "POST", "/v1/lookup-records",
           R"({"vsid":6001,"ca":"10.0.7.7","mac":"00:15:5d:07:07:07","pa":"192.0.2.11"})");
  ASSERT_TRUE(eventually([&] { return agent->snapshots() == 2; }));
  std::lock_guard l(seen.m);
  const auto& snap = seen.snapshots.back();
  EXPECT_EQ(snap.at("scope").as_array().size(), 2u);
  EXPECT_EQ(snap.at("lookup-records").as_array().size(), 3u) << json::serialize(snap);
}

TEST_F(AgentSessionTest, ReportsDriveSyncStateAndLearnedAddressesBecomeDynamicRecords) {
  mustCall(*admin_, "POST", "/v1/lookup-records",
           R"({"vsid":5001,"type":"L2Only","mac":"00:15:5d:0a:0a:0a","pa":"192.0.2.11"})");
  auto record = [&] { return mustCall(*admin_, "GET", "/v1/lookup-records/5001/10.0.1.1/00:15:5d:01:01:01"); };
  EXPECT_TRUE(record().at("unsynchronized").as_bool());
  Seen seen;
  auto agent = startAgent(seen);
  ASSERT_TRUE(eventually([&] { return agent->snapshots() == 1; }));
  agent->reportApplied(agent->revision());
  ASSERT_TRUE(eventually([&] { return !record().at("unsynchronized").as_bool(); }));
  EXPECT_EQ(mustCall(*admin_, "GET", "/v1/nodes/host1/status").at("health"), "ok");

  agent->reportLearned(json::object{{"vsid", 5001}, {"ca", "10.0.9.9"}, {"mac", "00:15:5d:0a:0a:0a"}});
  ASSERT_TRUE(eventually([&] {
    auto r = admin_->call("GET", "/v1/lookup-records/5001/10.0.9.9/00:15:5d:0a:0a:0a");
    return r.ok() && r->at("type") == "Dynamic" && r->at("pa") == "192.0.2.11";
  }));
}

// hnv-controller's Prometheus text, read as Prometheus would: one sample a
// line; the node's lag follows a change it has not applied yet.
TEST_F(AgentSessionTest, MetricsShowTheRevisionEachNodesLagAndTheResponses) {
  Seen seen;
  auto agent = startAgent(seen);
  ASSERT_TRUE(eventually([&] { return agent->snapshots() == 1; }));
  agent->reportApplied(agent->revision());
  ASSERT_TRUE(eventually([&] { return !server_->onIo([&] { return server_->engine().nodeStatus().empty(); }); }));
  mustCall(*admin_, "POST", "/v1/lookup-records",
           R"({"vsid":5001,"ca":"10.0.1.2","mac":"00:15:5d:01:01:02","pa":"192.0.2.11"})");
  EXPECT_FALSE(admin_->call("GET", "/v1/no-such-kind").ok());

  std::map<std::string, double> m;
  Revision revision = 0;
  const std::string text = server_->onIo([&] {
    revision = server_->engine().revision();
    return controllerMetrics(server_->engine(), server_->api());
  });
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    m[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  EXPECT_EQ(m["hnv_controller_revision"], static_cast<double>(revision));
  EXPECT_EQ(m["hnv_controller_objects"], 11.0) << text;  // the fixture's 10 and the new record
  EXPECT_EQ(m["hnv_controller_node_applied_revision{node=\"host1\"}"], static_cast<double>(revision - 1)) << text;
  EXPECT_EQ(m["hnv_controller_node_lag_revisions{node=\"host1\"}"], 1.0);
  EXPECT_EQ(m["hnv_controller_node_healthy{node=\"host1\"}"], 1.0);
  EXPECT_GE(m["hnv_controller_http_responses_total{code=\"404\"}"], 1.0) << text;
  EXPECT_GE(m["hnv_controller_http_responses_total{code=\"200\"}"], 1.0) << text;
}

TEST_F(AgentSessionTest, NodeTokensReachOnlyTheirOwnSouthboundRoutes) {
  ControllerClient host(server_->endpoint(kHostToken));
  EXPECT_EQ(host.request("GET", "/v1/lookup-records")->status, 403u);
  EXPECT_EQ(host.request("GET", "/v1/nodes/host2/desired-state")->status, 403u);
  EXPECT_EQ(host.request("POST", "/v1/batch")->status, 400u) << "no body";
  EXPECT_EQ(host.request("GET", "/v1/nodes/host1/desired-state")->status, 200u);
}

TEST(NodeWatch, AgentTooFarBehindIsToldToResync) {
  ControllerServer server(1000);
  ControllerClient admin(server.endpoint());
  mustCall(admin, "POST", "/v1/nodes", R"({"name":"host1","role":"host"})");
  for (int round = 0; round < 3; ++round) {
    std::string ops;
    for (int i = 0; i < 500; ++i) {
      ops += std::string(ops.empty() ? "" : ",") + R"({"op":"patch","kind":"global","key":"default","object":{"useExternalRouter":)" +
             (i % 2 ? "true" : "false") + "}}";
    }
    mustCall(admin, "POST", "/v1/batch", R"({"operations":[)" + ops + "]}");
  }
  auto reader = policy::WatchReader::open(server.endpoint(kHostToken), "/v1/nodes/host1/watch?from=1");
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  auto line = (*reader)->next(std::chrono::seconds(5));
  ASSERT_TRUE(line.ok() && line->has_value());
  EXPECT_EQ((**line).at("type"), "resync") << json::serialize(**line);
  // The northbound watch answers 410 instead.
  ControllerClient c(server.endpoint());
  EXPECT_EQ(c.request("GET", "/v1/watch?from=1")->status, 410u);
}

TEST(Tls, ServesHttpsWithTheConfiguredCertificateAndClientsVerifyIt) {
  char tmpl[] = "/tmp/hnv-tls-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 "
                    "-addext subjectAltName=IP:127.0.0.1 -keyout " + dir + "/key.pem -out " + dir + "/cert.pem 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a test certificate";
  ControllerServer server(200000, TlsConfig{dir + "/cert.pem", dir + "/key.pem"});
  auto ep = server.endpoint();
  ep.caFile = dir + "/cert.pem";
  ControllerClient trusted(ep);
  auto ok = trusted.call("GET", "/v1/status");
  EXPECT_TRUE(ok.ok()) << (ok.ok() ? "" : ok.error().message());
  // Without the certificate as a trust anchor the handshake must fail.
  ep.caFile.clear();
  ControllerClient untrusted(ep);
  auto refused = untrusted.call("GET", "/v1/status");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().why.find("handshake"), std::string::npos) << refused.error().message();
  // Plain HTTP to the TLS port gets nothing usable.
  ep.tls = false;
  ControllerClient plain(ep);
  EXPECT_FALSE(plain.call("GET", "/v1/status").ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hnv::controller::test

namespace hnv::controller::test {
namespace {

// Acceptance: every refusal of a bad input is a 4xx; only the server's own
// failures are 5xx. The engine's bad-input tests check the Errc of each case.
TEST(HttpStatus, ClientErrorsAre4xxAndServerFailures5xx) {
  for (Errc c : {Errc::InvalidArgument, Errc::OutOfRange, Errc::Malformed, Errc::Truncated, Errc::PermissionDenied,
                 Errc::NotFound, Errc::Unsupported, Errc::AlreadyExists, Errc::Conflict}) {
    unsigned s = httpStatus(c);
    EXPECT_TRUE(s >= 400 && s < 500) << errcName(c) << " -> " << s;
  }
  for (Errc c : {Errc::Io, Errc::Internal, Errc::Unavailable}) EXPECT_GE(httpStatus(c), 500u) << errcName(c);
  auto r = errorResponse(makeError(Errc::Conflict, "ca", "10.0.1.10", "is immutable"));
  EXPECT_EQ(r.status, 409u);
  EXPECT_NE(r.body.find(R"("code":"conflict","field":"ca","value":"10.0.1.10","reason":"is immutable")"),
            std::string::npos)
      << r.body;
}

// An S2S interface's pre-shared key reaches its own gateway only: another
// gateway of the tenant sees the key removed, the API never shows it.
TEST(NodeWatch, AnotherGatewaysS2sInterfaceArrivesAsARemovalWithoutItsSecret) {
  ControllerServer server;
  ControllerClient admin(server.endpoint());
  mustCall(admin, "POST", "/v1/routing-domains", std::string(R"({"rdid":")") + kRdidA + R"("})");
  mustCall(admin, "POST", "/v1/routing-domains", std::string(R"({"rdid":")") + kRdidB + R"("})");
  const std::string tenants = std::string(R"("tenants":[")") + kRdidA + R"(",")" + kRdidB + R"("])";
  // host1 (the node token the fixture has) is a gateway here, beside gw2.
  mustCall(admin, "POST", "/v1/nodes", R"({"name":"host1","role":"gateway",)" + tenants + "}");
  auto gw2 = mustCall(admin, "POST", "/v1/nodes", R"({"name":"gw2","role":"gateway",)" + tenants + "}");
  // Watch from here: the nodes' creation (scope changes) lies behind.
  const std::string from = std::to_string(gw2.at("revision").to_number<std::uint64_t>());
  auto reader = policy::WatchReader::open(server.endpoint(kHostToken), "/v1/nodes/host1/watch?from=" + from);
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  const std::string secret = "only-gw2-may-know-this";
  mustCall(admin, "POST", "/v1/vpn-s2s-interfaces",
           std::string(R"({"rdid":")") + kRdidA + R"(","name":"site-a","node":"gw2","externalRdid":")" + kRdidB +
               R"(","localAddress":"203.0.113.5","destination":"198.51.100.2","sharedSecret":")" + secret +
               R"(","localPrefixes":["10.0.1.0/24"],"remotePrefixes":["172.16.1.0/24"]})");
  bool sawRemoval = false;
  for (int i = 0; i < 20 && !sawRemoval; ++i) {
    auto line = (*reader)->next(std::chrono::seconds(5));
    ASSERT_TRUE(line.ok() && line->has_value());
    const std::string text = json::serialize(**line);
    EXPECT_EQ(text.find(secret), std::string::npos) << "host1 got gw2's secret: " << text;
    const auto& o = **line;
    if (o.at("type") == "change" && o.at("kind") == "vpn-s2s-interfaces") {
      EXPECT_EQ(o.at("op"), "delete") << text;
      sawRemoval = true;
    }
  }
  EXPECT_TRUE(sawRemoval);
  auto northbound = policy::WatchReader::open(server.endpoint(), "/v1/watch?from=1");
  ASSERT_TRUE(northbound.ok()) << northbound.error().message();
  bool sawPut = false;
  for (int i = 0; i < 20 && !sawPut; ++i) {
    auto line = (*northbound)->next(std::chrono::seconds(5));
    ASSERT_TRUE(line.ok() && line->has_value());
    const std::string text = json::serialize(**line);
    EXPECT_EQ(text.find(secret), std::string::npos) << "the API's watch shows the secret: " << text;
    sawPut = (**line).at("type") == "change" && (**line).at("kind") == "vpn-s2s-interfaces";
  }
  EXPECT_TRUE(sawPut);
  auto listed = admin.request("GET", "/v1/vpn-s2s-interfaces");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->status, 200u);
  EXPECT_EQ(json::serialize(listed->body).find(secret), std::string::npos);
}

}  // namespace
}  // namespace hnv::controller::test
