// The overlay's view of a node's policy: an immutable snapshot compiled from
// the desired state the controller sends (GET /v1/nodes/{name}/desired-state),
// with the lookups the HNV filter needs. Built on the control thread, then
// published to workers (RCU), which only read it: no lookup allocates or locks.
//
//   - tenants: routing domain -> TenantId, stable across snapshots so that
//     per-tenant state (sessions, counters) survives a policy update;
//   - per VSID: tenant, distributed-router MAC and addresses, PA multicast
//     group, and the remote PAs hosting it (broadcast replication);
//   - lookup records by (VSID, CA) for encapsulation and by (VSID, MAC) for
//     L2 forwarding; each VSID's GatewayWildcard per address family;
//   - receive validation (spec 3): an inbound packet is accepted only if
//     (VSID, inner source CA, inner source MAC, outer source PA) matches a
//     record, an L2Only record of that MAC and PA, or the VSID's GatewayWildcard.
//
// Compilation is pure (intent -> tables, STYLE rule 1); errors name the item.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/base/result.h"
#include "hnv/base/tenant.h"
#include "hnv/base/vsid.h"
#include "hnv/policy/objects.h"

namespace hnv::overlay {

struct VsidInfo {
  TenantId tenant;
  Rdid rdid;
  MacAddr routerMac;
  std::vector<IpAddr> routerAddresses;  // the default gateway CA of each prefix
  std::optional<IpAddr> multicastGroup;
  // Provider addresses of other nodes with members of this VSID, each once.
  std::vector<IpAddr> remotePas;
};

struct RecordEntry {
  IpAddr pa;
  MacAddr mac;
  policy::RecordType type;
};

enum class InboundVerdict : std::uint8_t { Accept, UnknownVsid, NoMatchingRecord, WrongPa };

class OverlayPolicy {
 public:
  // `previous` keeps tenant indexes stable; nullptr for the first snapshot.
  static Result<OverlayPolicy> compile(const boost::json::object& desired, const OverlayPolicy* previous = nullptr);

  std::uint64_t revision() const { return revision_; }
  const VsidInfo* vsid(Vsid v) const;
  std::optional<TenantId> tenant(const Rdid& rdid) const;
  // The record of a CA in a VSID (Static or Dynamic), if any.
  const RecordEntry* byCa(Vsid v, const IpAddr& ca) const;
  // The record of a MAC in a VSID (any type; a CA record first), if any.
  const RecordEntry* byMac(Vsid v, const MacAddr& mac) const;
  // The VSID's GatewayWildcard for the CA's address family, if any.
  const RecordEntry* wildcard(Vsid v, bool ipv6) const;
  bool ownsPa(const IpAddr& pa) const { return ownPas_.count(pa) != 0; }
  // Receive validation; `innerCa` is absent for frames without an IP source (ARP carries one).
  InboundVerdict checkInbound(Vsid v, const std::optional<IpAddr>& innerCa, const MacAddr& innerMac,
                              const IpAddr& outerPa) const;

  std::size_t recordCount() const { return byCa_.size(); }

 private:
  struct CaKey {
    std::uint32_t vsid;
    IpAddr ca;
    bool operator==(const CaKey&) const = default;
  };
  struct MacKey {
    std::uint32_t vsid;
    MacAddr mac;
    bool operator==(const MacKey&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const CaKey& k) const;
    std::size_t operator()(const MacKey& k) const;
  };

  std::uint64_t revision_ = 0;
  std::map<Rdid, TenantId> tenants_;
  std::unordered_map<std::uint32_t, VsidInfo> vsids_;
  std::unordered_map<CaKey, RecordEntry, KeyHash> byCa_;
  std::unordered_map<MacKey, RecordEntry, KeyHash> byMac_;
  std::unordered_map<std::uint32_t, RecordEntry> wildcard4_, wildcard6_;
  std::set<IpAddr> ownPas_;
};

}  // namespace hnv::overlay
