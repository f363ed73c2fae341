// The vm-ports kind through the engine: a host's VM port joined to a virtual
// subnet with the VM's MAC and allowed CAs; the rules across objects, input
// refused by field, admin-only writes, and what the host's desired state and
// watch get.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy_fixture.h"

namespace hnv::policy::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::string_view kVp = "vm-ports";
constexpr std::string_view kWeb1Port =
    R"({"node":"host1","port":"web1","vsid":5001,"mac":"00:15:5d:00:00:01","allowedCas":["10.0.1.10/32","fd00:1::10/128"],"vmName":"web1"})";

class VmPortEngine : public PolicyFixture {
 protected:
  void SetUp() override {
    PolicyFixture::SetUp();
    buildTypical();
    ASSERT_FALSE(HasFailure());
  }
  std::string refusal(std::string_view body) {
    auto r = run(createOp(kVp, body));
    return r ? std::string("accepted") : r.error().message();
  }
};

TEST_F(VmPortEngine, AHostGetsItsOwnVmPortsAndTheirChanges) {
  must(createOp(kVp, kWeb1Port));
  auto p = get(kVp, "host1/web1");
  EXPECT_EQ(p.at("vsid"), 5001);
  EXPECT_EQ(p.at("mac"), "00:15:5d:00:00:01");
  ASSERT_EQ(p.at("allowedCas").as_array().size(), 2u);
  EXPECT_EQ(p.at("allowedCas").as_array()[1], "fd00:1::10/128");
  auto h1 = desired("host1");
  ASSERT_EQ(h1.at("vm-ports").as_array().size(), 1u);
  EXPECT_EQ(h1.at("vm-ports").as_array()[0].at("port"), "web1");
  EXPECT_THAT(desired("host2").at("vm-ports").as_array(), IsEmpty());
  EXPECT_THAT(desired("gw1").at("vm-ports").as_array(), IsEmpty());

  const auto* host1 = engine.state().find<NodeEntry>("host1");
  const auto* host2 = engine.state().find<NodeEntry>("host2");
  auto changes = run(patchOp(kVp, "host1/web1", R"({"allowedCas":[]})"));
  ASSERT_TRUE(changes) << describe(changes.error());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_TRUE(engine.concerns(host1->object, engine.state().scope(host1->object), changes->front()));
  EXPECT_FALSE(engine.concerns(host2->object, engine.state().scope(host2->object), changes->front()));
  EXPECT_THAT(get(kVp, "host1/web1").at("allowedCas").as_array(), IsEmpty());
}

TEST_F(VmPortEngine, AVmPortBringsItsVirtualSubnetIntoTheHostsScope) {
  // host3 has no provider address yet, so no record places a VSID on it; its
  // first VM port makes it serve that VSID's routing domain.
  must(createOp(kNode, R"({"name":"host3","role":"host"})"));
  auto subnets = [&] {
    std::vector<std::int64_t> out;
    const json::object d = desired("host3");
    for (const auto& s : d.at("virtual-subnets").as_array()) out.push_back(s.at("vsid").to_number<std::int64_t>());
    return out;
  };
  EXPECT_THAT(subnets(), IsEmpty());
  must(createOp(kVp, R"({"node":"host3","port":"db9","vsid":5002,"mac":"00:15:5d:00:00:99"})"));
  EXPECT_THAT(subnets(), ::testing::Contains(5002)) << "the host's desired state carries the port's virtual subnet";
  EXPECT_THAT(subnets(), ::testing::Not(::testing::Contains(6001))) << "and not another tenant's";
}

TEST_F(VmPortEngine, RulesAcrossObjects) {
  EXPECT_THAT(refusal(R"({"node":"host9","port":"p","vsid":5001,"mac":"00:15:5d:00:00:01"})"),
              HasSubstr("names a node that does not exist"));
  EXPECT_THAT(refusal(R"({"node":"gw1","port":"p","vsid":5001,"mac":"00:15:5d:00:00:01"})"),
              HasSubstr("VM ports are on hosts"));
  EXPECT_THAT(refusal(R"({"node":"host1","port":"p","vsid":7777,"mac":"00:15:5d:00:00:01"})"),
              HasSubstr("names a virtual subnet that does not exist"));
  EXPECT_THAT(refusal(R"({"node":"host1","port":"p","vsid":5001,"mac":"00:15:5d:00:00:01","allowedCas":["10.0.2.0/24"]})"),
              HasSubstr("allowedCas[0]: 10.0.2.0/24: is not inside a prefix of virtual subnet 5001"));
  EXPECT_THAT(refusal(R"({"node":"host1","port":"p","vsid":5001,"mac":"00:15:5d:00:00:01","allowedCas":["10.0.0.0/16"]})"),
              HasSubstr("is not inside a prefix"));
  must(createOp(kVp, kWeb1Port));
  EXPECT_THAT(refusal(R"({"node":"host1","port":"other","vsid":5001,"mac":"00:15:5d:00:00:01"})"),
              HasSubstr("is the MAC of VM port host1/web1 in VSID 5001"));
  // The same MAC in another VSID, or on another host, is another adapter.
  must(createOp(kVp, R"({"node":"host1","port":"other","vsid":5002,"mac":"00:15:5d:00:00:01"})"));
  must(createOp(kVp, R"({"node":"host2","port":"web1","vsid":5001,"mac":"00:15:5d:00:00:01"})"));
  // Removal order: the VM ports before their subnet (and node, below).
  must(deleteOp(kVp, "host2/web1"));
  must(deleteOp(kVp, "host1/web1"));
  auto r = run(deleteOp(kVs, "5002"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("still refers to it"));
}

TEST_F(VmPortEngine, ANodeIsRemovedAfterItsVmPorts) {
  must(createOp(kNode, R"({"name":"host3","role":"host"})"));
  must(createOp(kVp, R"({"node":"host3","port":"vm0","vsid":5001,"mac":"00:15:5d:00:00:31"})"));
  auto r = run(deleteOp(kNode, "host3"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("VM port host3/vm0 still belongs to it"));
  must(deleteOp(kVp, "host3/vm0"));
  must(deleteOp(kNode, "host3"));
}

TEST_F(VmPortEngine, BadInputNamesTheFieldAndTheRule) {
  struct Case {
    std::string_view body, says;
  } cases[] = {
      {R"({"node":"host1","vsid":5001,"mac":"00:15:5d:00:00:01"})", "port"},
      {R"({"node":"host1","port":"a/b","vsid":5001,"mac":"00:15:5d:00:00:01"})", "port"},
      {R"({"node":"host1","port":"p","vsid":5001,"mac":"01:00:5e:00:00:01"})", "must be a unicast, non-zero MAC"},
      {R"({"node":"host1","port":"p","vsid":5001,"mac":"00:00:00:00:00:00"})", "must be a unicast, non-zero MAC"},
      {R"({"node":"host1","port":"p","vsid":5001,"mac":"00:15:5d:00:00:01","allowedCas":["10.0.1.10"]})",
       "must be a prefix with a length"},
      {R"({"node":"host1","port":"p","vsid":5001,"mac":"00:15:5d:00:00:01","allowedCas":"10.0.1.10/32"})", "allowedCas"},
      {R"({"node":"host1","port":"p","vsid":1,"mac":"00:15:5d:00:00:01"})", "vsid"},
      {R"({"node":"host1","port":"p","vsid":5001,"mac":"00:15:5d:00:00:01","color":"red"})", "color"},
  };
  const std::string before = snapshot();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    EXPECT_THAT(refusal(c.body), HasSubstr(c.says));
  }
  EXPECT_EQ(snapshot(), before) << "nothing half-applied";
}

TEST_F(VmPortEngine, OnlyAnAdministratorPlacesVmsOnPorts) {
  auto r = run(createOp(kVp, kWeb1Port), tenantA());
  ASSERT_FALSE(r.ok()) << "a tenant token could otherwise take another tenant's port";
  must(createOp(kVp, kWeb1Port));
  r = run(patchOp(kVp, "host1/web1", R"({"vsid":5002})"), tenantA());
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace hnv::policy::testing
