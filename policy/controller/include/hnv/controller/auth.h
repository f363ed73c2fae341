// Bearer tokens: the configuration holds each token's SHA-256, never the
// token, so a leaked configuration file grants nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hnv/controller/config.h"
#include "hnv/policy/engine.h"

namespace hnv::controller {

// Lower-case hex SHA-256 of `text`.
std::string sha256Hex(std::string_view text);

struct Principal {
  std::string name;
  policy::Access access;
};

class TokenTable {
 public:
  explicit TokenTable(const std::vector<TokenEntry>& tokens);
  // From an Authorization header value ("Bearer <token>"); nullopt if the
  // header is missing, malformed or names no known token.
  std::optional<Principal> authenticate(std::string_view authorization) const;

 private:
  std::vector<std::pair<std::string, Principal>> byHash_;
};

}  // namespace hnv::controller
