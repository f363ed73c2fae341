// hnvgwd's configuration parser. No EAL is initialised here: parsing only
// fills structs.
#include "hnv/gateway/config.h"

#include "config_test_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <string>

namespace hnv::gateway {
namespace {

using ::testing::HasSubstr;

boost::json::value doc(std::string_view text) { return boost::json::parse(text); }

constexpr const char* kFull = R"({
  "node": {"name": "gw1"},
  "log": {"level": "debug"},
  "eal": {"lcores": "0,1", "hugepages": true, "memory_mb": 512, "log_level": 7, "telemetry": false,
          "extra_args": ["--no-pci", "--vdev=net_null9"]},
  "dataplane": {"mbufs": 16383, "idle": {"poll": true, "spin_polls": 50, "min_sleep_us": 10, "max_sleep_us": 500}},
  "ports": [
    {"name": "underlay", "vdev": "net_af_packet0,iface=ul0,qpairs=1", "mtu": 1500, "mac": "02:00:5E:00:53:01",
     "promiscuous": true},
    {"name": "uplink", "vdev": "net_tap0", "mtu": 9000, "role": "uplink"},
    {"name": "nic", "device": "0000:00:08.0"}
  ],
  "provider_addresses": [
    {"port": "underlay", "address": "192.0.2.1/24"},
    {"port": "uplink", "address": "2001:db8::1/64"}
  ],
  "api": {"socket": "/run/hnv/test.sock"}
})";

TEST(GatewayConfig, ParsesEveryField) {
  auto r = parseGatewayConfig(doc(kFull));
  ASSERT_TRUE(r.ok()) << r.error().message();
  const GatewayConfig& c = *r;
  EXPECT_EQ(c.nodeName, "gw1");
  EXPECT_EQ(c.logLevel, LogLevel::Debug);
  EXPECT_EQ(c.apiSocket, "/run/hnv/test.sock");

  const auto& e = c.dataplane.eal;
  EXPECT_EQ(e.program, "hnvgwd");
  EXPECT_EQ(e.lcores, "0,1");
  EXPECT_TRUE(e.hugepages);
  EXPECT_EQ(e.memoryMb, 512u);
  EXPECT_EQ(e.logLevel, 7u);
  EXPECT_FALSE(e.telemetry);
  EXPECT_EQ(e.extraArgs, (std::vector<std::string>{"--no-pci", "--vdev=net_null9"}));
  EXPECT_EQ(e.filePrefix, "hnvgwd-gw1");
  // The vdev list comes from the ports, in order; "device" ports add none.
  EXPECT_EQ(e.vdevs, (std::vector<std::string>{"net_af_packet0,iface=ul0,qpairs=1", "net_tap0"}));

  EXPECT_EQ(c.dataplane.pool.mbufs, 16383u);
  EXPECT_TRUE(c.dataplane.idle.poll);
  EXPECT_EQ(c.dataplane.idle.spinPolls, 50u);
  EXPECT_EQ(c.dataplane.idle.minSleepUs, 10u);
  EXPECT_EQ(c.dataplane.idle.maxSleepUs, 500u);

  ASSERT_EQ(c.dataplane.ports.size(), 3u);
  const auto& ul = c.dataplane.ports[0];
  EXPECT_EQ(ul.name, "underlay");
  EXPECT_EQ(ul.device, "net_af_packet0") << "the vdev text before the first comma";
  EXPECT_EQ(ul.mtu, 1500);
  ASSERT_TRUE(ul.mac.has_value());
  EXPECT_EQ(ul.mac->toString(), "02:00:5e:00:53:01");
  EXPECT_TRUE(ul.promiscuous);
  const auto& up = c.dataplane.ports[1];
  EXPECT_EQ(up.name, "uplink");
  EXPECT_EQ(up.device, "net_tap0") << "a vdev without arguments is its own device name";
  EXPECT_EQ(up.mtu, 9000);
  EXPECT_FALSE(up.mac.has_value());
  EXPECT_FALSE(up.promiscuous);
  const auto& nic = c.dataplane.ports[2];
  EXPECT_EQ(nic.name, "nic");
  EXPECT_EQ(nic.device, "0000:00:08.0");
  EXPECT_EQ(nic.mtu, 1500) << "default";
  for (const auto& p : c.dataplane.ports) EXPECT_EQ(p.role, dp::PortRole::Underlay) << p.name;

  ASSERT_EQ(c.providerAddresses.size(), 2u);
  EXPECT_EQ(c.providerAddresses[0].port, "underlay");
  ASSERT_TRUE(std::holds_alternative<InterfaceAddress4>(c.providerAddresses[0].address));
  EXPECT_EQ(std::get<InterfaceAddress4>(c.providerAddresses[0].address).toString(), "192.0.2.1/24");
  EXPECT_EQ(c.providerAddresses[1].port, "uplink");
  ASSERT_TRUE(std::holds_alternative<InterfaceAddress6>(c.providerAddresses[1].address));
  EXPECT_EQ(std::get<InterfaceAddress6>(c.providerAddresses[1].address).toString(), "2001:db8::1/64");
}

TEST(GatewayConfig, DefaultsForAMinimalConfig) {
  auto r = parseGatewayConfig(doc(R"({"ports": [{"name": "ul", "vdev": "net_af_packet0,iface=ul0"}]})"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  const GatewayConfig& c = *r;
  EXPECT_EQ(c.nodeName, "hnvgwd");
  EXPECT_EQ(c.logLevel, LogLevel::Info);
  EXPECT_EQ(c.apiSocket, "/run/hnvgwd/hnvgwd.sock");
  EXPECT_EQ(c.dataplane.eal.program, "hnvgwd");
  EXPECT_EQ(c.dataplane.eal.filePrefix, "hnvgwd-hnvgwd");
  EXPECT_EQ(c.dataplane.eal.lcores, "0");
  EXPECT_FALSE(c.dataplane.eal.hugepages);
  EXPECT_EQ(c.dataplane.eal.memoryMb, 256u);
  EXPECT_EQ(c.dataplane.eal.logLevel, 5u);
  EXPECT_TRUE(c.dataplane.eal.telemetry);
  EXPECT_TRUE(c.dataplane.eal.extraArgs.empty());
  EXPECT_EQ(c.dataplane.eal.vdevs, (std::vector<std::string>{"net_af_packet0,iface=ul0"}));
  EXPECT_EQ(c.dataplane.pool.mbufs, 8191u);
  EXPECT_FALSE(c.dataplane.idle.poll);
  EXPECT_EQ(c.dataplane.idle.minSleepUs, 20u);
  EXPECT_EQ(c.dataplane.idle.maxSleepUs, 1000u);
  ASSERT_EQ(c.dataplane.ports.size(), 1u);
  EXPECT_EQ(c.dataplane.ports[0].mtu, 1500);
  EXPECT_FALSE(c.dataplane.ports[0].mac.has_value());
  EXPECT_FALSE(c.dataplane.ports[0].promiscuous);
  EXPECT_TRUE(c.providerAddresses.empty());
  EXPECT_TRUE(c.clusterMember.empty()) << "not clustered";
}

TEST(GatewayConfig, AClusterMemberNamesItselfAndHasAController) {
  auto r = parseGatewayConfig(doc(R"({"ports": [{"name": "ul", "vdev": "net_af_packet0,iface=ul0"}],
                                      "controller": {"url": "http://198.51.100.1:8470"},
                                      "cluster": {"member": "gw1-a"}})"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->clusterMember, "gw1-a");
  EXPECT_NE(r->summary().find("cluster member gw1-a"), std::string::npos) << r->summary();
}

TEST(GatewayConfig, FilePrefixFollowsTheNodeNameUnlessGiven) {
  auto named = parseGatewayConfig(doc(R"({"node": {"name": "edge-7"}, "ports": [{"name": "p", "vdev": "net_null0"}]})"));
  ASSERT_TRUE(named.ok()) << named.error().message();
  EXPECT_EQ(named->dataplane.eal.filePrefix, "hnvgwd-edge-7");
  auto given = parseGatewayConfig(doc(
      R"({"node": {"name": "edge-7"}, "eal": {"file_prefix": "mine"}, "ports": [{"name": "p", "vdev": "net_null0"}]})"));
  ASSERT_TRUE(given.ok()) << given.error().message();
  EXPECT_EQ(given->dataplane.eal.filePrefix, "mine");
}

TEST(GatewayConfig, IdleSleepsMayBeEqual) {
  auto r = parseGatewayConfig(doc(
      R"({"dataplane": {"idle": {"min_sleep_us": 300, "max_sleep_us": 300}}, "ports": [{"name": "p", "vdev": "net_null0"}]})"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->dataplane.idle.maxSleepUs, 300u);
}

using hnv::testing::BadCase;

// A valid port for cases that break something else.
#define PORT R"({"name": "ul", "vdev": "net_af_packet0,iface=ul0"})"

const BadCase kBadCases[] = {
    {"UnknownTopLevelKey", R"({"nodes": {}, "ports": [)" PORT "]}", "nodes",
     "unknown key (known keys here: node, log, eal, dataplane, ports, provider_addresses, api, metrics, controller, state_file, encap, nat, vpn, cluster)"},
    {"RootNotAnObject", R"([1])", "", "must be an object, not an array"},
    {"VpnSocketNotAbsolute", R"({"vpn": {"ike_socket": "ike.sock"}, "ports": [)" PORT "]}", "vpn.ike_socket",
     "an absolute path of at most 100 characters"},
    {"VpnUnknownCrypto", R"({"vpn": {"crypto": "qat"}, "ports": [)" PORT "]}", "vpn.crypto",
     "must be auto, aesni_mb or openssl"},
    {"VpnUnknownKey", R"({"vpn": {"socket": "/x"}, "ports": [)" PORT "]}", "vpn.socket", "unknown key"},
    {"ClusterWithoutController", R"({"cluster": {"member": "gw1-a"}, "ports": [)" PORT "]}", "cluster.member",
     "a cluster member needs a \"controller\" section"},
    {"ClusterBadMemberName", R"({"cluster": {"member": "gw 1"}, "controller": {"url": "http://127.0.0.1:8470"}, "ports": [)" PORT "]}",
     "cluster.member", "1 to 63 letters"},
    {"ClusterUnknownKey", R"({"cluster": {"name": "gw1"}, "ports": [)" PORT "]}", "cluster.name", "unknown key"},
    {"MetricsNotAddressPort", R"({"metrics": {"listen": "9470"}, "ports": [)" PORT "]}", "metrics.listen",
     "must be address:port"},
    {"MetricsNotAnAddress", R"({"metrics": {"listen": "localhost:9470"}, "ports": [)" PORT "]}", "metrics.listen",
     "'localhost' is not an IP address"},
    {"MetricsPortZero", R"({"metrics": {"listen": "127.0.0.1:0"}, "ports": [)" PORT "]}", "metrics.listen",
     "from 1 to 65535"},
    {"MetricsPortTooBig", R"({"metrics": {"listen": "[::1]:70000"}, "ports": [)" PORT "]}", "metrics.listen",
     "from 1 to 65535"},
    {"MetricsUnknownKey", R"({"metrics": {"port": 9470}, "ports": [)" PORT "]}", "metrics.port", "unknown key"},
    {"ControllerBadUrl", R"({"controller": {"url": "ftp://x"}, "ports": [)" PORT "]}", "controller.url", ""},
    {"StateFileNotAString", R"({"state_file": 7, "ports": [)" PORT "]}", "state_file", "must be a string"},
    {"PortsMissing", R"({"node": {"name": "gw"}})", "ports", "is required"},
    {"PortsEmpty", R"({"ports": []})", "ports", "at least one port is required"},
    {"PortsNotAnArray", R"({"ports": {"name": "ul"}})", "ports", "must be an array, not an object"},
    {"PortNotAnObject", R"({"ports": ["ul"]})", "ports[0]", "must be an object, not a string"},
    {"PortUnknownKey", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "speed": 10}]})", "ports[0].speed",
     "known keys here: name, vdev, device, mtu, mac, promiscuous, role)"},
    {"PortVsidIsHostdOnly", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "vsid": 5001}]})", "ports[0].vsid",
     "unknown key"},
    {"PortRoleUnknown", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "role": "underlay"}]})", "ports[0].role",
     "must be \"uplink\" (the provider network) or \"vm\""},
    {"PortRoleVmInGateway", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "role": "vm"}]})", "ports[0].role",
     "hnvgwd has no VM ports"},
    {"PortWithoutName", R"({"ports": [{"vdev": "net_tap0"}]})", "ports[0].name", "is required"},
    {"PortEmptyName", R"({"ports": [{"name": "", "vdev": "net_tap0"}]})", "ports[0].name", "must not be empty"},
    {"PortWithoutVdevOrDevice", R"({"ports": [{"name": "ul"}]})", "ports[0]", "needs exactly one of \"vdev\""},
    {"PortWithVdevAndDevice", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "device": "0000:00:08.0"}]})",
     "ports[0]", "needs exactly one of \"vdev\""},
    {"VdevWithoutDriver", R"({"ports": [{"name": "ul", "vdev": "af_packet0,iface=ul0"}]})", "ports[0].vdev",
     "starts with its driver"},
    {"DuplicatePortName", R"({"ports": [)" PORT R"(, {"name": "ul", "vdev": "net_tap0"}]})", "ports[1].name",
     "another port already has this name"},
    {"DuplicateVdevDevice", R"({"ports": [)" PORT R"(, {"name": "dl", "vdev": "net_af_packet0,iface=dl0"}]})",
     "ports[1].vdev", "another port uses the device net_af_packet0"},
    {"DuplicateDevice",
     R"({"ports": [{"name": "a", "device": "0000:00:08.0"}, {"name": "b", "device": "0000:00:08.0"}]})",
     "ports[1].device", "another port uses the device 0000:00:08.0"},
    {"DeviceDuplicatesVdev", R"({"ports": [{"name": "a", "vdev": "net_tap0"}, {"name": "b", "device": "net_tap0"}]})",
     "ports[1].device", "another port uses the device net_tap0"},
    {"VdevDuplicatesDevice",
     R"({"ports": [{"name": "a", "device": "net_tap0"}, {"name": "b", "vdev": "net_tap0,iface=t"}]})",
     "ports[1].vdev", "another port uses the device net_tap0"},
    {"MtuTooSmall", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "mtu": 67}]})", "ports[0].mtu",
     "must be between 68 and 9600"},
    {"MtuTooLarge", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "mtu": 9601}]})", "ports[0].mtu",
     "must be between 68 and 9600"},
    {"MtuAsString", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "mtu": "1500"}]})", "ports[0].mtu",
     "must be a whole number from 68 to 9600, not a string"},
    {"MtuNegative", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "mtu": -1500}]})", "ports[0].mtu",
     "must be a whole number"},
    {"MacMulticast", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "mac": "01:00:5e:00:00:01"}]})",
     "ports[0].mac", "must be a unicast, non-zero MAC"},
    {"MacZero", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "mac": "00:00:00:00:00:00"}]})", "ports[0].mac",
     "must be a unicast, non-zero MAC"},
    {"MacGarbage", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "mac": "02:00:5e:00:53"}]})", "ports[0].mac",
     "not a MAC address"},
    {"MacNotAString", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "mac": 2}]})", "ports[0].mac",
     "must be a string, not a number"},
    {"PromiscuousNotABool", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "promiscuous": "yes"}]})",
     "ports[0].promiscuous", "must be true or false, not a string"},
    {"ProviderAddressUnknownPort",
     R"({"ports": [)" PORT R"(], "provider_addresses": [{"port": "uplink", "address": "192.0.2.1/24"}]})",
     "provider_addresses[0].port", "no port of that name"},
    {"ProviderAddressWithoutLength",
     R"({"ports": [)" PORT R"(], "provider_addresses": [{"port": "ul", "address": "192.0.2.1"}]})",
     "provider_addresses[0].address", "needs its prefix length"},
    {"ProviderAddressV6WithoutLength",
     R"({"ports": [)" PORT R"(], "provider_addresses": [{"port": "ul", "address": "2001:db8::1"}]})",
     "provider_addresses[0].address", "needs its prefix length"},
    {"ProviderAddressBad",
     R"({"ports": [)" PORT R"(], "provider_addresses": [{"port": "ul", "address": "192.0.2.256/24"}]})",
     "provider_addresses[0].address", "not an IPv4 address"},
    {"ProviderAddressMulticast",
     R"({"ports": [)" PORT R"(], "provider_addresses": [{"port": "ul", "address": "224.0.0.5/24"}]})",
     "provider_addresses[0].address", "must be a unicast address"},
    {"ProviderAddressDuplicate",
     R"({"ports": [)" PORT R"(, {"name": "dl", "vdev": "net_tap0"}], "provider_addresses": [)"
     R"({"port": "ul", "address": "192.0.2.1/24"}, {"port": "ul", "address": "198.51.100.1/24"},)"
     R"({"port": "dl", "address": "192.0.2.1/16"}]})",
     "provider_addresses[2].address", "listed twice"},
    {"ProviderAddressDuplicateV6",
     R"({"ports": [)" PORT R"(], "provider_addresses": [)"
     R"({"port": "ul", "address": "2001:db8::1/64"}, {"port": "ul", "address": "2001:db8::1/64"}]})",
     "provider_addresses[1].address", "listed twice"},
    {"ProviderAddressUnknownKey",
     R"({"ports": [)" PORT R"(], "provider_addresses": [{"port": "ul", "addr": "192.0.2.1/24"}]})",
     "provider_addresses[0].addr", "unknown key"},
    {"LogLevelLoud", R"({"log": {"level": "loud"}, "ports": [)" PORT "]}", "log.level",
     "must be one of error, warning, notice, info, debug"},
    {"IdleMaxBelowMin",
     R"({"dataplane": {"idle": {"min_sleep_us": 100, "max_sleep_us": 99}}, "ports": [)" PORT "]}",
     "dataplane.idle.max_sleep_us", "must not be below min_sleep_us"},
    {"IdleMaxBelowDefaultMin", R"({"dataplane": {"idle": {"max_sleep_us": 19}}, "ports": [)" PORT "]}",
     "dataplane.idle.max_sleep_us", "must not be below min_sleep_us"},
    {"MbufsTooFew", R"({"dataplane": {"mbufs": 1000}, "ports": [)" PORT "]}", "dataplane.mbufs",
     "must be between 1023 and 16777216"},
    {"EalUnknownKey", R"({"eal": {"cores": "0"}, "ports": [)" PORT "]}", "eal.cores", "unknown key"},
    {"EalExtraArgNotAString", R"({"eal": {"extra_args": ["--a", 5]}, "ports": [)" PORT "]}", "eal.extra_args[1]",
     "must be a string, not a number"},
    {"EalHugepagesNotABool", R"({"eal": {"hugepages": 1}, "ports": [)" PORT "]}", "eal.hugepages",
     "must be true or false, not a number"},
    {"NodeNameNotAString", R"({"node": {"name": 7}, "ports": [)" PORT "]}", "node.name",
     "must be a string, not a number"},
    {"ApiSocketTooLong",
     R"({"api": {"socket": "/run/)"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     R"("}, "ports": [)" PORT "]}",
     "api.socket", "a Unix socket path has 1 to 100 characters"},
    {"ApiSocketEmpty", R"({"api": {"socket": ""}, "ports": [)" PORT "]}", "api.socket",
     "a Unix socket path has 1 to 100 characters"},
};

#undef PORT

class BadConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfig, NamesThePlaceAndTheRule) {
  hnv::testing::expectRefused(parseGatewayConfig(doc(GetParam().json)), GetParam());
}

INSTANTIATE_TEST_SUITE_P(GatewayConfig, BadConfig, ::testing::ValuesIn(kBadCases), hnv::testing::badCaseName);

TEST(GatewayConfig, ApiSocketOfExactly100CharactersIsAccepted) {
  std::string path = "/" + std::string(99, 's');
  boost::json::value v = doc(R"({"ports": [{"name": "p", "vdev": "net_null0"}]})");
  v.as_object()["api"] = boost::json::object{{"socket", path}};
  auto r = parseGatewayConfig(v);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->apiSocket, path);
  v.as_object()["api"].as_object()["socket"] = path + "s";
  EXPECT_FALSE(parseGatewayConfig(v).ok());
}

TEST(GatewayConfig, MessageReadsAsOneLine) {
  auto r = parseGatewayConfig(doc(R"({"ports": [{"name": "ul", "vdev": "net_tap0", "mtu": 70000}]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "ports[0].mtu: 70000: must be between 68 and 9600");
}

using ConfigFile = hnv::testing::TempDirTest;

TEST_F(ConfigFile, LoadsAValidFile) {
  auto r = loadGatewayConfig(write("gw.json", kFull));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->nodeName, "gw1");
  EXPECT_EQ(r->dataplane.ports.size(), 3u);
}

TEST_F(ConfigFile, MissingFileNamesThePath) {
  std::string path = dir_ + "/absent.json";
  auto r = loadGatewayConfig(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::Io);
  EXPECT_EQ(r.error().where, path);
  EXPECT_THAT(r.error().why, HasSubstr("cannot open"));
}

TEST_F(ConfigFile, SyntaxErrorNamesPathLineAndColumn) {
  // Line 3 lacks the comma after "gw1" at its end; the parser stops at the '"' opening line 4, column 3.
  std::string path = write("bad.json",
                           "{\n"
                           "  \"node\": {\n"
                           "    \"name\": \"gw1\"}\n"
                           "  \"ports\": []\n"
                           "}\n");
  auto r = loadGatewayConfig(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::Malformed);
  EXPECT_EQ(r.error().where, path + ":4:3");
  EXPECT_THAT(r.error().why, HasSubstr("invalid JSON"));
}

TEST_F(ConfigFile, SchemaErrorIsPrefixedWithThePath) {
  std::string path = write("mtu.json", R"({"ports": [{"name": "ul", "vdev": "net_tap0", "mtu": 70000}]})");
  auto r = loadGatewayConfig(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, path + ": ports[0].mtu");
  EXPECT_EQ(r.error().message(), path + ": ports[0].mtu: 70000: must be between 68 and 9600");
}

TEST_F(ConfigFile, RootErrorNamesJustThePath) {
  std::string path = write("array.json", "[1]");
  auto r = loadGatewayConfig(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, path);
  EXPECT_EQ(r.error().message(), path + ": [1]: must be an object, not an array");
}

}  // namespace
}  // namespace hnv::gateway
