#include "hnv/nat/config.h"

#include <atomic>

namespace hnv::nat {

std::optional<Proto> protoOf(std::uint8_t ipProtocol) {
  switch (ipProtocol) {
    case 6:
      return Proto::Tcp;
    case 17:
      return Proto::Udp;
    case 1:
      return Proto::Icmp;
    default:
      return std::nullopt;
  }
}

std::uint8_t ipProtocolOf(Proto p) {
  static constexpr std::uint8_t kNumbers[kProtoCount] = {6, 17, 1};
  return kNumbers[static_cast<int>(p)];
}

const char* protoName(Proto p) {
  static constexpr const char* kNames[kProtoCount] = {"tcp", "udp", "icmp"};
  return kNames[static_cast<int>(p)];
}

namespace {

Error refuse(const Instance& in, std::string field, std::string value, std::string why) {
  return makeError(Errc::InvalidArgument, "nat instance of " + in.name + ": " + field, std::move(value),
                   std::move(why));
}

std::uint64_t nextGeneration() {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}

}  // namespace

Result<NatConfig> NatConfig::build(std::vector<Instance> instances) {
  NatConfig c;
  c.generation_ = nextGeneration();
  c.instances_ = std::move(instances);
  for (std::uint32_t i = 0; i < c.instances_.size(); ++i) {
    const Instance& in = c.instances_[i];
    if (in.tenant.isNode()) return refuse(in, "tenant", "0", "must be a tenant");
    if (in.outside == in.tenant) {
      return refuse(in, "outside", in.name, "a routing domain cannot be its own outside");
    }
    if (in.addresses.empty()) return refuse(in, "addresses", "[]", "needs at least one external address");
    if (in.tenant.index() >= c.byTenant_.size()) c.byTenant_.resize(in.tenant.index() + 1, -1);
    if (c.byTenant_[in.tenant.index()] >= 0) return refuse(in, "tenant", in.name, "has two NAT instances");
    c.byTenant_[in.tenant.index()] = static_cast<int>(i);
    for (const ExternalAddress& a : in.addresses) {
      if (a.firstPort == 0 || a.firstPort > a.lastPort) {
        return refuse(in, "addresses[" + a.address.toString() + "]",
                      std::to_string(a.firstPort) + "-" + std::to_string(a.lastPort),
                      "the port range must be non-empty and start at 1 or above");
      }
      if (!c.byExternal_.emplace(externalKey(in.outside, a.address), i).second) {
        return refuse(in, "addresses", a.address.toString(),
                      "is an external address of another NAT instance in the same outside routing domain");
      }
    }
    for (std::uint32_t s = 0; s < in.statics.size(); ++s) {
      const StaticMapping& m = in.statics[s];
      const std::string where = "staticMappings[" + std::to_string(s) + "]";
      if (m.proto == Proto::Icmp) return refuse(in, where + ".protocol", "icmp", "static mappings are TCP or UDP");
      const ExternalAddress* ext = nullptr;
      for (const ExternalAddress& a : in.addresses) {
        if (a.address == m.externalAddress) ext = &a;
      }
      if (ext == nullptr) {
        return refuse(in, where + ".externalAddress", m.externalAddress.toString(),
                      "is not an external address of the instance");
      }
      if (m.externalPort >= ext->firstPort && m.externalPort <= ext->lastPort) {
        return refuse(in, where + ".externalPort", std::to_string(m.externalPort),
                      "lies in the address's dynamic port range " + std::to_string(ext->firstPort) + "-" +
                          std::to_string(ext->lastPort));
      }
      const std::uint32_t proto = static_cast<std::uint32_t>(m.proto) << 16;
      if (!c.staticOut_.emplace(PortKey{in.outside.index(), m.externalAddress.host(), proto | m.externalPort},
                                std::pair{i, s})
               .second) {
        return refuse(in, where + ".externalPort", std::to_string(m.externalPort),
                      "is mapped twice on " + m.externalAddress.toString());
      }
      if (!c.staticIn_.emplace(PortKey{in.tenant.index(), m.internalAddress.host(), proto | m.internalPort},
                               std::pair{i, s})
               .second) {
        return refuse(in, where + ".internalPort", std::to_string(m.internalPort),
                      "the inside endpoint " + m.internalAddress.toString() + " has two static mappings");
      }
    }
  }
  return c;
}

const StaticMapping* NatConfig::staticByExternal(TenantId outside, Proto p, const Ipv4Addr& a,
                                                 std::uint16_t port) const {
  auto it = staticOut_.find(PortKey{outside.index(), a.host(), static_cast<std::uint32_t>(p) << 16 | port});
  return it == staticOut_.end() ? nullptr : &instances_[it->second.first].statics[it->second.second];
}

const StaticMapping* NatConfig::staticByInternal(TenantId tenant, Proto p, const Ipv4Addr& a,
                                                 std::uint16_t port) const {
  auto it = staticIn_.find(PortKey{tenant.index(), a.host(), static_cast<std::uint32_t>(p) << 16 | port});
  return it == staticIn_.end() ? nullptr : &instances_[it->second.first].statics[it->second.second];
}

}  // namespace hnv::nat
