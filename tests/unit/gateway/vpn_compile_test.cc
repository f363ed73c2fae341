// compileVpn: what hnv-iked is given for the S2S interfaces of this gateway:
// routes with each prefix's metric, quoted identities, and with
// certificates the credential files the connection names, its trust pinned
// to its own CAs.
#include "hnv/gateway/vpn_compile.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "test_pki.h"

namespace hnv::gateway {
namespace {

constexpr const char* kRdidA = "aaaaaaaa-0000-4000-8000-00000000000a";
constexpr const char* kRdidW = "eeeeeeee-0000-4000-8000-00000000000e";

std::string quoted(const std::string& s) { return boost::json::serialize(boost::json::string(s)); }

VpnCompiled compile(const std::string& interfaces) {
  const std::string text = std::string(R"({"node":"gw1","revision":3,"routing-domains":[{"rdid":")") + kRdidA +
                           R"("},{"rdid":")" + kRdidW + R"("}],"vpn-s2s-interfaces":[)" + interfaces + "]}";
  const auto desired = boost::json::parse(text).as_object();
  auto policy = overlay::OverlayPolicy::compile(desired);
  EXPECT_TRUE(policy.ok()) << policy.error().message();
  auto out = compileVpn(desired, *policy, "gw1");
  EXPECT_TRUE(out.ok()) << out.error().message();
  return out.ok() ? *out : VpnCompiled{};
}

std::string interface(const std::string& name, const std::string& destination, const std::string& more) {
  return std::string(R"({"rdid":")") + kRdidA + R"(","name":")" + name + R"(","node":"gw1","externalRdid":")" + kRdidW +
         R"(","localAddress":"203.0.113.5","destination":")" + destination +
         R"(","localPrefixes":["10.0.1.0/24"],)" + more + "}";
}

TEST(VpnCompile, EachRemotePrefixGetsItsOwnMetricOrTheInterfaces) {
  auto out = compile(interface("s", "198.51.100.2",
                               R"("sharedSecret":"correct horse battery staple","routeMetric":30,"egressKbps":8000,)"
                               R"("remoteId":"C=CH, O=Example, CN=site","remotePrefixes":["172.16.1.0/24:5","172.16.2.0/24"])"));
  ASSERT_EQ(out.interfaces.size(), 1u);
  const auto& r = out.interfaces[0].remotePrefixes;
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].prefix.toString(), "172.16.1.0/24");
  EXPECT_EQ(r[0].metric, 5u);
  EXPECT_EQ(r[1].metric, 30u);
  EXPECT_EQ(out.interfaces[0].egressBytesPerSecond, 1'000'000u) << "8000 kbit/s";
  EXPECT_EQ(out.interfaces[0].ingressBytesPerSecond, 0u) << "no limit";
  EXPECT_NE(out.swanctlConf.find("remote_ts = 172.16.1.0/24,172.16.2.0/24\n"), std::string::npos) << out.swanctlConf;
  EXPECT_NE(out.swanctlConf.find("id = \"C=CH, O=Example, CN=site\"\n"), std::string::npos) << out.swanctlConf;
  EXPECT_NE(out.swanctlConf.find("id-2 = \"C=CH, O=Example, CN=site\"\n"), std::string::npos) << out.swanctlConf;
  EXPECT_NE(out.swanctlConf.find("auth = psk"), std::string::npos);
  EXPECT_TRUE(out.credentials.empty());
}

TEST(VpnCompile, OnDemandIsTriedOnceStartedByNobodyAndClosesWhenIdle) {
  auto out = compile(interface("s", "198.51.100.2",
                               R"("sharedSecret":"correct horse battery staple","connectionType":"on-demand",)"
                               R"("idleTimeoutSeconds":300,"remotePrefixes":["172.16.1.0/24"])") +
                     "," +
                     interface("p", "198.51.100.3",
                               R"("sharedSecret":"another horse battery staple","remotePrefixes":["172.16.2.0/24"])"));
  ASSERT_EQ(out.interfaces.size(), 2u);
  EXPECT_TRUE(out.interfaces[0].onDemand);
  EXPECT_FALSE(out.interfaces[1].onDemand);
  EXPECT_EQ(out.persistent, std::vector<std::string>{std::string(kRdidA) + "_p"});
  const std::string& conf = out.swanctlConf;
  const std::size_t second = conf.find(std::string(kRdidA) + "_p {");
  ASSERT_NE(second, std::string::npos);
  const std::string demand = conf.substr(0, second), persistent = conf.substr(second);
  EXPECT_NE(demand.find("keyingtries = 1\n"), std::string::npos) << "the next packet dials again\n" << demand;
  EXPECT_NE(demand.find("start_action = none\n"), std::string::npos) << demand;
  EXPECT_NE(demand.find("inactivity = 300s\n"), std::string::npos) << demand;
  EXPECT_NE(persistent.find("keyingtries = 0\n"), std::string::npos) << persistent;
  EXPECT_NE(persistent.find("start_action = start\n"), std::string::npos) << persistent;
  EXPECT_EQ(persistent.find("inactivity"), std::string::npos) << persistent;
}

TEST(VpnCompile, AlternateDestinationsFollowTheDestinationAndAnOnDemandDialTriesEachOnce) {
  auto out = compile(interface("s", "198.51.100.2",
                               R"("sharedSecret":"correct horse battery staple","remoteId":"site",)"
                               R"("alternateDestinations":["198.51.100.7","198.51.100.8"],)"
                               R"("connectionType":"on-demand","remotePrefixes":["172.16.1.0/24"])"));
  ASSERT_EQ(out.interfaces.size(), 1u);
  const auto& x = out.interfaces[0];
  EXPECT_EQ(x.remote.toString(), "198.51.100.2");
  ASSERT_EQ(x.alternates.size(), 2u);
  EXPECT_EQ(x.alternates[1].toString(), "198.51.100.8");
  EXPECT_TRUE(x.endsAt(*IpAddr::parse("198.51.100.7")));
  EXPECT_FALSE(x.endsAt(*IpAddr::parse("198.51.100.9")));
  EXPECT_NE(out.swanctlConf.find("remote_addrs = 198.51.100.2,198.51.100.7,198.51.100.8\n"), std::string::npos)
      << out.swanctlConf;
  EXPECT_NE(out.swanctlConf.find("keyingtries = 3\n"), std::string::npos) << out.swanctlConf;
  EXPECT_NE(out.swanctlConf.find("id-2 = \"site\"\n"), std::string::npos) << out.swanctlConf;
}

TEST(VpnCompile, CertificatesBecomeFilesAndTheSitesTrustIsPinnedToTheInterfacesCas) {
  const auto ca1 = testing::makeCa("ca-1"), ca2 = testing::makeCa("ca-2"), other = testing::makeCa("ca-other");
  const auto gw = testing::issue(ca1, "gw-a"), gwB = testing::issue(other, "gw-b");
  const std::string certs = R"("authentication":"certificate","certificate":)" + quoted(gw.cert) +
                            R"(,"privateKey":)" + quoted(gw.key) + R"(,"caCertificates":)" + quoted(ca1.cert + ca2.cert) +
                            R"(,"remotePrefixes":["172.16.1.0/24"])";
  const std::string certsB = R"("authentication":"certificate","certificate":)" + quoted(gwB.cert) +
                             R"(,"privateKey":)" + quoted(gwB.key) + R"(,"caCertificates":)" + quoted(other.cert) +
                             R"(,"localId":"gw-b.example","remotePrefixes":["172.16.9.0/24"])";
  auto out = compile(interface("s", "198.51.100.2", certs) + "," + interface("t", "198.51.100.3", certsB));
  const std::string conn = std::string(kRdidA) + "_s";
  std::vector<std::string> files;
  for (const auto& c : out.credentials) files.push_back(c.dir + "/" + c.name);
  EXPECT_EQ(files, (std::vector<std::string>{"x509/" + conn + ".pem", "private/" + conn + ".pem",
                                             "x509ca/" + conn + "-ca1.pem", "x509ca/" + conn + "-ca2.pem",
                                             "x509/" + std::string(kRdidA) + "_t.pem",
                                             "private/" + std::string(kRdidA) + "_t.pem",
                                             "x509ca/" + std::string(kRdidA) + "_t-ca1.pem"}));
  ASSERT_EQ(out.credentials.size(), 7u);
  EXPECT_EQ(out.credentials[0].pem, gw.cert);
  EXPECT_NE(out.credentials[1].pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(out.credentials[2].pem, ca1.cert);
  EXPECT_EQ(out.credentials[3].pem, ca2.cert);
  const std::string& conf = out.swanctlConf;
  EXPECT_NE(conf.find("      auth = pubkey\n      certs = " + conn + ".pem\n    }\n"), std::string::npos)
      << "no id: the certificate's subject\n" << conf;
  EXPECT_NE(conf.find("remote {\n      auth = pubkey\n      id = \"198.51.100.2\"\n      cacerts = " + conn +
                      "-ca1.pem," + conn + "-ca2.pem\n"),
            std::string::npos)
      << conf;
  EXPECT_NE(conf.find("id = \"gw-b.example\""), std::string::npos) << conf;
  EXPECT_EQ(conf.find("auth = psk"), std::string::npos) << conf;
  EXPECT_EQ(conf.find("ike-"), std::string::npos) << "no PSK secrets\n" << conf;
}

TEST(VpnCompile, RevocationListsBecomeFilesAndStrictCheckingIsAskedOfCharon) {
  const auto ca1 = testing::makeCa("ca-1"), ca2 = testing::makeCa("ca-2");
  const auto gw = testing::issue(ca1, "gw-a"), site = testing::issue(ca1, "site");
  const std::string crl1 = testing::makeCrl(ca1, {site.cert}), crl2 = testing::makeCrl(ca2, {});
  auto certs = [&](const std::string& extra) {
    return R"("authentication":"certificate","certificate":)" + quoted(gw.cert) + R"(,"privateKey":)" +
           quoted(gw.key) + R"(,"caCertificates":)" + quoted(ca1.cert + ca2.cert) +
           R"(,"remotePrefixes":["172.16.1.0/24"])" + extra;
  };
  auto out = compile(interface("s", "198.51.100.2", certs(R"(,"crls":)" + quoted(crl1 + crl2) +
                                                          R"(,"revocation":"strict")")));
  const std::string conn = std::string(kRdidA) + "_s";
  std::vector<std::string> files;
  for (const auto& c : out.credentials) {
    if (c.dir == "x509crl") files.push_back(c.name + "=" + c.pem);
  }
  EXPECT_EQ(files, (std::vector<std::string>{conn + "-crl1.pem=" + crl1, conn + "-crl2.pem=" + crl2}));
  EXPECT_NE(out.swanctlConf.find("-ca2.pem\n      revocation = strict\n    }\n"), std::string::npos)
      << out.swanctlConf;
  // Relaxed (the default) is charon's default too: nothing to say.
  out = compile(interface("s", "198.51.100.2", certs(R"(,"crls":)" + quoted(crl1) + "")));
  EXPECT_EQ(out.swanctlConf.find("revocation"), std::string::npos) << out.swanctlConf;
  EXPECT_EQ(out.credentials.back().dir, "x509crl");
}

TEST(VpnCompile, AProtocolAndPortsFollowEachPrefixOfTheTrafficSelectors) {
  auto out = compile(interface("s", "198.51.100.2",
                               R"("sharedSecret":"correct horse battery staple","protocol":"tcp",)"
                               R"("localPorts":"1024-65535","remotePorts":"443",)"
                               R"("remotePrefixes":["172.16.1.0/24","172.16.2.0/24:5"])"));
  EXPECT_NE(out.swanctlConf.find("local_ts = 10.0.1.0/24[6/1024-65535]\n"), std::string::npos) << out.swanctlConf;
  EXPECT_NE(out.swanctlConf.find("remote_ts = 172.16.1.0/24[6/443],172.16.2.0/24[6/443]\n"), std::string::npos)
      << out.swanctlConf;
  out = compile(interface("s", "198.51.100.2",
                          R"("sharedSecret":"correct horse battery staple","protocol":"icmp",)"
                          R"("remotePrefixes":["172.16.1.0/24"])"));
  EXPECT_NE(out.swanctlConf.find("remote_ts = 172.16.1.0/24[1]\n"), std::string::npos) << out.swanctlConf;
}

}  // namespace
}  // namespace hnv::gateway
