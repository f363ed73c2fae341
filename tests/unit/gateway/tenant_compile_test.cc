// compileTenantTables refusals: a policy naming a port the gateway does not
// have, or putting a tenant untagged on the underlay's port, is refused with
// the item named (the gateway then keeps its previous policy).
#include "hnv/gateway/tenant_compile.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace hnv::gateway {
namespace {

constexpr const char* kBase = R"({
  "node": "gw1", "revision": 3,
  "routing-domains": [{"rdid": "aaaaaaaa-0000-4000-8000-00000000000a"}],
  "virtual-subnets": [{"vsid": 5001, "rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "prefixes": ["10.0.1.0/24"],
                       "defaultGatewayMac": "02:00:00:00:50:01"}],
  "external-interfaces": [{"rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "name": "ext", "node": "gw1",
                           "port": "PORT", "vlan": VLAN, "address": "198.51.100.1", "prefixLength": 24}]
})";

Result<fib::TenantTables> compileWith(const std::string& port, int vlan) {
  std::string text = kBase;
  text.replace(text.find("PORT"), 4, port);
  text.replace(text.find("VLAN"), 4, std::to_string(vlan));
  const auto desired = boost::json::parse(text).as_object();
  auto policy = overlay::OverlayPolicy::compile(desired);
  EXPECT_TRUE(policy.ok());
  return compileTenantTables(desired, *policy, "gw1", [](std::string_view name) -> std::optional<PortInfo> {
    if (name == "ul0") return PortInfo{0, *MacAddr::parse("02:00:00:00:00:01"), 1500, true};
    if (name == "trunk") return PortInfo{1, *MacAddr::parse("02:00:00:00:00:02"), 1500, false};
    return std::nullopt;
  });
}

TEST(TenantCompile, UnknownPortIsRefusedNamingTheItem) {
  auto t = compileWith("eth9", 100);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::NotFound);
  EXPECT_EQ(t.error().where, "external-interfaces[0].port");
  EXPECT_EQ(t.error().what, "eth9");
}

TEST(TenantCompile, TenantUntaggedOnTheUnderlayPortIsRefused) {
  auto t = compileWith("ul0", 0);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().where, "external-interfaces[0].vlan");
  EXPECT_NE(t.error().why.find("carries provider addresses untagged"), std::string::npos) << t.error().message();
}

TEST(TenantCompile, InterfaceMtuAboveThePortsIsRefused) {
  std::string text = kBase;
  text.replace(text.find("PORT"), 4, "trunk");
  text.replace(text.find("VLAN"), 4, "100, \"mtu\": 9000");
  const auto desired = boost::json::parse(text).as_object();
  auto policy = overlay::OverlayPolicy::compile(desired);
  ASSERT_TRUE(policy.ok());
  auto t = compileTenantTables(desired, *policy, "gw1", [](std::string_view) -> std::optional<PortInfo> {
    return PortInfo{1, *MacAddr::parse("02:00:00:00:00:02"), 1500, false};
  });
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().where, "external-interfaces[0].mtu");
  EXPECT_NE(t.error().why.find("exceeds the MTU 1500 of port trunk"), std::string::npos) << t.error().message();
}

TEST(TenantCompile, TaggedOnTheUnderlayPortIsFine) {
  auto t = compileWith("ul0", 100);
  ASSERT_TRUE(t) << t.error().message();
  ASSERT_NE(t->interface(0, 100), nullptr);
  EXPECT_EQ(t->interface(0, 100)->mtu, 1500);
}

TEST(TenantCompile, EveryRouteOfTheInterfaceIsInTheTenantsVrf) {
  auto t = compileWith("trunk", 100);
  ASSERT_TRUE(t) << t.error().message();
  ASSERT_EQ(t->vrfCount(), 1u);
  const fib::Vrf* vrf = t->vrf(TenantId(1));
  ASSERT_NE(vrf, nullptr);
  EXPECT_EQ(vrf->lookup(*IpAddr::parse("10.0.1.7"))->kind, fib::RouteKind::Overlay);
  EXPECT_EQ(vrf->lookup(*IpAddr::parse("198.51.100.77"))->kind, fib::RouteKind::External);
  EXPECT_EQ(vrf->lookup(*IpAddr::parse("198.51.100.1"))->kind, fib::RouteKind::Local);
  EXPECT_EQ(vrf->lookup(*IpAddr::parse("203.0.113.1")), nullptr);
}

}  // namespace
}  // namespace hnv::gateway
