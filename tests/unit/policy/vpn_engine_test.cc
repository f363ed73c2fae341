// The site-to-site VPN kind through the engine: defaults, the write-only
// secret (never in what the API shows, given to its gateway), the rules
// across objects and the refused inputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "policy_fixture.h"

namespace hnv::policy::testing {
namespace {

const std::string kA(kRdidA);

using VpnEngine = GatewayFixture;

TEST_F(VpnEngine, DefaultsAndAWriteOnlySecretThatOnlyItsGatewayGets) {
  must(createOp(kVpn, exampleOf(kVpn)));
  auto x = get(kVpn, "@A/site-a");
  EXPECT_EQ(x.at("ikeProposals"), "aes256-sha256-modp2048");
  EXPECT_EQ(x.at("espProposals"), "aes256gcm16-modp2048");
  EXPECT_EQ(x.at("routeMetric"), 10);
  EXPECT_EQ(x.at("connectionType"), "persistent");
  EXPECT_EQ(x.at("lifetimeSeconds"), 7200);
  EXPECT_EQ(x.at("dpdSeconds"), 30);
  EXPECT_EQ(x.at("adminState"), "up");
  EXPECT_FALSE(x.contains("sharedSecret")) << "the API never shows the PSK";
  for (const auto& item : list(kVpn)) EXPECT_FALSE(item.as_object().contains("sharedSecret"));
  auto gw = engine.desiredState("gw1");
  ASSERT_TRUE(gw.ok());
  const auto& items = gw->at("vpn-s2s-interfaces").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("sharedSecret"), "correct horse battery staple") << "its gateway needs it";
  auto host = engine.desiredState("host1");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(boost::json::serialize(*host).find("correct horse"), std::string::npos) << "a host never gets it";
  // A patch of another field keeps the secret.
  must(patchOp(kVpn, "@A/site-a", R"({"routeMetric":20})"));
  gw = engine.desiredState("gw1");
  EXPECT_EQ(gw->at("vpn-s2s-interfaces").as_array()[0].at("sharedSecret"), "correct horse battery staple");
}

TEST_F(VpnEngine, EachRemotePrefixMayHaveItsOwnMetric) {
  must(createOp(kVpn, with(kVpn, R"("remotePrefixes":["172.16.1.0/24:20","172.16.2.0/24","172.16.3.0/24:0","172.16.2.0/24"],)"
                                 R"("remoteId":"C=CH, O=Example, CN=site-a")")));
  auto x = get(kVpn, "@A/site-a");
  EXPECT_EQ(boost::json::serialize(x.at("remotePrefixes")), R"(["172.16.1.0/24:20","172.16.2.0/24","172.16.3.0/24:0"])");
  EXPECT_EQ(x.at("remoteId"), "C=CH, O=Example, CN=site-a") << "a distinguished name is an identity";
  // A list filter names the prefix, whatever its metric.
  EXPECT_EQ(list(kVpn, {{"remotePrefixes", "172.16.1.0/24"}}).size(), 1u);
  EXPECT_EQ(list(kVpn, {{"remotePrefixes", "172.16.2.0/24"}}).size(), 1u);
  EXPECT_EQ(list(kVpn, {{"remotePrefixes", "172.16.9.0/24"}}).size(), 0u);
  EXPECT_EQ(x.at("authentication"), "psk");
  EXPECT_FALSE(x.contains("egressKbps")) << "no limit unless given";
  must(patchOp(kVpn, "@A/site-a", R"({"egressKbps":2000,"ingressKbps":8,"espProposals":"aes256gcm16-esn-noesn"})"));
  x = get(kVpn, "@A/site-a");
  EXPECT_EQ(x.at("egressKbps"), 2000);
  EXPECT_EQ(x.at("ingressKbps"), 8);
}

// Traffic selectors beyond the prefixes: a protocol, and ports for TCP,
// UDP and SCTP; a patch to a protocol without ports drops the stored ones.
TEST_F(VpnEngine, AProtocolAndPortsNarrowWhatTheTunnelCarries) {
  must(createOp(kVpn, exampleOf(kVpn)));
  auto x = get(kVpn, "@A/site-a");
  EXPECT_EQ(x.at("protocol"), "any") << "every protocol by default";
  EXPECT_FALSE(x.contains("localPorts"));
  must(patchOp(kVpn, "@A/site-a", R"({"protocol":"tcp","remotePorts":"443","localPorts":"1024-65535"})"));
  x = get(kVpn, "@A/site-a");
  EXPECT_EQ(x.at("protocol"), "tcp");
  EXPECT_EQ(x.at("remotePorts"), "443");
  EXPECT_EQ(x.at("localPorts"), "1024-65535");
  must(patchOp(kVpn, "@A/site-a", R"({"protocol":"47"})"));  // GRE by number: no ports
  x = get(kVpn, "@A/site-a");
  EXPECT_EQ(x.at("protocol"), "47");
  EXPECT_FALSE(x.contains("remotePorts"));
  EXPECT_FALSE(x.contains("localPorts"));
  must(patchOp(kVpn, "@A/site-a", R"({"protocol":"17","remotePorts":"53"})"));
  EXPECT_EQ(get(kVpn, "@A/site-a").at("protocol"), "udp") << "a known number is shown by its name";
}

TEST_F(VpnEngine, AlternateDestinationsAreKeptInOrderAndNeedTheSitesIdentity) {
  must(createOp(kVpn, with(kVpn, R"("alternateDestinations":["198.51.100.7","198.51.100.8"],"remoteId":"site-a")")));
  auto x = get(kVpn, "@A/site-a");
  EXPECT_EQ(boost::json::serialize(x.at("alternateDestinations")), R"(["198.51.100.7","198.51.100.8"])");
  must(patchOp(kVpn, "@A/site-a", R"({"alternateDestinations":[]})"));
  EXPECT_FALSE(get(kVpn, "@A/site-a").contains("alternateDestinations")) << "an empty list is none";
  // Another interface of the gateway to one of A's site addresses, from the same endpoint.
  must(patchOp(kVpn, "@A/site-a", R"({"alternateDestinations":["198.51.100.7"]})"));
  auto r = run(createOp(kVpn, with(kVpn, R"("name":"site-a2","destination":"198.51.100.7")")));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("destination: 198.51.100.7: vpn-s2s-interface"), std::string::npos)
      << r.error().message();
  r = run(createOp(kVpn, with(kVpn, R"("name":"site-a2","destination":"198.51.100.9",)"
                                    R"("alternateDestinations":["198.51.100.7"],"remoteId":"site-a2")")));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("alternateDestinations: 198.51.100.7: vpn-s2s-interface"), std::string::npos)
      << r.error().message();
  // IPv6 outside: endpoints and alternates of that family.
  must(createOp(kVpn, with(kVpn, R"("name":"site-v6","localAddress":"2001:db8:5::5","destination":"2001:db8:5::2",)"
                                 R"("alternateDestinations":["2001:db8:6::2"],"remoteId":"site-v6")")));
  x = get(kVpn, "@A/site-v6");
  EXPECT_EQ(x.at("localAddress").as_string(), "2001:db8:5::5");
  EXPECT_EQ(boost::json::serialize(x.at("alternateDestinations")), R"(["2001:db8:6::2"])");
}

TEST_F(VpnEngine, RulesAcrossObjects) {
  must(createOp(kVpn, exampleOf(kVpn)));
  // The same two endpoints on one gateway: IKE could not tell the tenants apart.
  auto r = run(createOp(kVpn, with(kVpn, R"("name":"site-a2")")));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("already connects 203.0.113.5"), std::string::npos) << r.error().message();
  // One pair of PSK identities, spelled otherwise: a DN is a name, a host name has no case.
  must(patchOp(kVpn, "@A/site-a", R"({"localId":"gw.example","remoteId":"CN=site, O=Example"})"));
  r = run(createOp(kVpn, with(kVpn, R"("name":"site-a2","destination":"198.51.100.3","localId":"@GW.example",)"
                                    R"("remoteId":"cn=site,O=Example")")));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("its pre-shared key would be ambiguous"), std::string::npos)
      << r.error().message();
  must(createOp(kVpn, with(kVpn, R"("name":"site-a2","destination":"198.51.100.3","localId":"gw.example",)"
                                 R"("remoteId":"O=Example, CN=site")")));  // another order: another name
  must(deleteOp(kVpn, "@A/site-a2"));
  // Not a gateway, an outside not placed there.
  r = run(createOp(kVpn, with(kVpn, R"("name":"other","node":"host1")")));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("is not a gateway"), std::string::npos) << r.error().message();
  must(deleteOp(kVpn, "@A/site-a"));
  must(patchOp(kNode, "gw1", R"({"tenants":["@A"]})"));
  r = run(createOp(kVpn, exampleOf(kVpn)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("is not placed on gateway gw1"), std::string::npos) << r.error().message();
}

// IPv6 inside the tunnel: an interface of that family, metrics included;
// a tenant that needs both families has an interface for each.
TEST_F(VpnEngine, AnInterfaceCarriesIpv6PrefixesOfOneFamily) {
  must(createOp(kVpn, exampleOf(kVpn)));
  must(createOp(kVpn,
                with(kVpn, R"("name":"site-a6","destination":"198.51.100.9",)"
                           R"("localPrefixes":["fd00:1::/64"],"remotePrefixes":["fd00:5::/64:20","fd00:6::/48"])")));
  auto r = run(patchOp(kVpn, "@A/site-a6", R"({"remotePrefixes":["172.16.1.0/24"]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("is not IPv6 like localPrefixes"), std::string::npos) << r.error().message();
  must(patchOp(kVpn, "@A/site-a6", R"({"localPrefixes":["fd00:1::/64","fd00:2::/64"]})"));
  r = run(patchOp(kVpn, "@A/site-a6", R"({"localPrefixes":["10.0.1.0/24"],"remotePrefixes":["172.16.1.0/24"]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("localPrefixes: 10.0.1.0/24: changes the family inside the tunnel"),
            std::string::npos)
      << r.error().message();
}

TEST_F(VpnEngine, BadInputIsRefusedWithTheFieldAndTheRuleAndNeverEchoesTheSecret) {
  struct Case {
    std::string fields;
    std::string says;
  } cases[] = {
      {R"("sharedSecret":"short")", "sharedSecret: 5 characters: a PSK has 16 to 256 characters"},
      {R"("ikeProposals":"3des-md5-modp768")", "'3des' is not a supported algorithm"},
      {R"("espProposals":"aes256gcm16-modp2048,chacha20poly1305")", "'chacha20poly1305' is not a supported"},
      {R"("localAddress":"2001:db8::1")", "destination: 198.51.100.2: is not of localAddress's family (2001:db8::1)"},
      {R"("localAddress":"fe80::1","destination":"fe80::2")",
       "localAddress: fe80::1: must be a global unicast address"},
      {R"("destination":"203.0.113.5")", "is the local address"},
      {R"("externalRdid":"@A")", "must be another routing domain than rdid"},
      {R"("remotePrefixes":[])", "1 to 32 prefixes"},
      {R"("remotePrefixes":["fd00::/64"])", "remotePrefixes[0]: fd00::/64: is not IPv4 like localPrefixes"},
      {R"("localPrefixes":["fd00:1::/64","10.0.1.0/24"])", "localPrefixes[1]: 10.0.1.0/24: mixes IPv4 and IPv6"},
      {R"("localPrefixes":["fd00:1::/64"],"remotePrefixes":["fd00:5::/64:20","172.16.1.0/24"])",
       "remotePrefixes[1]: 172.16.1.0/24: is not IPv6 like localPrefixes"},
      {R"("localPrefixes":["fd00:1::/64"],"remotePrefixes":["fd00:5::/64"],"protocol":"tcp")",
       "protocol: 6: narrowing to a protocol or ports is for IPv4 prefixes only"},
      {R"("localPrefixes":["fd00:1::/64:20"],"remotePrefixes":["fd00:5::/64"])",
       "a metric (':N') belongs to remotePrefixes only"},
      {R"("authentication":"certificate")", "certificate: is required with authentication certificate"},
      {R"("authentication":"rsa-sig")", "authentication"},
      {R"("protocol":"gre")", "protocol: gre: any, tcp, udp, icmp, sctp or an IP protocol number 0..255"},
      {R"("protocol":"256")", "protocol: 256: any, tcp, udp, icmp, sctp or an IP protocol number 0..255"},
      {R"("protocol":"tcp","remotePorts":"444-443")", "remotePorts: 444-443: a port (443) or a range FROM-TO"},
      {R"("protocol":"tcp","localPorts":"65536")", "localPorts: 65536: a port (443) or a range FROM-TO"},
      {R"("protocol":"tcp","localPorts":"80-")", "localPorts: 80-: a port (443) or a range FROM-TO"},
      {R"("protocol":"icmp","remotePorts":"8")",
       "remotePorts: 8: ports need protocol tcp, udp or sctp (icmp has none)"},
      {R"("remotePorts":"443")", "remotePorts: 443: ports need protocol tcp, udp or sctp (any has none)"},
      {R"("remotePrefixes":["172.16.1.0/24:65536"])", "the metric after ':' is a number 0..65535"},
      {R"("remotePrefixes":["172.16.1.0/24:"])", "the metric after ':' is a number 0..65535"},
      {R"("remotePrefixes":["172.16.1.0/24:-1"])", "the metric after ':' is a number 0..65535"},
      {R"("remotePrefixes":["172.16.1.0/24:20","172.16.1.0/24:30"])",
       "remotePrefixes[1]: 172.16.1.0/24:30: is listed before with another metric"},
      {R"("remotePrefixes":["172.16.1.300/24:20"])", "remotePrefixes[0]: 172.16.1.300/24:20"},
      {R"("localPrefixes":["10.0.1.0/24:20"])", "a metric (':N') belongs to remotePrefixes only"},
      {R"("dpdSeconds":2)", "0 (off) or 5..3600"},
      {R"("ikeProposals":"aes256-sha256-modp2048-esn")", "'esn' applies to ESP proposals only"},
      {R"("egressKbps":5)", "egressKbps: 5: 0 (no limit) or 8..100000000"},
      {R"("ingressKbps":100000001)", "ingressKbps"},
      {R"("idleTimeoutSeconds":300)", "idleTimeoutSeconds: 300: applies to on-demand interfaces only"},
      {R"("connectionType":"on-demand","idleTimeoutSeconds":5)", "idleTimeoutSeconds: 5: 0 (never) or 10..86400"},
      {R"("lifetimeSeconds":10)", "lifetimeSeconds"},
      {R"("localId":"gw \"a\"")", "an IKE identity has no quotes"},
      {R"("remoteId":"CN=site {a}")", "an IKE identity has no quotes, braces"},
      {R"("remoteId":" CN=site-a")", "no leading or trailing spaces"},
      {R"("sharedSecret":null)", "sharedSecret"},
      {R"("alternateDestinations":["198.51.100.7"])",
       "remoteId: (absent): an interface with alternateDestinations names the site's IKE identity"},
      {R"("remoteId":"s","alternateDestinations":["198.51.100.7","198.51.100.7"])",
       "alternateDestinations[1]: 198.51.100.7: is listed twice"},
      {R"("remoteId":"s","alternateDestinations":["203.0.113.5"])", "is the local address"},
      {R"("remoteId":"s","alternateDestinations":["2001:db8::7"])",
       "alternateDestinations[0]: 2001:db8::7: is not of localAddress's family"},
      {R"("remoteId":"s","alternateDestinations":["1.1.1.1","1.1.1.2","1.1.1.3","1.1.1.4","1.1.1.5"])",
       "at most 4 alternate destinations"},
  };
  for (const auto& c : cases) {
    auto r = run(createOp(kVpn, with(kVpn, c.fields)));
    ASSERT_FALSE(r.ok()) << c.fields;
    EXPECT_NE(r.error().message().find(c.says), std::string::npos) << c.fields << " -> " << r.error().message();
    EXPECT_EQ(r.error().message().find("correct horse"), std::string::npos) << "the secret echoed";
  }
}

}  // namespace
}  // namespace hnv::policy::testing
