// Which VSID, MAC and allowed CAs each VM port of this host has: the
// controller's vm-ports object for (this node, the port) when the desired
// state has one, else the port's own "vsid" and "vm_mac" from the
// configuration file, else none (the port is unbound and vm-input drops its
// frames as unbound-port).
//
// A vm-ports object the host cannot apply (no VM port of that name here)
// does not refuse the policy: the rest applies and the object is listed as
// a problem (the "policy" API method, the log). When a controller object
// gives another port the (VSID, MAC) a port's configuration binds, the
// controller wins: the configured port stays unbound, listed as a problem. A malformed vm-ports list
// refuses the whole policy like any other malformed kind.
//
// Pure: reads the document and the port list only.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hnv/base/result.h"
#include "hnv/hostd/config.h"
#include "hnv/overlay/overlay_policy.h"

namespace hnv::hostd {

// A VM port of the configuration with the DPDK id its port was opened with.
struct LocalVmPort {
  VmPortConfig config;
  std::uint16_t id = 0;
};

enum class BindingSource : std::uint8_t { Config, Controller };

struct ResolvedVmPort {
  overlay::VmPortBinding binding;
  BindingSource source = BindingSource::Config;
  std::string vmName;  // from the controller's object, if any
  bool operator==(const ResolvedVmPort&) const = default;
};

struct ResolvedVmPorts {
  std::vector<ResolvedVmPort> bound;  // the controller's first, then the configured ones
  std::vector<std::string> unbound;   // VM ports with no binding from either side
  std::vector<std::string> problems;  // one line per vm-ports object not applied
  std::vector<overlay::VmPortBinding> bindings() const;
  bool operator==(const ResolvedVmPorts&) const = default;
};

Result<ResolvedVmPorts> resolveVmPorts(std::string_view node, const boost::json::object& desired,
                                       std::span<const LocalVmPort> local);

std::string_view bindingSourceName(BindingSource s);

}  // namespace hnv::hostd
