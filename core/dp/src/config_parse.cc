#include "hnv/dp/config_parse.h"

#include <vector>

namespace hnv::dp {
namespace {

// Assigns a parsed value or returns its error from the enclosing function.
// Local to this file: it keeps the long list of fields readable.
#define HNV_CFG(target, expr)        \
  do {                               \
    auto _r = (expr);                \
    if (!_r) return _r.error();      \
    target = std::move(_r).value();  \
  } while (0)

constexpr std::string_view kPortKeys[] = {"name", "vdev", "device", "mtu", "mac", "promiscuous", "role"};

Result<PortRole> parseRole(const ConfigNode& n) {
  auto text = n.asString("uplink");
  if (!text) return text.error();
  if (*text == "uplink") return PortRole::Underlay;
  if (*text == "vm") return PortRole::Vm;
  return n.error(*text, "must be \"uplink\" (the provider network) or \"vm\" (a tenant VM's NIC)");
}

}  // namespace

Status parseEalConfig(const ConfigNode& n, EalConfig& e) {
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

Status parseDataplaneConfig(const ConfigNode& n, DataplaneConfig& d) {
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

Status parsePortsConfig(const ConfigNode& n, DataplaneConfig& d, std::span<const std::string_view> extraKeys) {
  std::vector<std::string_view> keys(std::begin(kPortKeys), std::end(kPortKeys));
  keys.insert(keys.end(), extraKeys.begin(), extraKeys.end());
  std::size_t count = 0;
  HNV_CFG(count, n.arraySize());
  if (count == 0) return n.error("[]", "at least one port is required");
  for (std::size_t i = 0; i < count; ++i) {
    ConfigNode p = n.at(i);
    if (auto st = p.expectObject(keys); !st) return st;
    PortConfig pc;
    HNV_CFG(pc.name, p["name"].asString());
    if (pc.name.empty()) return p["name"].error("\"\"", "must not be empty");
    for (const auto& other : d.ports) {
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
    for (const auto& other : d.ports) {
      if (other.device == pc.device) {
        return p[hasVdev ? "vdev" : "device"].error(deviceText, "another port uses the device " + pc.device);
      }
    }
    if (hasVdev) d.eal.vdevs.push_back(deviceText);
    if (hasVdev && pc.device.rfind("net_af_packet", 0) == 0) {
      // iface=NAME among the device arguments: its carrier is the link state.
      auto at = deviceText.find("iface=");
      if (at != std::string::npos) {
        auto end = deviceText.find(',', at);
        pc.kernelInterface = deviceText.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
      }
    }
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
    HNV_CFG(pc.role, parseRole(p["role"]));
    d.ports.push_back(pc);
  }
  return okStatus();
}

#undef HNV_CFG

}  // namespace hnv::dp
