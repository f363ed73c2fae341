#include "hnv/daemon/config.h"

#include "hnv/dp/config_parse.h"

namespace hnv::daemon {

namespace {
constexpr std::string_view kRootKeys[] = {"node", "log", "eal", "dataplane", "ports", "provider_addresses", "api", "metrics"};
}  // namespace

Status parseDaemonConfig(const ConfigNode& r, DaemonConfig& c, ExtraKeys extra) {
  std::vector<std::string_view> keys(std::begin(kRootKeys), std::end(kRootKeys));
  keys.insert(keys.end(), extra.root.begin(), extra.root.end());
  if (auto st = r.expectObject(keys); !st) return st;
  if (r["node"].present()) {
    if (auto st = r["node"].expectObject({"name"}); !st) return st;
    auto name = r["node"]["name"].asString(c.nodeName);
    if (!name) return name.error();
    c.nodeName = *name;
  }
  if (r["log"].present()) {
    if (auto st = r["log"].expectObject({"level"}); !st) return st;
    auto level = r["log"]["level"].asString("info");
    if (!level) return level.error();
    if (!Logger::parseLevel(*level, c.logLevel)) {
      return r["log"]["level"].error(*level, "must be one of error, warning, notice, info, debug");
    }
  }
  c.dataplane.eal.filePrefix = c.dataplane.eal.program + "-" + c.nodeName;
  if (auto st = dp::parseEalConfig(r["eal"], c.dataplane.eal); !st) return st;
  if (auto st = dp::parseDataplaneConfig(r["dataplane"], c.dataplane); !st) return st;
  if (auto st = dp::parsePortsConfig(r["ports"], c.dataplane, extra.port); !st) return st;
  if (auto st = fib::parseProviderAddresses(r["provider_addresses"], c.dataplane.ports, c.providerAddresses); !st) {
    return st;
  }
  if (r["api"].present()) {
    if (auto st = r["api"].expectObject({"socket"}); !st) return st;
    auto s = r["api"]["socket"].asString(c.apiSocket);
    if (!s) return s.error();
    if (s->empty() || s->size() > 100) return r["api"]["socket"].error(*s, "a Unix socket path has 1 to 100 characters");
    c.apiSocket = *s;
  }
  auto metrics = service::readMetricsSection(r["metrics"]);
  if (!metrics) return metrics.error();
  c.metrics = *metrics;
  return okStatus();
}

}  // namespace hnv::daemon
