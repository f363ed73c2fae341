// hnv-hostd's configuration parser: its own sections and per-port keys (the
// shared ones are covered by the gateway's tests, which run the same code).
// No EAL is initialised: parsing only fills structs.
#include "hnv/hostd/config.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "config_test_util.h"

namespace hnv::hostd {
namespace {

using hnv::testing::BadCase;

boost::json::value doc(std::string_view text) { return boost::json::parse(text); }

constexpr const char* kFull = R"({
  "node": {"name": "host1"},
  "ports": [
    {"name": "up0", "vdev": "net_tap0,iface=up0", "role": "uplink"},
    {"name": "vm1", "vdev": "net_tap1,iface=vm1", "role": "vm", "vsid": 5001, "vm_mac": "00:15:5D:00:00:01"},
    {"name": "vm2", "vdev": "net_tap2,iface=vm2", "role": "vm", "vsid": 16777214, "vm_mac": "00:15:5d:00:00:02"}
  ],
  "provider_addresses": [{"port": "up0", "address": "192.0.2.11/24"}],
  "controller": {"url": "http://192.0.2.100:8470", "token_file": "/etc/hnv/host1.token"},
  "encap": {"copy_dscp": false, "ecn": "compatibility", "outer_ttl": 32}
})";

TEST(HostConfig, ParsesEveryField) {
  auto r = parseHostConfig(doc(kFull));
  ASSERT_TRUE(r.ok()) << r.error().message();
  const HostConfig& c = *r;
  EXPECT_EQ(c.nodeName, "host1");
  EXPECT_EQ(c.dataplane.eal.program, "hnv-hostd");
  EXPECT_EQ(c.dataplane.eal.filePrefix, "hnv-hostd-host1");
  ASSERT_EQ(c.dataplane.ports.size(), 3u);
  EXPECT_EQ(c.dataplane.ports[0].role, dp::PortRole::Underlay);
  EXPECT_EQ(c.dataplane.ports[1].role, dp::PortRole::Vm);
  EXPECT_EQ(c.dataplane.ports[2].role, dp::PortRole::Vm);
  ASSERT_EQ(c.vmPorts.size(), 2u);
  EXPECT_EQ(c.vmPorts[0].port, "vm1");
  EXPECT_EQ(c.vmPorts[0].vsid->value(), 5001u);
  EXPECT_EQ(c.vmPorts[0].mac.toString(), "00:15:5d:00:00:01");
  EXPECT_EQ(c.vmPorts[1].port, "vm2");
  EXPECT_EQ(c.vmPorts[1].vsid->value(), Vsid::kLastTenant);
  ASSERT_EQ(c.providerAddresses.size(), 1u);
  ASSERT_TRUE(c.controller.has_value());
  EXPECT_EQ(c.controller->endpoint.host, "192.0.2.100");
  EXPECT_EQ(c.controller->endpoint.port, 8470);
  EXPECT_FALSE(c.controller->endpoint.tls);
  EXPECT_EQ(c.controller->tokenFile, "/etc/hnv/host1.token");
  EXPECT_TRUE(c.controller->endpoint.token.empty()) << "parsing reads no file";
  EXPECT_FALSE(c.encap.copyDscp);
  EXPECT_EQ(c.encap.ecn, overlay::EcnMode::Compatibility);
  EXPECT_EQ(c.encap.outerTtl, 32);
}

TEST(HostConfig, AVmPortWithoutVsidAndMacWaitsForTheController) {
  auto r = parseHostConfig(doc(R"({"ports": [{"name": "vm1", "vdev": "net_tap1", "role": "vm"}]})"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->vmPorts.size(), 1u);
  EXPECT_EQ(r->vmPorts[0].port, "vm1");
  EXPECT_FALSE(r->vmPorts[0].vsid.has_value());
}

TEST(HostConfig, DefaultsForAMinimalConfig) {
  auto r = parseHostConfig(doc(R"({"ports": [{"name": "up0", "vdev": "net_tap0"}]})"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->nodeName, "hnv-hostd");
  EXPECT_EQ(r->apiSocket, "/run/hnv-hostd/hnv-hostd.sock");
  EXPECT_EQ(r->dataplane.eal.filePrefix, "hnv-hostd-hnv-hostd");
  EXPECT_EQ(r->dataplane.ports[0].role, dp::PortRole::Underlay);
  EXPECT_TRUE(r->vmPorts.empty());
  EXPECT_FALSE(r->controller.has_value());
  EXPECT_TRUE(r->encap.copyDscp);
  EXPECT_EQ(r->encap.ecn, overlay::EcnMode::Normal);
  EXPECT_EQ(r->encap.outerTtl, 64);
}

TEST(HostConfig, HttpsControllerTakesACaFile) {
  auto r = parseHostConfig(doc(R"({"ports": [{"name": "up0", "vdev": "net_tap0"}],
      "controller": {"url": "https://[2001:db8::1]:9443", "ca_file": "/etc/hnv/ca.pem"}})"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->controller->endpoint.tls);
  EXPECT_EQ(r->controller->endpoint.host, "2001:db8::1");
  EXPECT_EQ(r->controller->endpoint.port, 9443);
  EXPECT_EQ(r->controller->endpoint.caFile, "/etc/hnv/ca.pem");
}

#define UP R"({"name": "up0", "vdev": "net_tap0"})"
#define VM(extra) R"({"name": "vm1", "vdev": "net_tap1", "role": "vm")" extra "}"

const BadCase kBadCases[] = {
    {"UnknownTopLevelKey", R"({"controler": {}, "ports": [)" UP "]}", "controler",
     "unknown key (known keys here: node, log, eal, dataplane, ports, provider_addresses, api, metrics, controller, state_file, encap)"},
    {"PortUnknownKey", R"({"ports": [{"name": "up0", "vdev": "net_tap0", "vlan": 5}]})", "ports[0].vlan",
     "known keys here: name, vdev, device, mtu, mac, promiscuous, role, vsid, vm_mac)"},
    {"RoleUnknown", R"({"ports": [{"name": "vm1", "vdev": "net_tap1", "role": "tenant"}]})", "ports[0].role",
     "must be \"uplink\" (the provider network) or \"vm\""},
    {"RoleNotAString", R"({"ports": [{"name": "vm1", "vdev": "net_tap1", "role": 1}]})", "ports[0].role",
     "must be a string, not a number"},
    {"VmPortWithoutVsid", R"({"ports": [)" UP ", " VM(R"(, "vm_mac": "00:15:5d:00:00:01")") "]}", "ports[1].vsid",
     "is required"},
    {"VmPortWithoutMac", R"({"ports": [)" UP ", " VM(R"(, "vsid": 5001)") "]}", "ports[1].vm_mac", "is required"},
    {"VmPortReservedVsid", R"({"ports": [)" VM(R"(, "vsid": 4095, "vm_mac": "00:15:5d:00:00:01")") "]}",
     "ports[0].vsid", "must be between 4096 and 16777214"},
    {"VmPortVsidTooLarge", R"({"ports": [)" VM(R"(, "vsid": 16777215, "vm_mac": "00:15:5d:00:00:01")") "]}",
     "ports[0].vsid", "must be between 4096 and 16777214"},
    {"VmPortVsidAsString", R"({"ports": [)" VM(R"(, "vsid": "5001", "vm_mac": "00:15:5d:00:00:01")") "]}",
     "ports[0].vsid", "not a string"},
    {"VmPortMulticastMac", R"({"ports": [)" VM(R"(, "vsid": 5001, "vm_mac": "01:00:5e:00:00:01")") "]}",
     "ports[0].vm_mac", "must be a unicast, non-zero MAC"},
    {"VmPortZeroMac", R"({"ports": [)" VM(R"(, "vsid": 5001, "vm_mac": "00:00:00:00:00:00")") "]}",
     "ports[0].vm_mac", "must be a unicast, non-zero MAC"},
    {"VmPortGarbageMac", R"({"ports": [)" VM(R"(, "vsid": 5001, "vm_mac": "00:15:5d")") "]}", "ports[0].vm_mac",
     "not a MAC address"},
    {"VmPortSameMacTwiceInAVsid",
     R"({"ports": [)" VM(R"(, "vsid": 5001, "vm_mac": "00:15:5d:00:00:01")")
     R"(, {"name": "vm2", "vdev": "net_tap2", "role": "vm", "vsid": 5001, "vm_mac": "00:15:5D:00:00:01"}]})",
     "ports[1].vm_mac", "the VM port vm1 has this MAC in VSID 5001"},
    {"UplinkWithVsid", R"({"ports": [{"name": "up0", "vdev": "net_tap0", "vsid": 5001}]})", "ports[0].vsid",
     "only a VM port (\"role\": \"vm\") has one"},
    {"UplinkWithVmMac", R"({"ports": [{"name": "up0", "vdev": "net_tap0", "vm_mac": "00:15:5d:00:00:01"}]})",
     "ports[0].vm_mac", "only a VM port"},
    {"ProviderAddressOnVmPort",
     R"({"ports": [)" VM(R"(, "vsid": 5001, "vm_mac": "00:15:5d:00:00:01")")
     R"(], "provider_addresses": [{"port": "vm1", "address": "192.0.2.11/24"}]})",
     "provider_addresses[0].port", "is a VM port; provider addresses belong on uplink ports"},
    {"ControllerWithoutUrl", R"({"ports": [)" UP R"(], "controller": {"token_file": "/t"}})", "controller.url",
     "is required"},
    {"ControllerBadScheme", R"({"ports": [)" UP R"(], "controller": {"url": "ftp://c:8470"}})", "controller.url",
     "must start with http:// or https://"},
    {"ControllerUrlWithPath", R"({"ports": [)" UP R"(], "controller": {"url": "http://c/v1"}})",
     "controller.url", "with no path"},
    {"ControllerBadPort", R"({"ports": [)" UP R"(], "controller": {"url": "http://c:99999"}})", "controller.url",
     "has a bad port"},
    {"ControllerUnknownKey", R"({"ports": [)" UP R"(], "controller": {"url": "http://c", "token": "x"}})",
     "controller.token", "unknown key (known keys here: url, token_file, ca_file)"},
    {"ControllerCaFileOverHttp",
     R"({"ports": [)" UP R"(], "controller": {"url": "http://c:8470", "ca_file": "/etc/ca.pem"}})",
     "controller.ca_file", "is for an https:// controller URL only"},
    {"EncapEcnUnknown", R"({"ports": [)" UP R"(], "encap": {"ecn": "full"}})", "encap.ecn",
     "must be \"normal\" or \"compatibility\""},
    {"EncapCopyDscpNotABool", R"({"ports": [)" UP R"(], "encap": {"copy_dscp": "yes"}})", "encap.copy_dscp",
     "must be true or false, not a string"},
    {"EncapTtlZero", R"({"ports": [)" UP R"(], "encap": {"outer_ttl": 0}})", "encap.outer_ttl",
     "must be between 1 and 255"},
    {"EncapUnknownKey", R"({"ports": [)" UP R"(], "encap": {"dscp": 1}})", "encap.dscp",
     "unknown key (known keys here: copy_dscp, ecn, outer_ttl)"},
};

#undef UP
#undef VM

class BadHostConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadHostConfig, NamesThePlaceAndTheRule) {
  hnv::testing::expectRefused(parseHostConfig(doc(GetParam().json)), GetParam());
}

INSTANTIATE_TEST_SUITE_P(HostConfig, BadHostConfig, ::testing::ValuesIn(kBadCases), hnv::testing::badCaseName);

class HostConfigFile : public hnv::testing::TempDirTest {
 protected:
  std::string config(const std::string& tokenFile) {
    return write("host.json", R"({"ports": [{"name": "up0", "vdev": "net_tap0"}],
        "controller": {"url": "http://127.0.0.1:8470", "token_file": ")" + tokenFile + R"("}})");
  }
};

TEST_F(HostConfigFile, ReadsTheTokenFilesFirstLine) {
  auto r = loadHostConfig(config(write("token", "s3cret\nignored\n")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->controller->endpoint.token, "s3cret");
}

TEST_F(HostConfigFile, UnreadableTokenFileNamesTheConfigFileAndTheField) {
  std::string missing = dir_ + "/absent.token";
  std::string path = config(missing);
  auto r = loadHostConfig(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), path + ": controller.token_file: " + missing + ": cannot read a token from the file");
}

TEST_F(HostConfigFile, EmptyTokenFileIsRefused) {
  auto r = loadHostConfig(config(write("token", "")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().why, "cannot read a token from the file");
}

}  // namespace
}  // namespace hnv::hostd
