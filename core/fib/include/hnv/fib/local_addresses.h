// The addresses this node owns on each port: its provider addresses (PAs).
// An immutable snapshot, published to workers with dp::Published; a change
// builds a new snapshot on the control thread.
#pragma once

#include <algorithm>
#include <cstdint>
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
  // The port that receives multicast groups (MulticastGroups): the first
  // with an IPv4 address; UINT16_MAX when none.
  std::uint16_t groupPort() const { return groupPort_; }

 private:
  std::vector<PortAddresses> ports_;
  std::vector<int> byPort_;  // port id -> index in ports_, -1 when absent
  std::uint16_t groupPort_ = UINT16_MAX;
};

// The IPv4 multicast groups the node receives on, on every port that has
// provider addresses: the PA multicast groups of the virtual subnets it has
// VM ports in (broadcast of a VSID sent to its group). Immutable, published
// like LocalAddresses.
class MulticastGroups {
 public:
  MulticastGroups() = default;
  explicit MulticastGroups(std::vector<Ipv4Addr> groups);
  bool has(const Ipv4Addr& group) const { return std::binary_search(groups_.begin(), groups_.end(), group); }
  const std::vector<Ipv4Addr>& list() const { return groups_; }

 private:
  std::vector<Ipv4Addr> groups_;  // sorted, each once
};

}  // namespace hnv::fib
