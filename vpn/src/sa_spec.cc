#include "hnv/vpn/sa_spec.h"

#include <algorithm>
#include <cstring>

namespace hnv::vpn {
namespace {

std::size_t integrityKeyLength(Integrity i) {
  switch (i) {
    case Integrity::HmacSha1_96:
      return 20;
    case Integrity::HmacSha256_128:
      return 32;
    case Integrity::HmacSha384_192:
      return 48;
    case Integrity::HmacSha512_256:
      return 64;
    case Integrity::None:
      break;
  }
  return 0;
}

Error bad(std::string where, std::string what, std::string why) {
  return makeError(Errc::InvalidArgument, std::move(where), std::move(what), std::move(why));
}

}  // namespace

const char* cipherName(Cipher c) { return c == Cipher::AesCbc ? "aes-cbc" : "aes-gcm-16"; }

const char* integrityName(Integrity i) {
  switch (i) {
    case Integrity::HmacSha1_96:
      return "hmac-sha1-96";
    case Integrity::HmacSha256_128:
      return "hmac-sha256-128";
    case Integrity::HmacSha384_192:
      return "hmac-sha384-192";
    case Integrity::HmacSha512_256:
      return "hmac-sha512-256";
    case Integrity::None:
      break;
  }
  return "none";
}

std::uint8_t icvLength(Cipher c, Integrity i) {
  if (c == Cipher::AesGcm16) return 16;
  switch (i) {
    case Integrity::HmacSha1_96:
      return 12;
    case Integrity::HmacSha256_128:
      return 16;
    case Integrity::HmacSha384_192:
      return 24;
    case Integrity::HmacSha512_256:
      return 32;
    case Integrity::None:
      break;
  }
  return 0;
}

Status validate(const SaSpec& sa) {
  const std::string spi = "SA " + std::to_string(sa.spi);
  if (sa.spi < 256) return bad(spi, "spi", "SPIs 0-255 are reserved (RFC 4303 section 2.1)");
  const auto k = sa.cipherKey.size();
  if (k != 16 && k != 24 && k != 32) {
    return bad(spi, "cipher key of " + std::to_string(k) + " bytes", "AES takes 16, 24 or 32 bytes");
  }
  if (sa.cipher == Cipher::AesGcm16 && sa.integrity != Integrity::None) {
    return bad(spi, integrityName(sa.integrity), "AES-GCM authenticates itself: no integrity algorithm");
  }
  if (sa.cipher == Cipher::AesCbc) {
    if (sa.integrity == Integrity::None) return bad(spi, "aes-cbc", "needs an integrity algorithm");
    if (sa.integrityKey.size() != integrityKeyLength(sa.integrity)) {
      return bad(spi, "integrity key of " + std::to_string(sa.integrityKey.size()) + " bytes",
                 std::string(integrityName(sa.integrity)) + " takes " +
                     std::to_string(integrityKeyLength(sa.integrity)));
    }
  }
  if (sa.local.isUnspecified() || sa.remote.isUnspecified()) {
    return bad(spi, "tunnel " + sa.local.toString() + " - " + sa.remote.toString(), "both ends must be given");
  }
  if (!sa.local.sameFamily(sa.remote)) {
    return bad(spi, "tunnel " + sa.local.toString() + " - " + sa.remote.toString(), "the ends are of two families");
  }
  if (sa.tenant.isNode()) return bad(spi, "tenant 0", "an SA belongs to a tenant");
  if (sa.udpEncap && (sa.udpEncap->localPort == 0 || sa.udpEncap->remotePort == 0)) {
    return bad(spi, "udp port 0", "UDP encapsulation needs both ports");
  }
  return okStatus();
}

Status setAlgorithms(SaSpec& sa, std::uint16_t encTransform, const std::vector<std::uint8_t>& encKey,
                     std::uint16_t intTransform, const std::vector<std::uint8_t>& intKey) {
  constexpr std::uint16_t kEncrAesCbc = 12, kEncrAesGcm16 = 20;
  constexpr std::uint16_t kAuthUndefined = 1024;
  const std::string where = "SA " + std::to_string(sa.spi);
  if (encTransform == kEncrAesGcm16) {
    if (encKey.size() < 4 + 16) {
      return bad(where, "GCM key material of " + std::to_string(encKey.size()) + " bytes", "key and 4-byte salt");
    }
    sa.cipher = Cipher::AesGcm16;
    sa.cipherKey.assign(encKey.begin(), encKey.end() - 4);
    std::memcpy(sa.salt, encKey.data() + encKey.size() - 4, 4);
  } else if (encTransform == kEncrAesCbc) {
    sa.cipher = Cipher::AesCbc;
    sa.cipherKey = encKey;
  } else {
    return makeError(Errc::Unsupported, where, "encryption transform " + std::to_string(encTransform),
                     "supported: AES-CBC (12), AES-GCM-16 (20)");
  }
  switch (intTransform) {
    case 0:
    case kAuthUndefined:
      sa.integrity = Integrity::None;
      break;
    case 2:
      sa.integrity = Integrity::HmacSha1_96;
      break;
    case 12:
      sa.integrity = Integrity::HmacSha256_128;
      break;
    case 13:
      sa.integrity = Integrity::HmacSha384_192;
      break;
    case 14:
      sa.integrity = Integrity::HmacSha512_256;
      break;
    default:
      return makeError(Errc::Unsupported, where, "integrity transform " + std::to_string(intTransform),
                       "supported: HMAC-SHA1-96 (2), HMAC-SHA2-256/384/512 (12, 13, 14)");
  }
  sa.integrityKey = intKey;
  return validate(sa);
}

void wipeKeys(SaSpec& sa) {
  explicit_bzero(sa.cipherKey.data(), sa.cipherKey.size());
  explicit_bzero(sa.integrityKey.data(), sa.integrityKey.size());
  explicit_bzero(sa.salt, sizeof sa.salt);
  sa.cipherKey.clear();
  sa.integrityKey.clear();
}

}  // namespace hnv::vpn
