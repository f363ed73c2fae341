// Compiling a node's desired state, as the real engine produces it, into the
// overlay's lookup tables, and receive validation on them.
#include "hnv/overlay/overlay_policy.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "hnv/policy/engine.h"
#include "memory_store.h"

namespace hnv::overlay {
namespace {

namespace json = boost::json;
using policy::Access;
using policy::Operation;

constexpr const char* kRdA = "8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a";
constexpr const char* kRdB = "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9";

IpAddr ip(const char* s) { return *IpAddr::parse(s); }
MacAddr mac(const char* s) { return *MacAddr::parse(s); }
Vsid vsid(std::uint32_t v) { return *Vsid::make(v); }

class OverlayPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(engine_.open().ok()); }

  void create(const char* kind, const std::string& body) {
    Operation op{Operation::Verb::Create, kind, "", json::parse(body), {}};
    auto r = engine_.apply(std::span<const Operation>(&op, 1), Access::admin());
    ASSERT_TRUE(r.ok()) << kind << " " << body << ": " << r.error().message();
  }

  // Tenants A (VSID 5001) and B (VSID 6001) both use CA 10.0.1.10. host1
  // owns PA 192.0.2.11; host2 .12; the gateway gw1 .1 is each VSID's
  // GatewayWildcard for IPv4.
  void topology() {
    create("routing-domains", std::string(R"({"rdid":")") + kRdA + R"("})");
    create("routing-domains", std::string(R"({"rdid":")") + kRdB + R"("})");
    create("virtual-subnets", std::string(R"({"vsid":5001,"rdid":")") + kRdA +
                                  R"(","prefixes":["10.0.1.0/24","fd00:1::/64"],"defaultGatewayMac":"02:00:00:00:50:01"})");
    create("virtual-subnets", std::string(R"({"vsid":6001,"rdid":")") + kRdB +
                                  R"(","prefixes":["10.0.1.0/24"],"multicastGroup":"239.1.1.1"})");
    create("nodes", R"({"name":"host1","role":"host"})");
    create("provider-addresses",
           R"({"node":"host1","address":"192.0.2.11","interface":"up0","prefixLength":24,"mac":"02:00:00:00:00:11"})");
    create("lookup-records", R"({"vsid":5001,"ca":"10.0.1.10","mac":"00:15:5d:00:00:01","pa":"192.0.2.11"})");
    create("lookup-records", R"({"vsid":5001,"ca":"10.0.1.20","mac":"00:15:5d:00:00:02","pa":"192.0.2.12"})");
    create("lookup-records", R"({"vsid":5001,"ca":"10.0.1.21","mac":"00:15:5d:00:00:03","pa":"192.0.2.12"})");
    create("lookup-records", R"({"vsid":5001,"type":"L2Only","mac":"00:15:5d:00:00:04","pa":"192.0.2.12"})");
    create("lookup-records", R"({"vsid":5001,"type":"GatewayWildcard","mac":"00:15:5d:00:00:fe","pa":"192.0.2.1"})");
    create("lookup-records", R"({"vsid":6001,"ca":"10.0.1.10","mac":"00:15:5d:00:01:01","pa":"192.0.2.11"})");
    create("lookup-records", R"({"vsid":6001,"ca":"10.0.1.20","mac":"00:15:5d:00:01:02","pa":"192.0.2.13"})");
  }

  OverlayPolicy compileFor(const char* node, const OverlayPolicy* previous = nullptr) {
    auto desired = engine_.desiredState(node);
    EXPECT_TRUE(desired.ok()) << desired.error().message();
    auto p = OverlayPolicy::compile(*desired, previous);
    EXPECT_TRUE(p.ok()) << p.error().message();
    return std::move(*p);
  }

  policy::testing::MemoryStore store_;
  policy::PolicyEngine engine_{store_};
};

TEST_F(OverlayPolicyTest, OverlappingCasResolvePerVsidAndTenant) {
  topology();
  auto p = compileFor("host1");
  EXPECT_EQ(p.revision(), engine_.revision());
  const auto* a = p.byCa(vsid(5001), ip("10.0.1.10"));
  const auto* b = p.byCa(vsid(6001), ip("10.0.1.10"));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->mac, mac("00:15:5d:00:00:01"));
  EXPECT_EQ(b->mac, mac("00:15:5d:00:01:01"));
  EXPECT_NE(p.vsid(vsid(5001))->tenant, p.vsid(vsid(6001))->tenant);
  EXPECT_EQ(p.byCa(vsid(5001), ip("10.0.9.9")), nullptr);
  EXPECT_EQ(p.vsid(vsid(7001)), nullptr);
  EXPECT_EQ(p.vsid(vsid(5001))->routerMac, mac("02:00:00:00:50:01"));
  ASSERT_EQ(p.vsid(vsid(5001))->routerAddresses.size(), 2u);
  EXPECT_EQ(p.vsid(vsid(5001))->routerAddresses[0], ip("10.0.1.1"));
  EXPECT_EQ(p.vsid(vsid(6001))->multicastGroup, ip("239.1.1.1"));
  EXPECT_TRUE(p.ownsPa(ip("192.0.2.11")));
  EXPECT_FALSE(p.ownsPa(ip("192.0.2.12")));
}

TEST_F(OverlayPolicyTest, RemotePasAreEachOtherHostOnceWithoutOurOwn) {
  topology();
  auto p = compileFor("host1");
  // VSID 5001: host2 (.12) with three records and the gateway (.1); not us (.11).
  EXPECT_EQ(p.vsid(vsid(5001))->remotePas, (std::vector<IpAddr>{ip("192.0.2.1"), ip("192.0.2.12")}));
  EXPECT_EQ(p.vsid(vsid(6001))->remotePas, (std::vector<IpAddr>{ip("192.0.2.13")}));
}

TEST_F(OverlayPolicyTest, MacLookupPrefersTheCaRecordAndKnowsL2OnlyAndWildcardMacs) {
  topology();
  auto p = compileFor("host1");
  ASSERT_NE(p.byMac(vsid(5001), mac("00:15:5d:00:00:02")), nullptr);
  EXPECT_EQ(p.byMac(vsid(5001), mac("00:15:5d:00:00:02"))->type, policy::RecordType::Static);
  EXPECT_EQ(p.byMac(vsid(5001), mac("00:15:5d:00:00:04"))->type, policy::RecordType::L2Only);
  EXPECT_EQ(p.byMac(vsid(5001), mac("00:15:5d:00:00:fe"))->pa, ip("192.0.2.1"));
  EXPECT_EQ(p.byMac(vsid(6001), mac("00:15:5d:00:00:02")), nullptr) << "MACs are per VSID";
  ASSERT_NE(p.wildcard(vsid(5001), false), nullptr);
  EXPECT_EQ(p.wildcard(vsid(5001), true), nullptr) << "an IPv4 wildcard does not cover IPv6";
  EXPECT_EQ(p.wildcard(vsid(6001), false), nullptr);
}

TEST_F(OverlayPolicyTest, ReceiveValidation) {
  topology();
  auto p = compileFor("host1");
  struct Case {
    const char* what;
    std::uint32_t vsid;
    std::optional<IpAddr> ca;
    const char* mac;
    const char* pa;
    InboundVerdict want;
  };
  const Case cases[] = {
      {"record matches", 5001, ip("10.0.1.20"), "00:15:5d:00:00:02", "192.0.2.12", InboundVerdict::Accept},
      {"right CA and MAC from another PA", 5001, ip("10.0.1.20"), "00:15:5d:00:00:02", "192.0.2.99",
       InboundVerdict::WrongPa},
      {"CA spoofed by another VM of that host", 5001, ip("10.0.1.20"), "00:15:5d:00:00:03", "192.0.2.12",
       InboundVerdict::NoMatchingRecord},
      {"same CA, other tenant's VSID and MAC", 5001, ip("10.0.1.10"), "00:15:5d:00:01:01", "192.0.2.11",
       InboundVerdict::NoMatchingRecord},
      {"unknown VSID", 7001, ip("10.0.1.20"), "00:15:5d:00:00:02", "192.0.2.12", InboundVerdict::UnknownVsid},
      {"L2Only MAC with a new CA from its PA", 5001, ip("10.0.1.77"), "00:15:5d:00:00:04", "192.0.2.12",
       InboundVerdict::Accept},
      {"L2Only MAC from another PA", 5001, ip("10.0.1.77"), "00:15:5d:00:00:04", "192.0.2.13", InboundVerdict::WrongPa},
      {"frame without IP source placed by MAC and PA", 5001, std::nullopt, "00:15:5d:00:00:02", "192.0.2.12",
       InboundVerdict::Accept},
      {"frame without IP source from the wrong PA", 5001, std::nullopt, "00:15:5d:00:00:02", "192.0.2.13",
       InboundVerdict::WrongPa},
      {"internet source through the gateway wildcard", 5001, ip("203.0.113.5"), "00:15:5d:00:00:fe", "192.0.2.1",
       InboundVerdict::Accept},
      {"wildcard MAC from another PA", 5001, ip("203.0.113.5"), "00:15:5d:00:00:fe", "192.0.2.12",
       InboundVerdict::NoMatchingRecord},
      {"IPv6 source and only an IPv4 wildcard", 5001, ip("2001:db8::5"), "00:15:5d:00:00:fe", "192.0.2.1",
       InboundVerdict::NoMatchingRecord},
      {"VSID 6001 has no wildcard", 6001, ip("203.0.113.5"), "00:15:5d:00:00:fe", "192.0.2.1",
       InboundVerdict::NoMatchingRecord},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(p.checkInbound(vsid(c.vsid), c.ca, mac(c.mac), ip(c.pa)), c.want) << c.what;
  }
}

TEST_F(OverlayPolicyTest, TenantIndexesStayStableAcrossSnapshots) {
  topology();
  auto first = compileFor("host1");
  auto a = *first.tenant(*Rdid::parse(kRdA));
  auto b = *first.tenant(*Rdid::parse(kRdB));
  // Tenant A leaves host1 (its only record there goes), a third tenant arrives.
  Operation del{Operation::Verb::Delete, "lookup-records", "5001/10.0.1.10/00:15:5d:00:00:01", {}, {}};
  ASSERT_TRUE(engine_.apply(std::span<const Operation>(&del, 1), Access::admin()).ok());
  const char* rdC = "3c3c3c3c-0000-4000-8000-00000000000c";
  create("routing-domains", std::string(R"({"rdid":")") + rdC + R"("})");
  create("virtual-subnets", std::string(R"({"vsid":8001,"rdid":")") + rdC + R"(","prefixes":["10.8.0.0/24"]})");
  create("lookup-records", R"({"vsid":8001,"ca":"10.8.0.5","mac":"00:15:5d:08:00:05","pa":"192.0.2.11"})");
  auto second = compileFor("host1", &first);
  EXPECT_FALSE(second.tenant(*Rdid::parse(kRdA)).has_value());
  EXPECT_EQ(second.tenant(*Rdid::parse(kRdB)), b);
  auto c = second.tenant(*Rdid::parse(rdC));
  ASSERT_TRUE(c.has_value());
  EXPECT_NE(*c, a) << "a departed tenant's index is not reused at once";
  EXPECT_NE(*c, b);
}

TEST(OverlayPolicyCompile, RefusesInconsistentDesiredStateNamingTheItem) {
  auto bad = OverlayPolicy::compile(json::parse(R"({"revision":3,"routing-domains":[],"virtual-subnets":[],
      "lookup-records":[{"vsid":5001,"ca":"10.0.1.10","mac":"00:15:5d:00:00:01","pa":"192.0.2.11"}]})").as_object());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where, "lookup-records[0].vsid");
  auto badField = OverlayPolicy::compile(json::parse(R"({"revision":3,"lookup-records":[{"vsid":12}]})").as_object());
  ASSERT_FALSE(badField.ok());
  EXPECT_EQ(badField.error().where, "lookup-records[0].vsid");
  EXPECT_FALSE(OverlayPolicy::compile(json::parse(R"({"lookup-records":[]})").as_object()).ok()) << "no revision";
}

}  // namespace
}  // namespace hnv::overlay
