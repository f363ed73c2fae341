// hnvgwd's configuration file (JSON). The schema is documented in
// docs/configuration.md; every error names the field, the value and the rule.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "hnv/base/log.h"
#include "hnv/base/prefix.h"
#include "hnv/base/result.h"
#include "hnv/dp/dataplane.h"

namespace hnv::gateway {

struct ProviderAddressConfig {
  std::string port;
  std::variant<InterfaceAddress4, InterfaceAddress6> address;
};

struct GatewayConfig {
  std::string nodeName = "hnvgwd";
  LogLevel logLevel = LogLevel::Info;
  dp::DataplaneConfig dataplane;
  std::vector<ProviderAddressConfig> providerAddresses;
  std::string apiSocket = "/run/hnvgwd/hnvgwd.sock";
};

Result<GatewayConfig> parseGatewayConfig(const boost::json::value& root);
Result<GatewayConfig> loadGatewayConfig(const std::string& path);

}  // namespace hnv::gateway
