#include "hnv/fib/provider_addresses.h"

namespace hnv::fib {
namespace {

using AnyAddress = std::variant<InterfaceAddress4, InterfaceAddress6>;

// `text` is the value of `n`.
Result<AnyAddress> parseAddress(const ConfigNode& n, const std::string& text) {
  if (text.find(':') != std::string::npos) {
    auto v6 = InterfaceAddress6::parse(text);
    if (!v6) return n.error(text, v6.error().why);
    return AnyAddress(*v6);
  }
  auto v4 = InterfaceAddress4::parse(text);
  if (!v4) return n.error(text, v4.error().why);
  return AnyAddress(*v4);
}

bool sameAddress(const AnyAddress& a, const AnyAddress& b) {
  return std::visit(
      [](const auto& x, const auto& y) {
        if constexpr (std::is_same_v<decltype(x), decltype(y)>) return x.address() == y.address();
        return false;
      },
      a, b);
}

}  // namespace

std::string ProviderAddressConfig::addressText() const {
  return std::visit([](const auto& x) { return x.toString(); }, address);
}

Status parseProviderAddresses(const ConfigNode& n, std::span<const dp::PortConfig> ports,
                              std::vector<ProviderAddressConfig>& out) {
  if (!n.present()) return okStatus();
  auto count = n.arraySize();
  if (!count) return count.error();
  for (std::size_t i = 0; i < *count; ++i) {
    ConfigNode a = n.at(i);
    if (auto st = a.expectObject({"port", "address"}); !st) return st;
    auto port = a["port"].asString();
    if (!port) return port.error();
    const dp::PortConfig* pc = nullptr;
    for (const auto& p : ports) pc = p.name == *port ? &p : pc;
    if (pc == nullptr) return a["port"].error(*port, "no port of that name in \"ports\"");
    if (pc->role == dp::PortRole::Vm) {
      return a["port"].error(*port, "is a VM port; provider addresses belong on uplink ports");
    }
    auto text = a["address"].asString();
    if (!text) return text.error();
    auto address = parseAddress(a["address"], *text);
    if (!address) return address.error();
    for (const auto& other : out) {
      if (sameAddress(other.address, *address)) return a["address"].error(*text, "listed twice");
    }
    out.push_back(ProviderAddressConfig{*port, *address});
  }
  return okStatus();
}

Result<LocalAddresses> buildLocalAddresses(std::span<const ProviderAddressConfig> providerAddresses,
                                           const dp::Dataplane& dp) {
  std::vector<PortAddresses> ports;
  for (const auto& port : dp.ports()) {
    PortAddresses pa;
    pa.port = port.id().value();
    pa.mac = port.mac();
    pa.mtu = port.mtu();
    for (const auto& a : providerAddresses) {
      if (a.port != port.name()) continue;
      if (const auto* v4 = std::get_if<InterfaceAddress4>(&a.address)) pa.v4.push_back(*v4);
      if (const auto* v6 = std::get_if<InterfaceAddress6>(&a.address)) pa.v6.push_back(*v6);
    }
    ports.push_back(std::move(pa));
  }
  return LocalAddresses::build(std::move(ports));
}

}  // namespace hnv::fib
