// What every data-plane daemon's configuration file has (hnvgwd,
// hnv-hostd): "node", "log", "eal", "dataplane", "ports",
// "provider_addresses", "api" and "metrics". A program adds its own sections and
// per-port keys; docs/configuration.md documents both programs.
//
// Thread: any (parsing only fills structs).
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hnv/base/config_node.h"
#include "hnv/base/log.h"
#include "hnv/base/result.h"
#include "hnv/service/metrics_server.h"
#include "hnv/dp/dataplane.h"
#include "hnv/fib/provider_addresses.h"

namespace hnv::daemon {

struct DaemonConfig {
  std::string nodeName;
  // The Prometheus endpoint ("metrics": {"listen": "address:port"}); none by default.
  std::optional<service::MetricsEndpoint> metrics;
  LogLevel logLevel = LogLevel::Info;
  dp::DataplaneConfig dataplane;
  std::vector<fib::ProviderAddressConfig> providerAddresses;
  std::string apiSocket;
};

// The program's own keys besides the shared ones.
struct ExtraKeys {
  std::span<const std::string_view> root;  // top-level sections ("controller")
  std::span<const std::string_view> port;  // per-port keys ("vsid"), read by the program
};

// `c` arrives with the program's defaults (nodeName, apiSocket,
// dataplane.eal.program); the EAL file prefix defaults to
// "<program>-<node name>". Refuses unknown keys outside the shared ones and `extra`.
Status parseDaemonConfig(const ConfigNode& root, DaemonConfig& c, ExtraKeys extra = {});

// Reads a JSON file and parses it with `parse`; an error's place starts with the path.
template <class Parse>
auto loadConfigFile(const std::string& path, Parse&& parse) -> decltype(parse(boost::json::value())) {
  auto doc = loadJsonFile(path);
  if (!doc) return doc.error();
  auto c = parse(*doc);
  if (!c) {
    Error e = c.error();
    e.where = e.where.empty() ? path : path + ": " + e.where;
    return e;
  }
  return c;
}

}  // namespace hnv::daemon
