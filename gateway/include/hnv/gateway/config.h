// hnvgwd's configuration file (JSON). The schema is documented in
// docs/configuration.md; every error names the field, the value and the rule.
// The sections every data-plane daemon shares are parsed by
// daemon::parseDaemonConfig; hnvgwd adds "controller" (where its policy
// comes from), "state_file" (the last applied policy, restored at start)
// and "encap" (as hnv-hostd's).
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "hnv/base/result.h"
#include "hnv/daemon/config.h"
#include "hnv/overlay/context.h"
#include "hnv/policy/follower.h"

namespace hnv::gateway {

struct GatewayConfig : daemon::DaemonConfig, policy::AgentConfig {
  GatewayConfig() {
    nodeName = "hnvgwd";
    apiSocket = "/run/hnvgwd/hnvgwd.sock";
    dataplane.eal.program = "hnvgwd";
  }
  // One line for --check-config: "2 port(s), 1 provider address(es), controller ...".
  std::string summary() const;
  overlay::OverlaySettings encap;
  // Sessions each worker's NAT44 table holds (about 330 B each in memory).
  std::uint32_t natSessionsPerWorker = 1u << 16;
  // "vpn": where hnv-iked connects (empty: no site-to-site VPN) and the
  // cryptodev driver (auto, aesni_mb, openssl).
  std::string ikeSocket;
  std::string cryptoDriver = "auto";
  // "cluster": this appliance's member name in the gateway cluster serving
  // its node (empty: not clustered). A member starts silent on its data
  // plane (fenced) and forwards only while active.
  std::string clusterMember;
};

// Pure: reads no file (the token file stays a path).
Result<GatewayConfig> parseGatewayConfig(const boost::json::value& root);
// Reads and parses the file, then reads the controller's token file.
Result<GatewayConfig> loadGatewayConfig(const std::string& path);

}  // namespace hnv::gateway
