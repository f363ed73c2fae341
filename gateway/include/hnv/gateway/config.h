// hnvgwd's configuration file (JSON). The schema is documented in
// docs/configuration.md; every error names the field, the value and the rule.
// The sections every data-plane daemon shares are parsed by
// daemon::parseDaemonConfig; hnvgwd adds no section of its own yet.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "hnv/base/result.h"
#include "hnv/daemon/config.h"

namespace hnv::gateway {

struct GatewayConfig : daemon::DaemonConfig {
  GatewayConfig() {
    nodeName = "hnvgwd";
    apiSocket = "/run/hnvgwd/hnvgwd.sock";
    dataplane.eal.program = "hnvgwd";
  }
  // One line for --check-config: "2 port(s), 1 provider address(es)".
  std::string summary() const;
};

Result<GatewayConfig> parseGatewayConfig(const boost::json::value& root);
Result<GatewayConfig> loadGatewayConfig(const std::string& path);

}  // namespace hnv::gateway
