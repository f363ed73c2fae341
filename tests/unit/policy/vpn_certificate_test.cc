// Certificate authentication of S2S interfaces through the engine: the
// material is checked with OpenSSL (certificate, key of that certificate,
// CA bundle), the private key is write-only like the PSK, and each method
// refuses the other's fields.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "../test_pki.h"
#include "policy_fixture.h"

namespace hnv::policy::testing {
namespace {

using hnv::testing::TestCredential;

class VpnCertificates : public GatewayFixture {
 protected:
  static std::string quoted(const std::string& s) { return boost::json::serialize(boost::json::string(s)); }
  // The example interface by certificates: gw's credential, `cas` trusted.
  std::string body(const std::string& cert, const std::string& key, const std::string& cas) {
    return with(kVpn, R"("sharedSecret":null,"authentication":"certificate","certificate":)" + quoted(cert) +
                          R"(,"privateKey":)" + quoted(key) + R"(,"caCertificates":)" + quoted(cas));
  }
  const TestCredential ca = hnv::testing::makeCa("ca-a");
  const TestCredential ca2 = hnv::testing::makeCa("ca-a2");
  const TestCredential gw = hnv::testing::issue(ca, "gw-a");
};

TEST_F(VpnCertificates, AreCheckedStoredAndThePrivateKeyIsWriteOnly) {
  must(createOp(kVpn, body("some words before\n" + gw.cert, gw.key, ca.cert + ca2.cert)));
  auto x = get(kVpn, "@A/site-a");
  EXPECT_EQ(x.at("authentication"), "certificate");
  EXPECT_EQ(x.at("certificate").as_string().find("some words"), std::string::npos) << "stored re-encoded";
  EXPECT_EQ(x.at("caCertificates").as_string(), ca.cert + ca2.cert);
  EXPECT_FALSE(x.contains("privateKey")) << "the API never shows the key";
  EXPECT_FALSE(x.contains("sharedSecret"));
  for (const auto& item : list(kVpn)) EXPECT_FALSE(item.as_object().contains("privateKey"));
  auto gwState = engine.desiredState("gw1");
  ASSERT_TRUE(gwState.ok());
  const boost::json::value item = gwState->at("vpn-s2s-interfaces").as_array()[0];
  EXPECT_NE(item.at("privateKey").as_string().find("-----BEGIN PRIVATE KEY-----"), std::string::npos)
      << "its gateway needs it";
  auto host = engine.desiredState("host1");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(boost::json::serialize(*host).find("PRIVATE KEY"), std::string::npos) << "a host never gets it";
  // A patch of another field keeps the key; a new certificate needs its key.
  must(patchOp(kVpn, "@A/site-a", R"({"routeMetric":20})"));
  gwState = engine.desiredState("gw1");
  EXPECT_EQ(gwState->at("vpn-s2s-interfaces").as_array()[0].at("privateKey"), item.at("privateKey"));
  const TestCredential renewed = hnv::testing::issue(ca, "gw-a");
  auto r = run(patchOp(kVpn, "@A/site-a", R"({"certificate":)" + quoted(renewed.cert) + "}"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("privateKey: (not shown): does not belong to the certificate"), std::string::npos)
      << r.error().message();
  must(patchOp(kVpn, "@A/site-a",
               R"({"certificate":)" + quoted(renewed.cert) + R"(,"privateKey":)" + quoted(renewed.key) + "}"));
}

TEST_F(VpnCertificates, ALocalIdMustBeTheCertificatesSubjectOrOneOfItsAltNames) {
  const TestCredential named = hnv::testing::issue(ca, "gw-a", "DNS:gw-a.example,IP:203.0.113.5,email:vpn@example.net");
  auto withId = [&](const std::string& id) {
    return with(kVpn, R"("sharedSecret":null,"authentication":"certificate","certificate":)" + quoted(named.cert) +
                          R"(,"privateKey":)" + quoted(named.key) + R"(,"caCertificates":)" + quoted(ca.cert) +
                          R"(,"localId":)" + quoted(id));
  };
  for (const char* id : {"CN=gw-a", "cn=gw-a", "gw-a.example", "@GW-A.example", "203.0.113.5", "vpn@example.net",
                         "fqdn:not-checked.example"}) {
    auto r = run(createOp(kVpn, withId(id)));
    EXPECT_TRUE(r.ok()) << id << ": " << (r.ok() ? "" : r.error().message());
    if (r.ok()) must(deleteOp(kVpn, "@A/site-a"));
  }
  // CN=GW-A: the certificate's CN is a UTF8String, which charon compares with case.
  for (const char* id : {"CN=gw-b", "CN=GW-A", "CN=gw-a, O=Example", "other.example", "203.0.113.9", "ops@example.net"}) {
    auto r = run(createOp(kVpn, withId(id)));
    ASSERT_FALSE(r.ok()) << id;
    EXPECT_NE(r.error().message().find(std::string("localId: ") + id + ": is not in the certificate (subject CN = gw-a; "
                                       "subjectAltNames DNS:gw-a.example, IP:203.0.113.5, email:vpn@example.net)"),
              std::string::npos)
        << r.error().message();
  }
}

TEST_F(VpnCertificates, APatchSwitchesTheMethodAndTheOldMethodsSecretsGo) {
  must(createOp(kVpn, exampleOf(kVpn)));  // by PSK
  must(patchOp(kVpn, "@A/site-a",
               R"({"authentication":"certificate","certificate":)" + quoted(gw.cert) + R"(,"privateKey":)" +
                   quoted(gw.key) + R"(,"caCertificates":)" + quoted(ca.cert) + "}"));
  auto gwState = engine.desiredState("gw1");
  ASSERT_TRUE(gwState.ok());
  EXPECT_EQ(boost::json::serialize(*gwState).find("correct horse"), std::string::npos) << "the PSK is gone";
  auto r = run(patchOp(kVpn, "@A/site-a", R"({"authentication":"psk"})"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("sharedSecret: is required with authentication psk"), std::string::npos)
      << r.error().message();
  must(patchOp(kVpn, "@A/site-a", R"({"authentication":"psk","sharedSecret":"a new long pre-shared key"})"));
  gwState = engine.desiredState("gw1");
  EXPECT_EQ(boost::json::serialize(*gwState).find("PRIVATE KEY"), std::string::npos) << "the key is gone";
  // An idle timeout goes with on-demand.
  must(patchOp(kVpn, "@A/site-a", R"({"connectionType":"on-demand","idleTimeoutSeconds":60})"));
  must(patchOp(kVpn, "@A/site-a", R"({"connectionType":"persistent"})"));
  EXPECT_FALSE(get(kVpn, "@A/site-a").contains("idleTimeoutSeconds"));
}

TEST_F(VpnCertificates, TwoInterfacesByCertificatesMayShareTheirIdentities) {
  // The PSK rule (one pair of identities, one secret) does not apply.
  must(createOp(kVpn, body(gw.cert, gw.key, ca.cert)));
  const std::string second = body(gw.cert, gw.key, ca.cert);
  auto o = boost::json::parse(second).as_object();
  o["name"] = "site-a2";
  o["destination"] = "198.51.100.3";
  o["remoteId"] = "198.51.100.2";
  must(createOp(kVpn, boost::json::serialize(o)));
}

TEST_F(VpnCertificates, BadMaterialIsRefusedByFieldWithoutEchoingTheKey) {
  const TestCredential other = hnv::testing::issue(ca, "gw-other");
  const TestCredential leaf = hnv::testing::issue(ca, "not-a-ca");
  struct Case {
    std::string body;
    std::string says;
  } cases[] = {
      {body("", gw.key, ca.cert), "certificate: 0 bytes: PEM text of 1 to 16384 bytes"},
      {body("hello", gw.key, ca.cert), "certificate: 5 bytes: holds no PEM certificate"},
      {body(gw.cert + other.cert, gw.key, ca.cert), "certificate: 2 certificates: exactly one certificate"},
      {body(gw.cert, other.key, ca.cert), "privateKey: (not shown): does not belong to the certificate"},
      {body(gw.cert, "garbage", ca.cert), "privateKey: (not shown): is not an unencrypted PEM private key"},
      {body(gw.cert, hnv::testing::encryptedKeyPem(gw), ca.cert), "an encrypted key cannot be used unattended"},
      {body(gw.cert, gw.key, leaf.cert), "caCertificates: certificate 1 (/CN=not-a-ca): is not a CA certificate"},
      {body(gw.cert, gw.key, ca.cert + leaf.cert), "certificate 2 (/CN=not-a-ca): is not a CA certificate"},
      {body(gw.cert, gw.key, ca.cert.substr(0, ca.cert.size() / 2)), "caCertificates"},
      {with(kVpn, R"("authentication":"certificate","sharedSecret":null)"),
       "certificate: is required with authentication certificate"},
      {with(kVpn, R"("certificate":"x")"), "certificate: (not shown): is not used with authentication psk"},
  };
  std::string withSecret = body(gw.cert, gw.key, ca.cert);
  auto o = boost::json::parse(withSecret).as_object();
  o["sharedSecret"] = "correct horse battery staple";
  for (const auto& c : cases) {
    auto r = run(createOp(kVpn, c.body));
    ASSERT_FALSE(r.ok()) << c.says;
    EXPECT_NE(r.error().message().find(c.says), std::string::npos) << c.says << " -> " << r.error().message();
    EXPECT_EQ(r.error().message().find("PRIVATE KEY"), std::string::npos) << "the key echoed";
  }
  auto r = run(createOp(kVpn, boost::json::serialize(o)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("sharedSecret: (not shown): is not used with authentication certificate"),
            std::string::npos)
      << r.error().message();
  EXPECT_EQ(list(kVpn).size(), 0u) << "nothing half-applied";
}

// Revocation lists: each must come from one of the interface's CAs and be
// signed by it; they are stored re-encoded and reach the gateway; strict
// checking needs at least one; PSK interfaces have none.
TEST_F(VpnCertificates, RevocationListsComeFromTheInterfacesCasAndReachTheGateway) {
  const TestCredential site = hnv::testing::issue(ca, "site-a");
  const TestCredential stranger = hnv::testing::makeCa("ca-stranger");
  const std::string crlA = hnv::testing::makeCrl(ca, {site.cert});
  const std::string crlA2 = hnv::testing::makeCrl(ca2, {});
  auto withCrls = [&](const std::string& crls, const std::string& more = "") {
    std::string b = body(gw.cert, gw.key, ca.cert + ca2.cert);
    b.pop_back();
    return b + R"(,"crls":)" + quoted(crls) + more + "}";
  };
  must(createOp(kVpn, withCrls("before the lists\n" + crlA + crlA2, R"(,"revocation":"strict")")));
  auto x = get(kVpn, "@A/site-a");
  EXPECT_EQ(x.at("crls").as_string(), crlA + crlA2) << "stored re-encoded, the text around dropped";
  EXPECT_EQ(x.at("revocation"), "strict");
  auto gwState = engine.desiredState("gw1");
  ASSERT_TRUE(gwState.ok());
  EXPECT_EQ(gwState->at("vpn-s2s-interfaces").as_array()[0].at("crls").as_string(), crlA + crlA2);
  // Without lists the default is relaxed, shown.
  must(deleteOp(kVpn, "@A/site-a"));
  must(createOp(kVpn, body(gw.cert, gw.key, ca.cert)));
  EXPECT_EQ(get(kVpn, "@A/site-a").at("revocation"), "relaxed");
  EXPECT_FALSE(get(kVpn, "@A/site-a").contains("crls"));
  // Switching to a PSK drops the lists with the other certificate fields.
  must(patchOp(kVpn, "@A/site-a", R"({"crls":)" + quoted(crlA) + "}"));
  must(patchOp(kVpn, "@A/site-a", R"({"authentication":"psk","sharedSecret":"a new long pre-shared key"})"));
  EXPECT_FALSE(get(kVpn, "@A/site-a").contains("crls"));
  EXPECT_FALSE(get(kVpn, "@A/site-a").contains("revocation"));
  must(deleteOp(kVpn, "@A/site-a"));

  // A CA renewed with a new key under its old name: the list of either key is taken.
  const TestCredential renewedCa = hnv::testing::makeCa("ca-a");
  {
    std::string b = body(gw.cert, gw.key, ca.cert + renewedCa.cert);
    b.pop_back();
    must(createOp(kVpn, b + R"(,"crls":)" + quoted(hnv::testing::makeCrl(renewedCa, {}) + crlA) + "}"));
    must(deleteOp(kVpn, "@A/site-a"));
  }

  std::string many;
  for (int i = 0; i < 17; ++i) many += crlA;
  struct Case {
    std::string body;
    std::string says;
  } cases[] = {
      {withCrls(hnv::testing::makeCrl(stranger, {site.cert})),
       "crls: revocation list 1 (issuer /CN=ca-stranger): is not issued by one of caCertificates"},
      {withCrls(crlA + hnv::testing::makeCrl(ca2, {}, &stranger)),
       "crls: revocation list 2 (issuer /CN=ca-a2): is not signed by that CA's key"},
      {withCrls(hnv::testing::makeCrl(ca, {site.cert}, nullptr, false)),
       "crls: revocation list 1 (issuer /CN=ca-a): has no authority key identifier, by which IKE finds a CA's lists"},
      {withCrls("no lists here"), "crls: 13 bytes: holds no PEM revocation list (-----BEGIN X509 CRL-----)"},
      {withCrls(crlA + crlA2.substr(0, crlA2.size() / 2)), "crls: "},
      {withCrls(many), "crls: 17 revocation lists: 1 to 16 revocation lists"},
      {withCrls(ca.cert), "holds no PEM revocation list"},
      {withCrls(crlA + ca.cert), "crls: 1 other PEM blocks: holds only revocation lists"},
      {body(gw.cert, gw.key, ca.cert).insert(1, R"("revocation":"strict",)"),
       "revocation: strict: refuses every certificate without a current revocation list of its issuer"},
      {withCrls(crlA, R"(,"revocation":"sometimes")"), "revocation"},
      {with(kVpn, R"("crls":)" + quoted(crlA)), "crls: is not used with authentication psk"},
      {with(kVpn, R"("revocation":"relaxed")"), "revocation: is not used with authentication psk"},
  };
  for (const auto& c : cases) {
    auto r = run(createOp(kVpn, c.body));
    ASSERT_FALSE(r.ok()) << c.says;
    EXPECT_NE(r.error().message().find(c.says), std::string::npos) << c.says << " -> " << r.error().message();
  }
  EXPECT_EQ(list(kVpn).size(), 0u) << "nothing half-applied";
}

}  // namespace
}  // namespace hnv::policy::testing
