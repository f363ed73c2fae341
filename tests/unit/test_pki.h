// X.509 material for unit tests of certificate authentication, made with
// OpenSSL at run time: a CA (basic constraint CA) and certificates it
// issues, each with an EC P-256 key, as PEM.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>
#include <vector>

namespace hnv::testing {

struct TestCredential {
  std::string cert;  // PEM
  std::string key;   // PEM (PKCS#8, unencrypted)
};

namespace pki_detail {

inline std::string bioText(BIO* b) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(b);
  return out;
}

inline EVP_PKEY* readKey(const std::string& pem) {
  BIO* in = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  return k;
}

inline X509* readCert(const std::string& pem) {
  BIO* in = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  return x;
}

inline void addExtension(X509* x, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  X509_add_ext(x, e, -1);
  X509_EXTENSION_free(e);
}

}  // namespace pki_detail

inline std::string keyPem(EVP_PKEY* k) {
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(out, k, nullptr, nullptr, 0, nullptr, nullptr);
  return pki_detail::bioText(out);
}

// A certificate for CN=`cn`, issued by `issuer` (null: self-signed), a CA
// when `ca`, with subjectAltNames `altNames` in OpenSSL's syntax
// ("DNS:gw.example,IP:192.0.2.5"; empty: none).
inline TestCredential makeCertificate(const std::string& cn, const TestCredential* issuer, bool ca,
                                      const std::string& altNames = "") {
  using namespace pki_detail;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* issuerCert = issuer != nullptr ? readCert(issuer->cert) : nullptr;
  EVP_PKEY* signer = issuer != nullptr ? readKey(issuer->key) : key;
  X509_set_issuer_name(x, issuerCert != nullptr ? X509_get_subject_name(issuerCert) : name);
  addExtension(x, issuerCert != nullptr ? issuerCert : x, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (ca) addExtension(x, issuerCert != nullptr ? issuerCert : x, NID_subject_key_identifier, "hash");
  if (!altNames.empty()) addExtension(x, issuerCert != nullptr ? issuerCert : x, NID_subject_alt_name, altNames.c_str());
  X509_sign(x, signer, EVP_sha256());
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(out, x);
  TestCredential c{bioText(out), keyPem(key)};
  if (issuer != nullptr) EVP_PKEY_free(signer);
  X509_free(issuerCert);
  X509_free(x);
  EVP_PKEY_free(key);
  return c;
}

inline TestCredential makeCa(const std::string& cn) { return makeCertificate(cn, nullptr, true); }
inline TestCredential issue(const TestCredential& ca, const std::string& cn, const std::string& altNames = "") {
  return makeCertificate(cn, &ca, false, altNames);
}

// A revocation list (PEM) of `ca` naming `revoked` (certificates, PEM),
// valid for a week, with the CA's key identifier (unless `keyId` is false);
// signed with `signer`'s key (null: the CA's own).
inline std::string makeCrl(const TestCredential& ca, const std::vector<std::string>& revoked,
                           const TestCredential* signer = nullptr, bool keyId = true) {
  using namespace pki_detail;
  X509* caCert = readCert(ca.cert);
  EVP_PKEY* key = readKey(signer != nullptr ? signer->key : ca.key);
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(caCert));
  ASN1_TIME* t = ASN1_TIME_new();
  X509_gmtime_adj(t, -60);
  X509_CRL_set1_lastUpdate(crl, t);
  X509_gmtime_adj(t, 7L * 86400);
  X509_CRL_set1_nextUpdate(crl, t);
  for (const auto& pem : revoked) {
    X509* x = readCert(pem);
    X509_REVOKED* r = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(x));
    X509_gmtime_adj(t, -60);
    X509_REVOKED_set_revocationDate(r, t);
    X509_CRL_add0_revoked(crl, r);
    X509_free(x);
  }
  ASN1_TIME_free(t);
  if (keyId) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, caCert, nullptr, nullptr, crl, 0);
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always");
    X509_CRL_add_ext(crl, e, -1);
    X509_EXTENSION_free(e);
  }
  X509_CRL_sort(crl);
  X509_CRL_sign(crl, key, EVP_sha256());
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_CRL(out, crl);
  X509_CRL_free(crl);
  EVP_PKEY_free(key);
  X509_free(caCert);
  return bioText(out);
}

// `c`'s key encrypted with a passphrase (PKCS#8, AES-256-CBC).
inline std::string encryptedKeyPem(const TestCredential& c) {
  EVP_PKEY* k = pki_detail::readKey(c.key);
  BIO* out = BIO_new(BIO_s_mem());
  const char pass[] = "passphrase";
  PEM_write_bio_PKCS8PrivateKey(out, k, EVP_aes_256_cbc(), pass, sizeof pass - 1, nullptr, nullptr);
  EVP_PKEY_free(k);
  return pki_detail::bioText(out);
}

}  // namespace hnv::testing
