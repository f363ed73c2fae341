#include "hnv/controller/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <set>

namespace hnv::controller {

std::string sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

TokenTable::TokenTable(const std::vector<TokenEntry>& tokens) {
  for (const auto& t : tokens) {
    policy::Access access;
    if (t.role == "tenant") {
      access = policy::Access::tenant(std::set<Rdid>(t.routingDomains.begin(), t.routingDomains.end()));
    } else if (t.role == "node") {
      access = policy::Access::forNode(t.node);
    }
    byHash_.push_back({t.sha256, Principal{t.name, access}});
  }
}

std::optional<Principal> TokenTable::authenticate(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (!authorization.starts_with(kScheme)) return std::nullopt;
  auto token = authorization.substr(kScheme.size());
  if (token.empty()) return std::nullopt;
  std::string hash = sha256Hex(token);
  // Compare every entry in constant time so timing says nothing about tokens.
  const Principal* found = nullptr;
  for (const auto& [h, p] : byHash_) {
    if (CRYPTO_memcmp(h.data(), hash.data(), hash.size()) == 0) found = &p;
  }
  if (found == nullptr) return std::nullopt;
  return *found;
}

}  // namespace hnv::controller
