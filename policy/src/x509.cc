#include "x509.h"

#include "openssl_ptr.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <optional>
#include <vector>

namespace hnv::policy::detail {

namespace {

constexpr std::size_t kMaxPemBytes = 16 * 1024;     // a certificate or a key
constexpr std::size_t kMaxBundleBytes = 64 * 1024;  // the CA certificates
constexpr std::size_t kMaxCas = 8;
constexpr std::size_t kMaxCrlBytes = 256 * 1024;  // the revocation lists
constexpr std::size_t kMaxCrls = 16;

// OpenSSL's reason for the last failure, or `fallback`; the queue is cleared.
std::string sslReason(std::string fallback) {
  const unsigned long e = ERR_peek_last_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? fallback + " (" + reason + ")" : fallback;
}

// Never prompts: an encrypted key fails to load.
int noPassphrase(char*, int, int, void*) { return -1; }

Result<std::string> pemText(const ConfigNode& n, std::size_t max = kMaxPemBytes) {
  auto text = n.asString();
  if (!text) return text.error();
  if (text->empty() || text->size() > max) {
    return n.error(std::to_string(text->size()) + " bytes", "PEM text of 1 to " + std::to_string(max) + " bytes");
  }
  return text;
}

std::string certificatePem(X509* x) {
  BioPtr out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(out.get(), x);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string oneLine(const X509_NAME* name) {
  char text[256] = {0};
  X509_NAME_oneline(name, text, sizeof text);
  return text;
}

// The key identifier charon finds `ca`'s revocation lists by: its subject
// key identifier, or (without one) the SHA-1 of its public key, as
// strongSwan's x509 plugin computes it.
std::string caKeyId(X509* ca) {
  if (const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(ca); ski != nullptr) {
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ski)),
                       static_cast<std::size_t>(ASN1_STRING_length(ski)));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_pubkey_digest(ca, EVP_sha1(), digest, &n);
  return std::string(reinterpret_cast<const char*>(digest), n);
}

// A list's authority key identifier (keyIdentifier); nullopt without one.
std::optional<std::string> crlAuthorityKeyId(X509_CRL* crl) {
  auto* akid = static_cast<AUTHORITY_KEYID*>(X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, nullptr, nullptr));
  std::optional<std::string> out;
  if (akid != nullptr && akid->keyid != nullptr) {
    out = std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(akid->keyid)),
                      static_cast<std::size_t>(ASN1_STRING_length(akid->keyid)));
  }
  AUTHORITY_KEYID_free(akid);
  return out;
}

// PEM_read_bio_* stopped: at the end of the input (fine once something was
// read) or at a broken block (an error naming `what` and its number).
Status endOfPem(const ConfigNode& n, const std::string& text, std::size_t read, const std::string& what,
                const std::string& begin) {
  const unsigned long e = ERR_peek_last_error();
  const bool endOfInput = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
  if (e != 0 && !(endOfInput && read > 0)) {
    return n.error(std::to_string(text.size()) + " bytes",
                   sslReason(read == 0 ? "holds no PEM " + what + " (" + begin + ")"
                                       : what + " " + std::to_string(read + 1) + " cannot be read"));
  }
  ERR_clear_error();
  return okStatus();
}

// Every certificate of `text`; an error if there is none or a block is broken.
Result<std::vector<X509Ptr>> readCertificates(const ConfigNode& n, const std::string& text) {
  BioPtr in = memoryBio(text);
  std::vector<X509Ptr> out;
  for (;;) {
    X509Ptr x(PEM_read_bio_X509(in.get(), nullptr, noPassphrase, nullptr));
    if (!x) break;
    out.push_back(std::move(x));
  }
  if (auto st = endOfPem(n, text, out.size(), "certificate", "-----BEGIN CERTIFICATE-----"); !st) return st.error();
  return out;
}

}  // namespace

Result<std::string> readCertificatePem(const ConfigNode& n) {
  auto text = pemText(n);
  if (!text) return text.error();
  auto certs = readCertificates(n, *text);
  if (!certs) return certs.error();
  if (certs->size() != 1) {
    return n.error(std::to_string(certs->size()) + " certificates", "exactly one certificate, the gateway's own");
  }
  return certificatePem(certs->front().get());
}

Result<std::string> readCaBundlePem(const ConfigNode& n) {
  auto text = pemText(n, kMaxBundleBytes);
  if (!text) return text.error();
  auto certs = readCertificates(n, *text);
  if (!certs) return certs.error();
  if (certs->size() > kMaxCas) {
    return n.error(std::to_string(certs->size()) + " certificates", "1 to 8 CA certificates");
  }
  std::string out;
  for (std::size_t i = 0; i < certs->size(); ++i) {
    X509* x = (*certs)[i].get();
    if (X509_check_ca(x) == 0) {
      return n.error("certificate " + std::to_string(i + 1) + " (" + oneLine(X509_get_subject_name(x)) + ")",
                     "is not a CA certificate (no CA basic constraint); give the certificates of the CAs that "
                     "issue the site's certificate");
    }
    out += certificatePem(x);
  }
  return out;
}

Result<std::string> readCrlBundlePem(const ConfigNode& n, const std::string& caBundlePem) {
  auto text = pemText(n, kMaxCrlBytes);
  if (!text) return text.error();
  BioPtr in = memoryBio(*text);
  std::vector<CrlPtr> crls;
  for (;;) {
    CrlPtr c(PEM_read_bio_X509_CRL(in.get(), nullptr, noPassphrase, nullptr));
    if (!c) break;
    crls.push_back(std::move(c));
  }
  if (auto st = endOfPem(n, *text, crls.size(), "revocation list", "-----BEGIN X509 CRL-----"); !st) return st.error();
  if (crls.size() > kMaxCrls) {
    return n.error(std::to_string(crls.size()) + " revocation lists", "1 to 16 revocation lists");
  }
  // OpenSSL skips PEM blocks of another kind: say so rather than drop them.
  std::size_t blocks = 0;
  for (std::size_t at = 0; (at = text->find("-----BEGIN ", at)) != std::string::npos; at += 11) ++blocks;
  if (blocks != crls.size()) {
    return n.error(std::to_string(blocks - crls.size()) + " other PEM blocks",
                   "holds only revocation lists (-----BEGIN X509 CRL-----); give certificates in caCertificates");
  }
  auto cas = readCertificates(n, caBundlePem);
  if (!cas) return cas.error();
  BioPtr out(BIO_new(BIO_s_mem()));
  for (std::size_t i = 0; i < crls.size(); ++i) {
    X509_CRL* crl = crls[i].get();
    const X509_NAME* issuer = X509_CRL_get_issuer(crl);
    const std::string which = "revocation list " + std::to_string(i + 1) + " (issuer " + oneLine(issuer) + ")";
    // The CA of that name whose key signed it (after a key rollover two
    // CAs may share the name).
    X509* ca = nullptr;
    bool named = false;
    for (const auto& c : *cas) {
      if (X509_NAME_cmp(X509_get_subject_name(c.get()), issuer) != 0) continue;
      named = true;
      if (X509_CRL_verify(crl, X509_get0_pubkey(c.get())) == 1) {
        ca = c.get();
        break;
      }
    }
    ERR_clear_error();
    if (!named) {
      return n.error(which, "is not issued by one of caCertificates: a list of another CA never applies");
    }
    if (ca == nullptr) {
      return n.error(which, "is not signed by that CA's key (the signature does not verify)");
    }
    // charon looks a CA's lists up by this identifier only: a list without
    // it would be held and never applied (a revoked certificate accepted).
    const auto akid = crlAuthorityKeyId(crl);
    if (!akid) {
      return n.error(which, "has no authority key identifier, by which IKE finds a CA's lists (RFC 5280 requires "
                            "it; with openssl ca: crl_extensions = authorityKeyIdentifier=keyid:always)");
    }
    if (*akid != caKeyId(ca)) {
      return n.error(which, "has an authority key identifier that is not its CA's subject key identifier");
    }
    PEM_write_bio_X509_CRL(out.get(), crl);
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Result<std::string> readPrivateKeyPem(const ConfigNode& n, const std::string& certPem) {
  auto text = pemText(n);
  if (!text) return makeError(Errc::InvalidArgument, n.path(), "(not shown)", text.error().why);
  BioPtr in = memoryBio(*text);
  KeyPtr key(PEM_read_bio_PrivateKey(in.get(), nullptr, noPassphrase, nullptr));
  if (!key) {
    return n.error("(not shown)",
                   sslReason("is not an unencrypted PEM private key (RSA or EC; an encrypted key cannot be used "
                             "unattended)"));
  }
  const int type = EVP_PKEY_get_base_id(key.get());
  if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) return n.error("(not shown)", "an RSA or EC key");
  BioPtr certIn = memoryBio(certPem);
  X509Ptr cert(PEM_read_bio_X509(certIn.get(), nullptr, noPassphrase, nullptr));
  if (!cert || X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return n.error("(not shown)", "does not belong to the certificate (its public key differs)");
  }
  BioPtr out(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);  // PKCS#8
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  std::string pem(data, static_cast<std::size_t>(size));
  OPENSSL_cleanse(data, static_cast<std::size_t>(size));
  return pem;
}

}  // namespace hnv::policy::detail
