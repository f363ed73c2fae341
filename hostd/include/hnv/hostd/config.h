// hnv-hostd's configuration file (JSON), documented in docs/configuration.md
// ("hnv-hostd"). The sections every data-plane daemon shares are parsed by
// daemon::parseDaemonConfig; hnv-hostd adds VM ports ("role": "vm" with
// "vsid" and "vm_mac"), "controller", "state_file" and "encap". Every error names the
// field, the value and the rule.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hnv/base/mac.h"
#include "hnv/base/result.h"
#include "hnv/base/vsid.h"
#include "hnv/daemon/config.h"
#include "hnv/overlay/context.h"
#include "hnv/policy/follower.h"

namespace hnv::hostd {

// A VM port as configured: its name and, optionally, a local binding (VSID
// and the VM's MAC) used while the controller has no vm-ports object for the
// port (vm_ports.h). Without either the port stays unbound until the
// controller binds it.
struct VmPortConfig {
  std::string port;          // the ports[].name
  std::optional<Vsid> vsid;  // with mac, or neither
  MacAddr mac;               // the VM's own MAC
};

struct HostConfig : daemon::DaemonConfig, policy::AgentConfig {
  HostConfig() {
    nodeName = "hnv-hostd";
    apiSocket = "/run/hnv-hostd/hnv-hostd.sock";
    dataplane.eal.program = "hnv-hostd";
  }
  // One line for --check-config: ports (VM ports), provider addresses, controller.
  std::string summary() const;
  std::vector<VmPortConfig> vmPorts;  // in "ports" order
  overlay::OverlaySettings encap;
};

// Pure: reads no file (the token file stays a path).
Result<HostConfig> parseHostConfig(const boost::json::value& root);
// Reads and parses the file, then reads the controller's token file.
Result<HostConfig> loadHostConfig(const std::string& path);

}  // namespace hnv::hostd
