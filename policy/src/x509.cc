#include "x509.h"

#include "openssl_ptr.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <vector>

namespace hnv::policy::detail {

namespace {

constexpr std::size_t kMaxPemBytes = 16 * 1024;     // a certificate or a key
constexpr std::size_t kMaxBundleBytes = 64 * 1024;  // the CA certificates
constexpr std::size_t kMaxCas = 8;

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

// Every certificate of `text`; an error if there is none or a block is broken.
Result<std::vector<X509Ptr>> readCertificates(const ConfigNode& n, const std::string& text) {
  BioPtr in = memoryBio(text);
  std::vector<X509Ptr> out;
  for (;;) {
    X509Ptr x(PEM_read_bio_X509(in.get(), nullptr, noPassphrase, nullptr));
    if (!x) break;
    out.push_back(std::move(x));
  }
  const unsigned long e = ERR_peek_last_error();
  const bool endOfInput = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
  if (e != 0 && !(endOfInput && !out.empty())) {
    return n.error(std::to_string(text.size()) + " bytes",
                   sslReason(out.empty() ? "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
                                         : "certificate " + std::to_string(out.size() + 1) + " cannot be read"));
  }
  ERR_clear_error();
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
      char name[256] = {0};
      X509_NAME_oneline(X509_get_subject_name(x), name, sizeof name);
      return n.error(std::string("certificate ") + std::to_string(i + 1) + " (" + name + ")",
                     "is not a CA certificate (no CA basic constraint); give the certificates of the CAs that "
                     "issue the site's certificate");
    }
    out += certificatePem(x);
  }
  return out;
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
