// fib::TenantTables: interfaces by (port, VLAN), one VRF per tenant with the
// lowest metric per prefix, and the refusals of build().
#include "hnv/fib/tenant_tables.h"

#include <gtest/gtest.h>

namespace hnv::fib {
namespace {

const TenantId kA(1), kB(2);

IpAddr ip(std::string_view s) { return *IpAddr::parse(s); }
Prefix pre(std::string_view s) { return *Prefix::parse(s); }

TenantInterface iface(std::string name, TenantId t, std::uint16_t port, std::uint16_t vlan, std::string_view addr) {
  TenantInterface x;
  x.name = std::move(name);
  x.tenant = t;
  x.port = port;
  x.vlan = vlan;
  x.mac = *MacAddr::parse("02:00:00:00:00:01");
  x.address = *Ipv4Addr::parse(addr);
  x.prefixLength = 24;
  return x;
}

RouteTarget overlay() { return {RouteKind::Overlay, 0, std::nullopt}; }
RouteTarget external(std::uint16_t i, std::optional<IpAddr> hop = std::nullopt) { return {RouteKind::External, i, hop}; }

// Tenants A and B with the same prefixes: each VRF answers for its own tenant.
TEST(TenantTables, OverlappingTenantsStayApart) {
  auto t = TenantTables::build(
      {iface("A/ext", kA, 1, 100, "198.51.100.1"), iface("B/ext", kB, 1, 200, "198.51.100.1")},
      {{kA, pre("10.0.1.0/24"), 0, overlay(), "a"},
       {kA, pre("0.0.0.0/0"), 0, external(0, ip("198.51.100.254")), "a"},
       {kB, pre("10.0.1.0/24"), 0, overlay(), "b"},
       {kB, pre("0.0.0.0/0"), 0, external(1, ip("198.51.100.254")), "b"}});
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->vrfCount(), 2u);
  EXPECT_EQ(t->vrf(kA)->lookup(ip("203.0.113.5"))->iface, 0u);
  EXPECT_EQ(t->vrf(kB)->lookup(ip("203.0.113.5"))->iface, 1u);
  EXPECT_EQ(t->vrf(kA)->lookup(ip("10.0.1.10"))->kind, RouteKind::Overlay);
  EXPECT_EQ(t->vrf(TenantId(3)), nullptr);
  EXPECT_EQ(t->vrf(TenantId::node()), nullptr);
  EXPECT_EQ(t->interface(1, 100)->name, "A/ext");
  EXPECT_EQ(t->interface(1, 200)->name, "B/ext");
  EXPECT_EQ(t->interface(1, 300), nullptr);
  EXPECT_EQ(t->interface(2, 100), nullptr);
  EXPECT_TRUE(t->portCarriesTenants(1));
  EXPECT_FALSE(t->portCarriesTenants(0));
  EXPECT_FALSE(t->portCarriesTenants(7));
}

TEST(TenantTables, LowestMetricWinsPerPrefixFirstOnATie) {
  auto t = TenantTables::build({iface("A/x", kA, 1, 0, "198.51.100.1"), iface("A/y", kA, 2, 0, "198.51.101.1")},
                               {{kA, pre("0.0.0.0/0"), 10, external(0), "ten"},
                                {kA, pre("0.0.0.0/0"), 5, external(1), "five"},
                                {kA, pre("0.0.0.0/0"), 5, external(0), "five again"}});
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->vrf(kA)->lookup(ip("8.8.8.8"))->iface, 1u);
  ASSERT_EQ(t->vrf(kA)->routes().size(), 1u);
  EXPECT_EQ(t->vrf(kA)->routes()[0].origin, "five");
}

TEST(TenantTables, LongestPrefixBeatsMetric) {
  auto t = TenantTables::build({iface("A/x", kA, 1, 0, "198.51.100.1")},
                               {{kA, pre("10.0.0.0/8"), 100, overlay(), ""}, {kA, pre("0.0.0.0/0"), 0, external(0), ""}});
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->vrf(kA)->lookup(ip("10.1.2.3"))->kind, RouteKind::Overlay);
}

TEST(TenantTables, Ipv6RoutesLiveBesideIpv4) {
  auto t = TenantTables::build({}, {{kA, pre("fd00:1::/64"), 0, overlay(), ""}, {kA, pre("10.0.1.0/24"), 0, overlay(), ""}});
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_NE(t->vrf(kA)->lookup(ip("fd00:1::10")), nullptr);
  EXPECT_EQ(t->vrf(kA)->lookup(ip("fd00:2::10")), nullptr);
  EXPECT_EQ(t->vrf(kA)->lookup(ip("10.0.2.1")), nullptr);
}

TEST(TenantTables, RefusesTwoInterfacesOnOnePortAndVlan) {
  auto t = TenantTables::build({iface("A/ext", kA, 1, 100, "198.51.100.1"), iface("B/ext", kB, 1, 100, "198.51.100.1")}, {});
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::Conflict);
  EXPECT_EQ(t.error().what, "B/ext");
}

TEST(TenantTables, RefusesARouteOutOfAnotherTenantsInterface) {
  auto t = TenantTables::build({iface("B/ext", kB, 1, 100, "198.51.100.1")}, {{kA, pre("0.0.0.0/0"), 0, external(0), ""}});
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().why.find("of another tenant"), std::string::npos) << t.error().message();
}

TEST(TenantTables, RefusesARouteToAMissingInterface) {
  auto t = TenantTables::build({}, {{kA, pre("0.0.0.0/0"), 0, external(3), ""}});
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().why.find("does not exist"), std::string::npos) << t.error().message();
}

// Neighbour scopes survive a rebuild for unchanged interfaces, so a policy
// change elsewhere keeps their learned MACs; a changed or new interface gets
// a scope never used before.
TEST(TenantTables, NeighbourScopesAreStableAcrossBuilds) {
  auto first = TenantTables::build({iface("A/ext", kA, 1, 100, "198.51.100.1"), iface("B/ext", kB, 1, 200, "198.51.100.1")},
                                   {});
  ASSERT_TRUE(first) << first.error().message();
  const auto a = first->interface(1, 100)->scope, b = first->interface(1, 200)->scope;
  EXPECT_NE(a, kUnderlay);
  EXPECT_NE(a, b);
  // A new interface sorts first and B moves to VLAN 300: A keeps its scope, B and the new one get fresh ones.
  auto second = TenantTables::build({iface("0/new", kA, 2, 0, "192.0.2.1"), iface("A/ext", kA, 1, 100, "198.51.100.1"),
                                     iface("B/ext", kB, 1, 300, "198.51.100.1")},
                                    {}, &*first);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->interface(1, 100)->scope, a);
  EXPECT_NE(second->interface(1, 300)->scope, b);
  EXPECT_NE(second->interface(2, 0)->scope, b);
  EXPECT_GT(second->interface(1, 300)->scope, std::max(a, b));
  EXPECT_EQ(second->byScope(a)->name, "A/ext");
  EXPECT_EQ(second->byScope(b), nullptr);
}

TEST(TenantTables, EmptyTablesMatchNothing) {
  TenantTables t;
  EXPECT_EQ(t.interface(0, 0), nullptr);
  EXPECT_EQ(t.vrf(kA), nullptr);
  EXPECT_EQ(t.vrfCount(), 0u);
}

}  // namespace
}  // namespace hnv::fib
