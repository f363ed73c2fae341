// resolveVmPorts: the controller's vm-ports objects bind a host's VM ports,
// the configuration fills in, and objects the host cannot apply are listed
// without refusing the policy.
#include "hnv/hostd/vm_ports.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace hnv::hostd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

MacAddr mac(std::string_view text) { return *MacAddr::parse(text); }
Vsid vsid(std::uint32_t v) { return *Vsid::forTenant(v); }

// vm1 configured in 5001 with :01, vm2 configured without a binding, vm3 configured in 5001 with :03.
std::vector<LocalVmPort> ports() {
  return {LocalVmPort{{"vm1", vsid(5001), mac("00:15:5d:00:00:01")}, 1},
          LocalVmPort{{"vm2", std::nullopt, {}}, 2},
          LocalVmPort{{"vm3", vsid(5001), mac("00:15:5d:00:00:03")}, 3}};
}

boost::json::object desired(std::string_view vmPorts) {
  return boost::json::parse(R"({"revision": 7, "vm-ports": )" + std::string(vmPorts) + "}").as_object();
}

const ResolvedVmPort* find(const ResolvedVmPorts& r, std::uint16_t port) {
  for (const auto& b : r.bound) {
    if (b.binding.port == port) return &b;
  }
  return nullptr;
}

TEST(VmPorts, WithoutControllerObjectsTheConfigurationBinds) {
  const auto local = ports();
  auto r = resolveVmPorts("host1", boost::json::object{{"revision", 0}}, local);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->bound.size(), 2u);
  EXPECT_EQ(find(*r, 1)->source, BindingSource::Config);
  EXPECT_EQ(find(*r, 3)->binding.mac, mac("00:15:5d:00:00:03"));
  EXPECT_THAT(find(*r, 1)->binding.allowedCas, IsEmpty());
  EXPECT_THAT(r->unbound, ElementsAre("vm2"));
  EXPECT_THAT(r->problems, IsEmpty());
}

TEST(VmPorts, TheControllersObjectWinsOverTheConfiguration) {
  const auto local = ports();
  auto r = resolveVmPorts("host1", desired(R"([
      {"node": "host1", "port": "vm1", "vsid": 6001, "mac": "00:15:5d:00:01:01", "allowedCas": ["10.0.1.10/32"], "vmName": "web"},
      {"node": "host1", "port": "vm2", "vsid": 5002, "mac": "00:15:5d:00:00:02"}])"), local);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->bound.size(), 3u);
  const auto* vm1 = find(*r, 1);
  EXPECT_EQ(vm1->source, BindingSource::Controller);
  EXPECT_EQ(vm1->binding.vsid, vsid(6001));
  EXPECT_EQ(vm1->binding.mac, mac("00:15:5d:00:01:01"));
  EXPECT_EQ(vm1->vmName, "web");
  ASSERT_EQ(vm1->binding.allowedCas.size(), 1u);
  EXPECT_TRUE(vm1->binding.allows(*IpAddr::parse("10.0.1.10")));
  EXPECT_FALSE(vm1->binding.allows(*IpAddr::parse("10.0.1.11")));
  EXPECT_EQ(find(*r, 2)->binding.vsid, vsid(5002)) << "a port configured without a binding gets the controller's";
  EXPECT_EQ(find(*r, 3)->source, BindingSource::Config);
  EXPECT_THAT(r->unbound, IsEmpty());
}

TEST(VmPorts, ObjectsTheHostCannotApplyAreListedAndTheRestApplies) {
  const auto local = ports();
  auto r = resolveVmPorts("host1", desired(R"([
      {"node": "host1", "port": "vm9", "vsid": 5001, "mac": "00:15:5d:00:00:09"},
      {"node": "host1", "port": "vm2", "vsid": 5001, "mac": "00:15:5d:00:00:03"}])"), local);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->problems.size(), 2u);
  EXPECT_THAT(r->problems[0], HasSubstr("vm-port host1/vm9: this host's configuration has no VM port"));
  EXPECT_THAT(r->problems[1], HasSubstr("VM port vm3: its configured MAC 00:15:5d:00:00:03 in VSID 5001 is bound by "
                                        "the controller to port vm2"));
  EXPECT_EQ(find(*r, 2)->binding.mac, mac("00:15:5d:00:00:03"));
  EXPECT_EQ(find(*r, 3), nullptr) << "two ports with one MAC in a VSID would make delivery ambiguous";
  EXPECT_THAT(r->unbound, ElementsAre("vm3"));
  EXPECT_EQ(find(*r, 1)->source, BindingSource::Config);
}

TEST(VmPorts, AMalformedListRefusesThePolicyNamingTheItem) {
  const auto local = ports();
  auto r = resolveVmPorts("host1", desired(R"([{"node": "host1", "port": "vm1", "vsid": 5001, "mac": "nope"}])"), local);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("vm-ports[0].mac"));
}

TEST(VmPorts, AllowedCasLetThroughTheUnspecifiedAndIpv6LinkLocalSources) {
  overlay::VmPortBinding b{1, vsid(5001), mac("00:15:5d:00:00:01"),
                           {*Prefix::parse("10.0.1.10/32"), *Prefix::parse("fd00:1::10/128")}};
  for (const char* ok : {"10.0.1.10", "0.0.0.0", "::", "fe80::215:5dff:fe00:1", "fd00:1::10"}) {
    EXPECT_TRUE(b.allows(*IpAddr::parse(ok))) << ok;
  }
  for (const char* no : {"10.0.1.11", "10.0.2.10", "fd00:1::11", "ff02::1"}) {
    EXPECT_FALSE(b.allows(*IpAddr::parse(no))) << no;
  }
  b.allowedCas.clear();
  EXPECT_TRUE(b.allows(*IpAddr::parse("10.9.9.9"))) << "no list: any address";
}

}  // namespace
}  // namespace hnv::hostd
