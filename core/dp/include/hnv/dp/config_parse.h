// The data-plane sections of a program's JSON configuration ("eal",
// "dataplane", "ports"), shared by every program that runs a Dataplane.
// docs/configuration.md documents the keys; every error names the field,
// the value and the rule.
//
// Thread: any (parsing only fills structs; nothing touches DPDK).
#pragma once

#include <span>
#include <string_view>

#include "hnv/base/config_node.h"
#include "hnv/base/result.h"
#include "hnv/dp/dataplane.h"

namespace hnv::dp {

// "eal": absent keeps `e` as it is (the caller's defaults).
Status parseEalConfig(const ConfigNode& n, EalConfig& e);

// "dataplane": packet pool and idle behaviour; absent keeps the defaults.
Status parseDataplaneConfig(const ConfigNode& n, DataplaneConfig& d);

// "ports": at least one; appends to d.ports and, for "vdev" ports, to
// d.eal.vdevs. `extraKeys` are per-port keys a program reads itself
// (hnv-hostd's "vsid" and "vm_mac"); they are allowed here and ignored.
Status parsePortsConfig(const ConfigNode& n, DataplaneConfig& d, std::span<const std::string_view> extraKeys = {});

}  // namespace hnv::dp
