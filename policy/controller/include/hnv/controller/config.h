// hnv-controller's configuration file (JSON; docs/configuration.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hnv/base/guid.h"
#include "hnv/base/result.h"
#include "hnv/service/metrics_server.h"

namespace hnv::controller {

struct TokenEntry {
  std::string name;      // for logs: which token acted
  std::string sha256;    // lower-case hex of SHA-256(token)
  std::string role;      // "admin", "tenant" or "node"
  std::vector<Rdid> routingDomains;  // tenant
  std::string node;                  // node
};

struct TlsConfig {
  std::string certificate;  // PEM chain
  std::string privateKey;   // PEM
};

struct ControllerConfig {
  std::string listenAddress = "127.0.0.1";
  std::uint16_t listenPort = 8470;
  std::string database = "/var/lib/hnv-controller/policy.db";
  std::optional<TlsConfig> tls;
  std::vector<TokenEntry> tokens;
  std::size_t historyLimit = 200000;
  std::size_t maxBodyBytes = 8 * 1024 * 1024;
  unsigned heartbeatSeconds = 10;
  std::string logLevel = "info";
  std::optional<service::MetricsEndpoint> metrics;  // "metrics": {"listen": "127.0.0.1:9472"}
};

Result<ControllerConfig> parseControllerConfig(const std::string& text, const std::string& source);
Result<ControllerConfig> loadControllerConfig(const std::string& path);

}  // namespace hnv::controller
