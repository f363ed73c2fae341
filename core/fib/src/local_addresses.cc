#include "hnv/fib/local_addresses.h"

#include <algorithm>

namespace hnv::fib {

Result<LocalAddresses> LocalAddresses::build(std::vector<PortAddresses> ports) {
  LocalAddresses t;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const auto& p = ports[i];
    if (p.port >= t.byPort_.size()) t.byPort_.resize(p.port + 1u, -1);
    if (t.byPort_[p.port] >= 0) {
      return makeError(Errc::AlreadyExists, "local addresses", "port " + std::to_string(p.port), "listed twice");
    }
    t.byPort_[p.port] = static_cast<int>(i);
    for (std::size_t k = 0; k < ports.size(); ++k) {
      for (const auto& a : p.v4) {
        auto n = std::count_if(ports[k].v4.begin(), ports[k].v4.end(),
                               [&](const auto& b) { return b.address() == a.address(); });
        if (n > (k == i ? 1 : 0)) {
          return makeError(Errc::AlreadyExists, "local addresses", a.address().toString(), "owned twice");
        }
      }
      for (const auto& a : p.v6) {
        auto n = std::count_if(ports[k].v6.begin(), ports[k].v6.end(),
                               [&](const auto& b) { return b.address() == a.address(); });
        if (n > (k == i ? 1 : 0)) {
          return makeError(Errc::AlreadyExists, "local addresses", a.address().toString(), "owned twice");
        }
      }
    }
  }
  t.ports_ = std::move(ports);
  for (const auto& p : t.ports_) {
    if (!p.v4.empty() && t.groupPort4_ == UINT16_MAX) t.groupPort4_ = p.port;
    if (!p.v6.empty() && t.groupPort6_ == UINT16_MAX) t.groupPort6_ = p.port;
  }
  return t;
}

bool LocalAddresses::ownsAnywhere(const Ipv4Addr& a) const {
  return std::any_of(ports_.begin(), ports_.end(), [&](const PortAddresses& p) {
    return std::any_of(p.v4.begin(), p.v4.end(), [&](const auto& x) { return x.address() == a; });
  });
}

bool LocalAddresses::ownsAnywhere(const Ipv6Addr& a) const {
  return std::any_of(ports_.begin(), ports_.end(), [&](const PortAddresses& p) {
    return std::any_of(p.v6.begin(), p.v6.end(), [&](const auto& x) { return x.address() == a; });
  });
}

bool LocalAddresses::owns(std::uint16_t port, const Ipv4Addr& a) const {
  const PortAddresses* p = onPort(port);
  if (p == nullptr) return false;
  return std::any_of(p->v4.begin(), p->v4.end(), [&](const auto& x) { return x.address() == a; });
}

bool LocalAddresses::owns(std::uint16_t port, const Ipv6Addr& a) const {
  const PortAddresses* p = onPort(port);
  if (p == nullptr) return false;
  return std::any_of(p->v6.begin(), p->v6.end(), [&](const auto& x) { return x.address() == a; });
}

bool LocalAddresses::ownsSolicitedNode(std::uint16_t port, const Ipv6Addr& group) const {
  const PortAddresses* p = onPort(port);
  if (p == nullptr) return false;
  return std::any_of(p->v6.begin(), p->v6.end(), [&](const auto& x) { return x.address().solicitedNode() == group; });
}

MulticastGroups::MulticastGroups(std::vector<IpAddr> groups) : groups_(std::move(groups)) {
  std::sort(groups_.begin(), groups_.end());
  groups_.erase(std::unique(groups_.begin(), groups_.end()), groups_.end());
}

}  // namespace hnv::fib
