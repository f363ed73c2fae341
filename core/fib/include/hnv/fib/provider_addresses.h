// The node's provider addresses as configured ("provider_addresses" in a
// program's JSON configuration, docs/configuration.md), and the
// LocalAddresses snapshot built from them once the ports are open.
//
// Thread: control.
#pragma once

#include <span>
#include <string>
#include <variant>
#include <vector>

#include "hnv/base/config_node.h"
#include "hnv/base/prefix.h"
#include "hnv/base/result.h"
#include "hnv/dp/dataplane.h"
#include "hnv/fib/local_addresses.h"

namespace hnv::fib {

struct ProviderAddressConfig {
  std::string port;  // a dp::PortConfig name
  std::variant<InterfaceAddress4, InterfaceAddress6> address;

  std::string addressText() const;
};

// "provider_addresses": [{"port", "address"}]; absent means none. Each port
// must be an uplink port of `ports`; an address is listed at most once.
Status parseProviderAddresses(const ConfigNode& n, std::span<const dp::PortConfig> ports,
                              std::vector<ProviderAddressConfig>& out);

// Every open port of `dp` with its MAC, MTU and configured addresses.
Result<LocalAddresses> buildLocalAddresses(std::span<const ProviderAddressConfig> providerAddresses,
                                           const dp::Dataplane& dp);

}  // namespace hnv::fib
