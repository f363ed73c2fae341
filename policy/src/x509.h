// X.509 material of certificate authentication (vpn-s2s-interfaces): PEM
// read with OpenSSL, checked, and given back re-encoded so that what is
// stored and handed to IKE is exactly what was checked (text around the
// PEM blocks is dropped). Errors name the field; a private key is never
// echoed.
#pragma once

#include <string>

#include "hnv/base/config_node.h"
#include "hnv/base/result.h"

namespace hnv::policy::detail {

// Exactly one certificate (an end entity's or a CA's).
Result<std::string> readCertificatePem(const ConfigNode& n);

// 1..8 CA certificates (basic constraint CA), concatenated.
Result<std::string> readCaBundlePem(const ConfigNode& n);

// 0..16 certificate revocation lists (X.509 CRLs, PEM), each issued by one
// of `caBundlePem`'s CAs (already read) and signed by it, concatenated.
// Their dates are not checked (a stored policy must not turn invalid with
// time): an expired list is charon's to judge (`revocation`).
Result<std::string> readCrlBundlePem(const ConfigNode& n, const std::string& caBundlePem);

// An unencrypted private key (RSA or EC, PKCS#8 or traditional) that
// belongs to `certificatePem` (already read).
Result<std::string> readPrivateKeyPem(const ConfigNode& n, const std::string& certificatePem);

}  // namespace hnv::policy::detail
