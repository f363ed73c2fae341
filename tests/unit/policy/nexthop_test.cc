// Select-NetVirtualizationNextHop, table-driven over the typical topology
// (see policy_fixture.h) plus per-case extra policy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <ostream>

#include "hnv/policy/nexthop.h"
#include "policy_fixture.h"

namespace hnv::policy::testing {
namespace {

using ::testing::HasSubstr;

// The distributed router's default MACs (02:48:4e + VSID).
constexpr std::string_view kRouter5001 = "02:48:4e:00:13:89";
constexpr std::string_view kRouter5002 = "02:48:4e:00:13:8a";
constexpr std::string_view kWeb1 = "00:15:5d:00:00:01";
constexpr std::string_view kWeb2 = "00:15:5d:00:00:02";
constexpr std::string_view kDb1 = "00:15:5d:00:00:03";
constexpr std::string_view kGwA = "00:15:5d:ff:00:01";
constexpr std::string_view kB1 = "00:15:5d:00:01:01";
constexpr std::string_view kB2 = "00:15:5d:00:01:02";
constexpr std::string_view kWildB = "00:15:5d:ff:00:02";

struct HopCase {
  std::string name;
  std::vector<Operation> setup;
  std::uint32_t vsid = 0;
  std::string src;  // empty: not given
  std::string dst;
  // Expected on success.
  std::string nextHop;
  std::uint32_t nextHopVsid = 0;
  std::string sourceMac;  // empty: absent
  std::string nextHopMac;
  std::string reason;
  // Expected on failure.
  std::optional<Errc> code = std::nullopt;
  std::string where;
};

void PrintTo(const HopCase& c, std::ostream* os) { *os << c.name; }

struct Query {
  std::uint32_t vsid;
  std::string src, dst;
};
struct Hop {
  std::string nextHop;
  std::uint32_t vsid;
  std::string sourceMac, nextHopMac, reason;
};

HopCase ok(std::string name, std::vector<Operation> setup, Query q, Hop h) {
  HopCase c;
  c.name = std::move(name);
  c.setup = std::move(setup);
  c.vsid = q.vsid;
  c.src = q.src;
  c.dst = q.dst;
  c.nextHop = h.nextHop;
  c.nextHopVsid = h.vsid;
  c.sourceMac = h.sourceMac;
  c.nextHopMac = h.nextHopMac;
  c.reason = h.reason;
  return c;
}
HopCase fail(std::string name, std::vector<Operation> setup, Query q, Errc code, std::string where) {
  HopCase c;
  c.name = std::move(name);
  c.setup = std::move(setup);
  c.vsid = q.vsid;
  c.src = q.src;
  c.dst = q.dst;
  c.code = code;
  c.where = std::move(where);
  return c;
}

Operation route(std::string_view rdid, unsigned vsid, std::string_view dest, std::string_view hop, unsigned metric) {
  return createOp(kCr, R"({"rdid":")" + std::string(rdid) + R"(","vsid":)" + std::to_string(vsid) +
                           R"(,"destinationPrefix":")" + std::string(dest) + R"(","nextHop":")" + std::string(hop) +
                           R"(","metric":)" + std::to_string(metric) + "}");
}
Operation record(unsigned vsid, std::string_view ca, std::string_view mac, std::string_view type = "Static") {
  return createOp(kLr, R"({"vsid":)" + std::to_string(vsid) + R"(,"ca":")" + std::string(ca) + R"(","mac":")" +
                           std::string(mac) + R"(","pa":"192.168.0.1","type":")" + std::string(type) + "\"}");
}
Operation external() { return patchOp(kGlobal, "", R"({"useExternalRouter":true})"); }

std::vector<HopCase> cases() {
  const auto A = kRdidA;
  return {
      ok("same_subnet", {}, {5001, "10.0.1.10", "10.0.1.11"},
         {"10.0.1.11", 5001, std::string(kWeb1), std::string(kWeb2), "on-link 10.0.1.0/24 in VSID 5001"}),
      ok("same_subnet_no_source", {}, {5001, "", "10.0.1.11"}, {"10.0.1.11", 5001, "", std::string(kWeb2), "on-link"}),
      ok("cross_subnet", {}, {5001, "10.0.1.10", "10.0.2.10"},
         {"10.0.2.10", 5002, std::string(kRouter5002), std::string(kDb1), "routed by the distributed router"}),
      ok("cross_subnet_no_source", {}, {5001, "", "10.0.2.10"},
         {"10.0.2.10", 5002, std::string(kRouter5002), std::string(kDb1), "on-link 10.0.2.0/24 in VSID 5002"}),
      ok("cross_subnet_back", {}, {5002, "10.0.2.10", "10.0.1.10"},
         {"10.0.1.10", 5001, std::string(kRouter5001), std::string(kWeb1), "distributed router"}),
      ok("overlap_resolves_in_b", {}, {6001, "10.0.1.20", "10.0.1.10"},
         {"10.0.1.10", 6001, std::string(kB2), std::string(kB1), "in VSID 6001"}),
      ok("overlap_resolves_in_a", {}, {5001, "10.0.1.11", "10.0.1.10"},
         {"10.0.1.10", 5001, std::string(kWeb2), std::string(kWeb1), "in VSID 5001"}),
      ok("b_cannot_route_into_a", {}, {6001, "10.0.1.20", "10.0.2.10"},
         {"10.0.2.10", 6001, std::string(kB2), std::string(kWildB), "GatewayWildcard of VSID 6001"}),
      ok("default_route_to_gateway", {}, {5001, "10.0.1.10", "8.8.8.8"},
         {"10.0.1.254", 5001, std::string(kWeb1), std::string(kGwA), "customer route 0.0.0.0/0 via 10.0.1.254"}),
      ok("default_route_from_other_subnet", {}, {5002, "10.0.2.10", "8.8.8.8"},
         {"10.0.1.254", 5001, std::string(kRouter5001), std::string(kGwA), "customer route 0.0.0.0/0"}),
      ok("outside_via_wildcard", {}, {6001, "10.0.1.10", "8.8.8.8"},
         {"8.8.8.8", 6001, std::string(kB1), std::string(kWildB), "no route; outside the virtual network"}),
      ok("unknown_ca_in_subnet_via_wildcard", {}, {6001, "", "10.0.1.99"},
         {"10.0.1.99", 6001, "", std::string(kWildB), "GatewayWildcard"}),
      ok("external_router_cross_subnet", {external()}, {5001, "10.0.1.10", "10.0.2.10"},
         {"10.0.1.254", 5001, std::string(kWeb1), std::string(kGwA), "customer route 0.0.0.0/0 via 10.0.1.254"}),
      ok("external_router_same_subnet", {external()}, {5001, "10.0.1.10", "10.0.1.11"},
         {"10.0.1.11", 5001, std::string(kWeb1), std::string(kWeb2), "on-link 10.0.1.0/24"}),
      ok("external_router_specific_route",
         {external(), record(5001, "10.0.1.253", "00:15:5d:ff:00:03"), route(A, 5001, "10.0.2.0/24", "10.0.1.253", 5)},
         {5001, "10.0.1.10", "10.0.2.10"},
         {"10.0.1.253", 5001, std::string(kWeb1), "00:15:5d:ff:00:03", "customer route 10.0.2.0/24 via 10.0.1.253"}),
      ok("external_router_off_keeps_distributed_router", {route(A, 5001, "10.0.2.0/24", "10.0.1.254", 0)},
         {5001, "10.0.1.10", "10.0.2.10"},
         {"10.0.2.10", 5002, std::string(kRouter5002), std::string(kDb1), "on-link 10.0.2.0/24"}),
      ok("longest_prefix_beats_metric",
         {route(A, 5001, "172.16.0.0/12", "10.0.1.254", 0), route(A, 5001, "172.16.5.0/24", "10.0.1.11", 100)},
         {5001, "10.0.1.10", "172.16.5.5"},
         {"10.0.1.11", 5001, std::string(kWeb1), std::string(kWeb2), "172.16.5.0/24 via 10.0.1.11"}),
      ok("shorter_prefix_when_longest_misses",
         {route(A, 5001, "172.16.0.0/12", "10.0.1.254", 0), route(A, 5001, "172.16.5.0/24", "10.0.1.11", 100)},
         {5001, "10.0.1.10", "172.16.6.5"},
         {"10.0.1.254", 5001, std::string(kWeb1), std::string(kGwA), "172.16.0.0/12 via 10.0.1.254"}),
      ok("lower_metric_wins",
         {route(A, 5001, "172.20.0.0/16", "10.0.1.254", 20), route(A, 5002, "172.20.0.0/16", "10.0.2.10", 10)},
         {5001, "10.0.1.10", "172.20.1.1"},
         {"10.0.2.10", 5002, std::string(kRouter5002), std::string(kDb1), "via 10.0.2.10 in VSID 5002"}),
      ok("lower_metric_wins_other_way",
         {route(A, 5001, "172.20.0.0/16", "10.0.1.254", 5), route(A, 5002, "172.20.0.0/16", "10.0.2.10", 10)},
         {5001, "10.0.1.10", "172.20.1.1"}, {"10.0.1.254", 5001, std::string(kWeb1), std::string(kGwA), "via"}),
      ok("equal_metric_lower_vsid",
         {route(A, 5002, "172.20.0.0/16", "10.0.2.10", 7), route(A, 5001, "172.20.0.0/16", "10.0.1.254", 7)},
         {5002, "10.0.2.10", "172.20.1.1"},
         {"10.0.1.254", 5001, std::string(kRouter5001), std::string(kGwA), "in VSID 5001"}),
      ok("subnet_route_beats_equal_customer_route", {route(A, 5002, "10.0.1.0/24", "10.0.2.10", 0)},
         {5002, "10.0.2.10", "10.0.1.11"},
         {"10.0.1.11", 5001, std::string(kRouter5001), std::string(kWeb2), "on-link 10.0.1.0/24"}),
      ok("customer_route_more_specific_than_subnet", {route(A, 5001, "10.0.2.128/25", "10.0.1.254", 50)},
         {5001, "10.0.1.10", "10.0.2.200"},
         {"10.0.1.254", 5001, std::string(kWeb1), std::string(kGwA), "customer route 10.0.2.128/25"}),
      ok("ipv6_same_subnet_no_source", {}, {5001, "", "fd00:1::10"},
         {"fd00:1::10", 5001, "", std::string(kWeb1), "on-link fd00:1::/64 in VSID 5001"}),
      ok("ipv6_cross_subnet", {}, {5001, "fd00:1::10", "fd00:2::10"},
         {"fd00:2::10", 5002, std::string(kRouter5002), std::string(kDb1), "on-link fd00:2::/64"}),
      ok("ipv6_default_route", {record(5001, "fd00:1::fe", kGwA), route(A, 5001, "::/0", "fd00:1::fe", 0)},
         {5001, "fd00:1::10", "2001:db8::1"},
         {"fd00:1::fe", 5001, std::string(kWeb1), std::string(kGwA), "customer route ::/0 via fd00:1::fe"}),
      ok("ipv6_wildcard", {record(6001, "::", "00:15:5d:ff:00:06", "GatewayWildcard")}, {6001, "", "2001:db8::1"},
         {"2001:db8::1", 6001, "", "00:15:5d:ff:00:06", "GatewayWildcard"}),
      fail("unknown_source_vsid", {}, {5999, "10.0.1.10", "10.0.1.11"}, Errc::NotFound, "sourceVsid"),
      fail("source_ca_without_record", {}, {5001, "10.0.1.99", "10.0.1.11"}, Errc::NotFound, "sourceCa"),
      fail("source_ca_of_other_tenant", {}, {5001, "10.0.1.20", "10.0.1.11"}, Errc::NotFound, "sourceCa"),
      fail("source_ca_behind_wildcard_only", {}, {6001, "10.0.1.99", "10.0.1.10"}, Errc::NotFound, "sourceCa"),
      fail("family_mismatch", {}, {5001, "10.0.1.10", "fd00:2::10"}, Errc::InvalidArgument, "sourceCa"),
      fail("family_mismatch_v6_source", {}, {5001, "fd00:1::10", "10.0.2.10"}, Errc::InvalidArgument, "sourceCa"),
      fail("ipv6_no_route_no_wildcard", {}, {5001, "fd00:1::10", "2001:db8::1"}, Errc::NotFound, "destinationCa"),
      fail("no_route_no_wildcard", {deleteOp(kLr, kRecWildB)}, {6001, "10.0.1.10", "8.8.8.8"}, Errc::NotFound,
           "destinationCa"),
      fail("on_link_without_record", {}, {5001, "10.0.1.10", "10.0.1.99"}, Errc::NotFound, "destinationCa"),
      fail("next_hop_without_record", {route(A, 5001, "192.168.100.0/24", "10.0.1.50", 0)},
           {5001, "10.0.1.10", "192.168.100.1"}, Errc::NotFound, "destinationCa"),
      fail("l2only_is_not_a_wildcard", {}, {5002, "10.0.2.10", "10.0.2.99"}, Errc::NotFound, "destinationCa"),
  };
}

class NextHopSelect : public PolicyFixture, public ::testing::WithParamInterface<HopCase> {
 protected:
  void SetUp() override {
    PolicyFixture::SetUp();
    buildTypical();
    for (const auto& op : GetParam().setup) must(op);
    ASSERT_FALSE(HasFailure());
  }
};

TEST_P(NextHopSelect, Selects) {
  const HopCase& c = GetParam();
  NextHopQuery q{std::nullopt, *IpAddr::parse(c.dst), *Vsid::forTenant(c.vsid)};
  if (!c.src.empty()) q.sourceCa = *IpAddr::parse(c.src);
  auto r = selectNextHop(engine.state(), q);
  if (c.code) {
    ASSERT_FALSE(r) << "selected " << r->nextHop.toString() << " (" << r->reason << ")";
    EXPECT_EQ(r.error().code, *c.code) << describe(r.error());
    EXPECT_EQ(r.error().where, c.where) << describe(r.error());
    return;
  }
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->nextHop.toString(), c.nextHop) << r->reason;
  EXPECT_EQ(r->nextHopVsid.value(), c.nextHopVsid) << r->reason;
  EXPECT_EQ(r->sourceMac ? r->sourceMac->toString() : "", c.sourceMac) << r->reason;
  EXPECT_EQ(r->nextHopMac.toString(), c.nextHopMac) << r->reason;
  EXPECT_THAT(r->reason, HasSubstr(c.reason));
}

std::string caseName(const ::testing::TestParamInfo<HopCase>& p) { return p.param.name; }

INSTANTIATE_TEST_SUITE_P(NextHop, NextHopSelect, ::testing::ValuesIn(cases()), caseName);

TEST(NextHopJson, Query) {
  auto q = nextHopQueryFromJson(J(R"({"sourceVsid":5001,"destinationCa":"10.0.2.10","sourceCa":"10.0.1.10"})"));
  ASSERT_TRUE(q) << describe(q.error());
  EXPECT_EQ(q->sourceVsid.value(), 5001u);
  EXPECT_EQ(q->destinationCa.toString(), "10.0.2.10");
  ASSERT_TRUE(q->sourceCa);
  EXPECT_EQ(q->sourceCa->toString(), "10.0.1.10");
  auto noSource = nextHopQueryFromJson(J(R"({"sourceVsid":5001,"destinationCa":"fd00::1"})"));
  ASSERT_TRUE(noSource);
  EXPECT_FALSE(noSource->sourceCa);

  const std::pair<std::string_view, std::string_view> bad[] = {
      {R"({"destinationCa":"10.0.2.10"})", "sourceVsid"},
      {R"({"sourceVsid":4095,"destinationCa":"10.0.2.10"})", "sourceVsid"},
      {R"({"sourceVsid":"5001","destinationCa":"10.0.2.10"})", "sourceVsid"},
      {R"({"sourceVsid":5001})", "destinationCa"},
      {R"({"sourceVsid":5001,"destinationCa":"10.0.2"})", "destinationCa"},
      {R"({"sourceVsid":5001,"destinationCa":"10.0.2.10","sourceCa":5})", "sourceCa"},
      {R"({"sourceVsid":5001,"destinationCa":"10.0.2.10","via":"x"})", "via"},
      {R"([5001])", ""},
  };
  for (const auto& [text, where] : bad) {
    auto r = nextHopQueryFromJson(J(text));
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().where, where) << text << " -> " << describe(r.error());
  }
}

TEST(NextHopJson, Answer) {
  NextHop n{*IpAddr::parse("10.0.1.254"), *Vsid::forTenant(5001), std::nullopt, *MacAddr::parse("00:15:5d:ff:00:01"),
            "why"};
  auto o = nextHopToJson(n);
  EXPECT_EQ(o.at("nextHop"), "10.0.1.254");
  EXPECT_EQ(o.at("nextHopVsid"), 5001u);
  EXPECT_TRUE(o.at("sourceMac").is_null());
  EXPECT_EQ(o.at("nextHopMac"), "00:15:5d:ff:00:01");
  EXPECT_EQ(o.at("reason"), "why");
  n.sourceMac = *MacAddr::parse("00:15:5d:00:00:01");
  EXPECT_EQ(nextHopToJson(n).at("sourceMac"), "00:15:5d:00:00:01");
}

}  // namespace
}  // namespace hnv::policy::testing
