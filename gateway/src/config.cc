#include "hnv/gateway/config.h"

#include "hnv/base/config_node.h"

namespace hnv::gateway {
namespace {

// Assigns a parsed value or returns its error from the enclosing function.
// Local to this file: it keeps the long list of fields readable.
#define HNV_CFG(target, expr)        \
  do {                               \
    auto _r = (expr);                \
    if (!_r) return _r.error();      \
    target = std::move(_r).value();  \
  } while (0)

Status parseEal(const ConfigNode& n, dp::EalConfig& e) {
  if (!n.present()) return okStatus();
  if (auto st = n.expectObject({"lcores", "hugepages", "memory_mb", "file_prefix", "log_level", "telemetry",
                                "extra_args"});
      !st) {
    return st;
  }
  HNV_CFG(e.lcores, n["lcores"].asString(e.lcores));
  HNV_CFG(e.hugepages, n["hugepages"].asBool(e.hugepages));
  HNV_CFG(e.memoryMb, n["memory_mb"].asUint(64, 1 << 20, e.memoryMb));
  HNV_CFG(e.filePrefix, n["file_prefix"].asString(e.filePrefix));
  HNV_CFG(e.logLevel, n["log_level"].asUint(1, 8, e.logLevel));
  HNV_CFG(e.telemetry, n["telemetry"].asBool(e.telemetry));
  if (n["extra_args"].present()) {
    std::size_t count = 0;
    HNV_CFG(count, n["extra_args"].arraySize());
    for (std::size_t i = 0; i < count; ++i) {
      std::string a;
      HNV_CFG(a, n["extra_args"].at(i).asString());
      e.extraArgs.push_back(a);
    }
  }
  return okStatus();
}

Status parseDataplane(const ConfigNode& n, dp::DataplaneConfig& d) {
  if (!n.present()) return okStatus();
  if (auto st = n.expectObject({"mbufs", "idle"}); !st) return st;
  HNV_CFG(d.pool.mbufs, n["mbufs"].asUint(1023, 1 << 24, d.pool.mbufs));
  ConfigNode idle = n["idle"];
  if (idle.present()) {
    if (auto st = idle.expectObject({"poll", "spin_polls", "min_sleep_us", "max_sleep_us"}); !st) return st;
    HNV_CFG(d.idle.poll, idle["poll"].asBool(d.idle.poll));
    HNV_CFG(d.idle.spinPolls, idle["spin_polls"].asUint(1, 1 << 24, d.idle.spinPolls));
    HNV_CFG(d.idle.minSleepUs, idle["min_sleep_us"].asUint(1, 100000, d.idle.minSleepUs));
    HNV_CFG(d.idle.maxSleepUs, idle["max_sleep_us"].asUint(1, 100000, d.idle.maxSleepUs));
    if (d.idle.maxSleepUs < d.idle.minSleepUs) {
      return idle["max_sleep_us"].error(std::to_string(d.idle.maxSleepUs), "must not be below min_sleep_us");
    }
  }
  return okStatus();
}

Status parsePorts(const ConfigNode& n, GatewayConfig& c) {
  std::size_t count = 0;
  HNV_CFG(count, n.arraySize());
  if (count == 0) return n.error("[]", "at least one port is required");
  for (std::size_t i = 0; i < count; ++i) {
    ConfigNode p = n.at(i);
    if (auto st = p.expectObject({"name", "vdev", "device", "mtu", "mac", "promiscuous"}); !st) return st;
    dp::PortConfig pc;
    HNV_CFG(pc.name, p["name"].asString());
    if (pc.name.empty()) return p["name"].error("\"\"", "must not be empty");
    for (const auto& other : c.dataplane.ports) {
      if (other.name == pc.name) return p["name"].error(pc.name, "another port already has this name");
    }
    bool hasVdev = p["vdev"].present(), hasDevice = p["device"].present();
    if (hasVdev == hasDevice) {
      return p.error("", "needs exactly one of \"vdev\" (a DPDK virtual device, e.g. net_af_packet0,iface=ul0) "
                         "or \"device\" (an existing DPDK device name)");
    }
    std::string deviceText;  // the "vdev" or "device" value as written
    if (hasVdev) {
      HNV_CFG(deviceText, p["vdev"].asString());
      pc.device = deviceText.substr(0, deviceText.find(','));
      if (pc.device.rfind("net_", 0) != 0) {
        return p["vdev"].error(deviceText,
                               "a virtual network device starts with its driver, e.g. net_tap0 or net_af_packet0");
      }
    } else {
      HNV_CFG(deviceText, p["device"].asString());
      pc.device = deviceText;
    }
    // Compared with every earlier port, whichever of "vdev" and "device" each one used.
    for (const auto& other : c.dataplane.ports) {
      if (other.device == pc.device) {
        return p[hasVdev ? "vdev" : "device"].error(deviceText, "another port uses the device " + pc.device);
      }
    }
    if (hasVdev) c.dataplane.eal.vdevs.push_back(deviceText);
    std::uint64_t mtu = 0;
    HNV_CFG(mtu, p["mtu"].asUint(68, 9600, 1500));
    pc.mtu = static_cast<std::uint16_t>(mtu);
    if (p["mac"].present()) {
      std::string mac;
      HNV_CFG(mac, p["mac"].asString());
      auto parsed = MacAddr::parse(mac);
      if (!parsed) return p["mac"].error(mac, parsed.error().why);
      if (parsed->isMulticast() || parsed->isZero()) return p["mac"].error(mac, "must be a unicast, non-zero MAC");
      pc.mac = *parsed;
    }
    HNV_CFG(pc.promiscuous, p["promiscuous"].asBool(false));
    c.dataplane.ports.push_back(pc);
  }
  return okStatus();
}

Status parseProviderAddresses(const ConfigNode& n, GatewayConfig& c) {
  if (!n.present()) return okStatus();
  std::size_t count = 0;
  HNV_CFG(count, n.arraySize());
  for (std::size_t i = 0; i < count; ++i) {
    ConfigNode a = n.at(i);
    if (auto st = a.expectObject({"port", "address"}); !st) return st;
    std::string port;
    HNV_CFG(port, a["port"].asString());
    bool known = false;
    for (const auto& p : c.dataplane.ports) known = known || p.name == port;
    if (!known) return a["port"].error(port, "no port of that name in \"ports\"");
    std::string text;
    HNV_CFG(text, a["address"].asString());
    auto parsed = [&]() -> Result<std::variant<InterfaceAddress4, InterfaceAddress6>> {
      if (text.find(':') != std::string::npos) {
        auto v6 = InterfaceAddress6::parse(text);
        if (!v6) return a["address"].error(text, v6.error().why);
        return std::variant<InterfaceAddress4, InterfaceAddress6>(*v6);
      }
      auto v4 = InterfaceAddress4::parse(text);
      if (!v4) return a["address"].error(text, v4.error().why);
      return std::variant<InterfaceAddress4, InterfaceAddress6>(*v4);
    }();
    if (!parsed) return parsed.error();
    ProviderAddressConfig pa{port, *parsed};
    for (const auto& other : c.providerAddresses) {
      auto same = [](const auto& x, const auto& y) {
        if constexpr (std::is_same_v<decltype(x), decltype(y)>) return x.address() == y.address();
        return false;
      };
      if (std::visit(same, other.address, pa.address)) return a["address"].error(text, "listed twice");
    }
    c.providerAddresses.push_back(pa);
  }
  return okStatus();
}

#undef HNV_CFG

}  // namespace

Result<GatewayConfig> parseGatewayConfig(const boost::json::value& root) {
  GatewayConfig c;
  c.dataplane.eal.program = "hnvgwd";
  ConfigNode r(&root, "");
  if (auto st = r.expectObject({"node", "log", "eal", "dataplane", "ports", "provider_addresses", "api"}); !st) {
    return st.error();
  }
  if (r["node"].present()) {
    if (auto st = r["node"].expectObject({"name"}); !st) return st.error();
    auto name = r["node"]["name"].asString(c.nodeName);
    if (!name) return name.error();
    c.nodeName = *name;
  }
  if (r["log"].present()) {
    if (auto st = r["log"].expectObject({"level"}); !st) return st.error();
    auto level = r["log"]["level"].asString("info");
    if (!level) return level.error();
    if (!Logger::parseLevel(*level, c.logLevel)) {
      return r["log"]["level"].error(*level, "must be one of error, warning, notice, info, debug");
    }
  }
  c.dataplane.eal.filePrefix = "hnvgwd-" + c.nodeName;
  if (auto st = parseEal(r["eal"], c.dataplane.eal); !st) return st.error();
  if (auto st = parseDataplane(r["dataplane"], c.dataplane); !st) return st.error();
  if (auto st = parsePorts(r["ports"], c); !st) return st.error();
  if (auto st = parseProviderAddresses(r["provider_addresses"], c); !st) return st.error();
  if (r["api"].present()) {
    if (auto st = r["api"].expectObject({"socket"}); !st) return st.error();
    auto s = r["api"]["socket"].asString(c.apiSocket);
    if (!s) return s.error();
    if (s->empty() || s->size() > 100) return r["api"]["socket"].error(*s, "a Unix socket path has 1 to 100 characters");
    c.apiSocket = *s;
  }
  return c;
}

Result<GatewayConfig> loadGatewayConfig(const std::string& path) {
  auto doc = loadJsonFile(path);
  if (!doc) return doc.error();
  auto c = parseGatewayConfig(*doc);
  if (!c) {
    Error e = c.error();
    e.where = e.where.empty() ? path : path + ": " + e.where;
    return e;
  }
  return c;
}

}  // namespace hnv::gateway
