// What NAT44 is configured to do on one gateway: an immutable snapshot,
// built on the control thread from policy and published to the workers.
//
// Every tenant (routing domain) with a NAT instance translates the packets
// its VRF routes to "nat" into one of its external addresses, which live in
// another routing domain, the *outside* (typically an "internet" domain
// with an external interface toward the provider's router). Translated
// packets are routed in the outside domain; packets arriving there for an
// external address are translated back and routed in the tenant's VRF. So
// overlapping tenants never meet: an external address belongs to one tenant
// and every session is keyed with its tenant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hnv/base/counters.h"
#include "hnv/base/ip.h"
#include "hnv/base/prefix.h"
#include "hnv/base/result.h"
#include "hnv/base/tenant.h"

namespace hnv::nat {

enum class Proto : std::uint8_t { Tcp = 0, Udp = 1, Icmp = 2 };
constexpr int kProtoCount = 3;
std::optional<Proto> protoOf(std::uint8_t ipProtocol);
std::uint8_t ipProtocolOf(Proto p);
const char* protoName(Proto p);

enum class Filtering : std::uint8_t { EndpointIndependent, AddressDependent };

// Set-NetNat's timeouts, in seconds.
struct Timeouts {
  std::uint32_t icmpQuery = 30;
  std::uint32_t tcpEstablished = 1800;
  std::uint32_t tcpTransient = 120;
  std::uint32_t udpIdle = 120;
  bool udpInboundRefresh = false;  // do packets from outside keep a UDP session alive?
};

struct ExternalAddress {
  Ipv4Addr address;
  std::uint16_t firstPort = 1024;  // the dynamic range, for TCP/UDP ports and ICMP ids alike
  std::uint16_t lastPort = 65535;
};

struct StaticMapping {
  Proto proto = Proto::Tcp;  // TCP or UDP
  Ipv4Addr externalAddress;
  std::uint16_t externalPort = 0;
  Ipv4Addr internalAddress;
  std::uint16_t internalPort = 0;
  std::optional<Prefix> remotePrefix;  // only sources in it may use the mapping from outside
};

// A tenant's NAT counters in the node's CounterRegistry (registered by the
// program): sessions created, and packets dropped by reason (Verdict order
// from NoInstance on, then fragments and unsupported packets).
struct NatCounterIds {
  static constexpr int kDropReasons = 8;
  CounterId sessionsCreated{0};
  CounterId drops[kDropReasons]{CounterId(0), CounterId(0), CounterId(0), CounterId(0),
                                CounterId(0), CounterId(0), CounterId(0), CounterId(0)};
};

struct Instance {
  TenantId tenant = TenantId::node();
  TenantId outside = TenantId::node();  // the routing domain the external addresses are in
  std::string name;                       // the routing domain's id, for listings
  std::vector<ExternalAddress> addresses;
  std::vector<StaticMapping> statics;
  Timeouts timeouts;
  Filtering filtering = Filtering::EndpointIndependent;
  std::uint32_t maxSessions = 0;  // 0: no quota beyond the table's size
  std::optional<NatCounterIds> counters;
};

class NatConfig {
 public:
  NatConfig() = default;
  // Refuses an instance without addresses, a tenant that is its own outside,
  // an empty or inverted port range, an external address of two instances
  // in one outside domain, and a static mapping whose external address is
  // not the instance's or whose external port is used twice or lies in the
  // address's dynamic range. Errors name the tenant and the field.
  static Result<NatConfig> build(std::vector<Instance> instances);

  const Instance* instance(TenantId tenant) const {
    const auto i = tenant.index();
    return i < byTenant_.size() && byTenant_[i] >= 0 ? &instances_[static_cast<std::size_t>(byTenant_[i])] : nullptr;
  }
  // The instance that owns an external address in an outside domain.
  const Instance* owner(TenantId outside, const Ipv4Addr& external) const {
    auto it = byExternal_.find(externalKey(outside, external));
    return it == byExternal_.end() ? nullptr : &instances_[it->second];
  }
  // A static mapping by its outside end or its inside end; nullptr if none.
  const StaticMapping* staticByExternal(TenantId outside, Proto p, const Ipv4Addr& a, std::uint16_t port) const;
  const StaticMapping* staticByInternal(TenantId tenant, Proto p, const Ipv4Addr& a, std::uint16_t port) const;
  const std::vector<Instance>& instances() const { return instances_; }
  // Changes every time a snapshot is built: workers resync their sessions
  // when it differs from the one they saw last.
  std::uint64_t generation() const { return generation_; }

 private:
  static std::uint64_t externalKey(TenantId outside, const Ipv4Addr& a) {
    return std::uint64_t{outside.index()} << 32 | a.host();
  }
  struct PortKey {
    std::uint32_t tenant;
    std::uint32_t address;
    std::uint32_t protoPort;
    bool operator==(const PortKey&) const = default;
  };
  struct PortKeyHash {
    std::size_t operator()(const PortKey& k) const {
      return (std::size_t{k.tenant} * 0x9E3779B97F4A7C15ULL) ^ (std::size_t{k.address} << 20) ^ k.protoPort;
    }
  };
  std::vector<Instance> instances_;
  std::vector<int> byTenant_;  // instance index by tenant index, -1 for none
  std::unordered_map<std::uint64_t, std::size_t> byExternal_;
  // (instance index, static mapping index) by either end.
  std::unordered_map<PortKey, std::pair<std::uint32_t, std::uint32_t>, PortKeyHash> staticOut_, staticIn_;
  std::uint64_t generation_ = 0;
};

}  // namespace hnv::nat
