#include "hnv/nat/config.h"

#include <gtest/gtest.h>

namespace hnv::nat {
namespace {

Ipv4Addr ip(const char* s) { return *Ipv4Addr::parse(s); }

Instance instance(std::uint32_t tenant, const char* external) {
  Instance i;
  i.tenant = TenantId(tenant);
  i.outside = TenantId(100);
  i.name = "tenant-" + std::to_string(tenant);
  i.addresses.push_back({ip(external), 1024, 65535});
  return i;
}

TEST(NatConfig, FindsInstancesByTenantAndByExternalAddress) {
  auto c = NatConfig::build({instance(1, "203.0.113.10"), instance(2, "203.0.113.20")});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->instance(TenantId(2))->name, "tenant-2");
  EXPECT_EQ(c->instance(TenantId(3)), nullptr);
  EXPECT_EQ(c->owner(TenantId(100), ip("203.0.113.10"))->tenant, TenantId(1));
  EXPECT_EQ(c->owner(TenantId(101), ip("203.0.113.10")), nullptr) << "another outside domain";
  auto d = NatConfig::build({instance(1, "203.0.113.10")});
  EXPECT_NE(c->generation(), d->generation());
}

void expectRefused(std::vector<Instance> v, const std::string& part) {
  auto c = NatConfig::build(std::move(v));
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find(part), std::string::npos) << c.error().message();
}

TEST(NatConfig, RefusesWhatCannotWork) {
  expectRefused({instance(1, "203.0.113.10"), instance(2, "203.0.113.10")},
                "another NAT instance in the same outside routing domain");
  auto self = instance(1, "203.0.113.10");
  self.outside = TenantId(1);
  expectRefused({self}, "its own outside");
  auto empty = instance(1, "203.0.113.10");
  empty.addresses.clear();
  expectRefused({empty}, "at least one external address");
  auto inverted = instance(1, "203.0.113.10");
  inverted.addresses[0].firstPort = 2000;
  inverted.addresses[0].lastPort = 1000;
  expectRefused({inverted}, "2000-1000");
  auto inRange = instance(1, "203.0.113.10");
  inRange.statics.push_back({Proto::Tcp, ip("203.0.113.10"), 8080, ip("10.0.1.20"), 80, std::nullopt});
  expectRefused({inRange}, "dynamic port range 1024-65535");
  auto foreign = instance(1, "203.0.113.10");
  foreign.addresses[0].firstPort = 10000;
  foreign.statics.push_back({Proto::Tcp, ip("203.0.113.99"), 80, ip("10.0.1.20"), 80, std::nullopt});
  expectRefused({foreign}, "not an external address of the instance");
  auto twice = instance(1, "203.0.113.10");
  twice.addresses[0].firstPort = 10000;
  twice.statics.push_back({Proto::Tcp, ip("203.0.113.10"), 80, ip("10.0.1.20"), 80, std::nullopt});
  twice.statics.push_back({Proto::Tcp, ip("203.0.113.10"), 80, ip("10.0.1.30"), 80, std::nullopt});
  expectRefused({twice}, "mapped twice");
}

TEST(NatConfig, StaticMappingsByEitherEnd) {
  auto i = instance(1, "203.0.113.10");
  i.addresses[0].firstPort = 10000;
  i.statics.push_back({Proto::Tcp, ip("203.0.113.10"), 80, ip("10.0.1.20"), 8080, std::nullopt});
  auto c = NatConfig::build({i});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_NE(c->staticByExternal(TenantId(100), Proto::Tcp, ip("203.0.113.10"), 80), nullptr);
  EXPECT_EQ(c->staticByExternal(TenantId(100), Proto::Udp, ip("203.0.113.10"), 80), nullptr);
  EXPECT_EQ(c->staticByInternal(TenantId(1), Proto::Tcp, ip("10.0.1.20"), 8080)->externalPort, 80);
  EXPECT_EQ(c->staticByInternal(TenantId(2), Proto::Tcp, ip("10.0.1.20"), 8080), nullptr);
}

}  // namespace
}  // namespace hnv::nat
