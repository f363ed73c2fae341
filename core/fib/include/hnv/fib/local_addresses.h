// The addresses this node owns on each port: its provider addresses (PAs).
// An immutable snapshot, published to workers with dp::Published; a change
// builds a new snapshot on the control thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/base/prefix.h"
#include "hnv/base/result.h"

namespace hnv::fib {

struct PortAddresses {
  std::uint16_t port = 0;  // DPDK port id
  MacAddr mac;
  std::uint16_t mtu = 0;  // the port's MTU (0: not known, nothing is checked against it)
  std::vector<InterfaceAddress4> v4;
  std::vector<InterfaceAddress6> v6;

  // The addresses of one family: of<Ipv4Addr>() is v4, of<Ipv6Addr>() v6.
  template <class Addr>
  const std::vector<InterfaceAddressT<Addr>>& of() const {
    if constexpr (std::is_same_v<Addr, Ipv4Addr>) {
      return v4;
    } else {
      return v6;
    }
  }
  // Whether one of the port's addresses of `a`'s family has `a` on its subnet.
  template <class Addr>
  bool onLink(const Addr& a) const {
    const auto& as = of<Addr>();
    return std::any_of(as.begin(), as.end(), [&](const auto& x) { return x.onLink(a); });
  }
};

class LocalAddresses {
 public:
  // Refuses two ports with the same id and an address owned twice.
  static Result<LocalAddresses> build(std::vector<PortAddresses> ports);

  // nullptr when the port has no addresses.
  const PortAddresses* onPort(std::uint16_t port) const {
    return port < byPort_.size() && byPort_[port] >= 0 ? &ports_[static_cast<std::size_t>(byPort_[port])] : nullptr;
  }
  bool owns(std::uint16_t port, const Ipv4Addr& a) const;
  bool owns(std::uint16_t port, const Ipv6Addr& a) const;
  // True for the solicited-node group of one of the port's IPv6 addresses.
  bool ownsSolicitedNode(std::uint16_t port, const Ipv6Addr& group) const;
  const std::vector<PortAddresses>& ports() const { return ports_; }
  // True when some port owns `a`.
  bool ownsAnywhere(const Ipv4Addr& a) const;
  bool ownsAnywhere(const Ipv6Addr& a) const;
  // The port that receives multicast groups (MulticastGroups) of a family:
  // the first with an address of that family; UINT16_MAX when none.
  std::uint16_t groupPort() const { return groupPort4_; }
  std::uint16_t groupPort6() const { return groupPort6_; }

 private:
  std::vector<PortAddresses> ports_;
  std::vector<int> byPort_;  // port id -> index in ports_, -1 when absent
  std::uint16_t groupPort4_ = UINT16_MAX;
  std::uint16_t groupPort6_ = UINT16_MAX;
};

// The multicast groups (IPv4 and IPv6) the node receives on, on every port
// that has provider addresses of the group's family: the PA multicast
// groups of the virtual subnets it has VM ports in (broadcast of a VSID sent
// to its group). Immutable, published like LocalAddresses.
class MulticastGroups {
 public:
  MulticastGroups() = default;
  explicit MulticastGroups(std::vector<IpAddr> groups);
  bool has(const Ipv4Addr& group) const { return std::binary_search(groups_.begin(), groups_.end(), IpAddr(group)); }
  bool has(const Ipv6Addr& group) const { return std::binary_search(groups_.begin(), groups_.end(), IpAddr(group)); }
  const std::vector<IpAddr>& list() const { return groups_; }

 private:
  std::vector<IpAddr> groups_;  // sorted, each once
};

}  // namespace hnv::fib
