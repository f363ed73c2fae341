// The HNV policy model (spec section 2): the objects an operator or a tenant
// writes to the controller, in their validated, typed form.
//
// Every object kind is a plain struct here plus a KindTraits specialisation
// (kinds.h) that names it, keys it, converts it to and from JSON and states
// its update rules. Objects know nothing of revisions or of each other; the
// rules that span objects (a route's VSID must belong to its routing domain)
// live in references.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hnv/base/guid.h"
#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/base/prefix.h"
#include "hnv/base/vsid.h"

namespace hnv::policy {

// A tenant's routing domain ("VM network"): routing happens only inside one.
struct RoutingDomain {
  Rdid rdid;
  std::string name;
  std::optional<CustomerId> customerId;
};

// One prefix of a virtual subnet and the distributed router's address in it.
struct SubnetPrefix {
  Prefix prefix;
  IpAddr defaultGateway;
};

// A virtual subnet: one VSID, one broadcast domain, in one routing domain.
struct VirtualSubnet {
  Vsid vsid;
  Rdid rdid;
  std::string name;
  std::vector<SubnetPrefix> prefixes;
  // The distributed router's MAC in this VSID (answers ARP/ND for the gateways).
  MacAddr defaultGatewayMac;
  // PA multicast group for broadcast and multicast; absent: N-way unicast.
  std::optional<IpAddr> multicastGroup;
};

enum class RecordType : std::uint8_t { Static, Dynamic, L2Only, GatewayWildcard };
// Only Encap is carried by the data plane; Nat was removed in Windows Server 2012 R2.
enum class TranslationRule : std::uint8_t { Encap, Nat, None };

// (VSID, CA, MAC) -> PA: where a customer address lives.
struct LookupRecord {
  Vsid vsid;
  IpAddr ca;  // unspecified (0.0.0.0 or ::) for L2Only and GatewayWildcard
  MacAddr mac;
  IpAddr pa;
  RecordType type = RecordType::Static;
  TranslationRule rule = TranslationRule::Encap;
  std::optional<CustomerId> customerId;
  std::string context;
  std::string vmName;
  bool useVmMacAddress = false;
};

// (RDID, VSID, destination) -> next hop, metric. An unspecified next hop
// means on-link in that VSID.
struct CustomerRoute {
  Rdid rdid;
  Vsid vsid;
  Prefix destination;
  IpAddr nextHop;
  std::uint32_t metric = 0;
};

enum class PaState : std::uint8_t { Preferred, Tentative, Duplicate, Invalid, Deprecated };

// A provider address owned by one node.
struct ProviderAddress {
  std::string node;
  std::string interface;
  IpAddr address;
  std::uint8_t prefixLength = 0;
  std::uint16_t vlan = 0;  // 0: untagged
  MacAddr mac;
  PaState state = PaState::Preferred;
  // Moves with the active member of a gateway cluster.
  bool managedByCluster = false;
};

// An underlay route of one node.
struct ProviderRoute {
  std::string node;
  std::string interface;
  Prefix destination;
  IpAddr nextHop;
  std::uint32_t metric = 0;
};

// Get/Set-NetVirtualizationGlobal: one object per controller.
struct GlobalSettings {
  // Cross-subnet traffic goes to routers named by customer routes instead of
  // the distributed router.
  bool useExternalRouter = false;
};

enum class NodeRole : std::uint8_t { Host, Gateway };

// A host or gateway registered with the controller. Its provider addresses
// are ProviderAddress objects naming it. A host serves the VSIDs of the lookup
// records whose PA it owns, plus `vsids`; a gateway serves the routing
// domains placed on it (`tenants`).
struct NodeEntry {
  std::string name;
  NodeRole role = NodeRole::Host;
  std::string description;
  std::vector<Vsid> vsids;
  std::vector<Rdid> tenants;
};

// A tenant's attachment to a physical network at a gateway (the forwarding
// gateway of spec section 4): an 802.1Q VLAN on one of the gateway's ports,
// or the whole port untagged (VLAN 0, a port dedicated to the tenant), with
// the gateway's address on that network. Traffic is routed between the
// tenant's virtual subnets and this network without translation.
struct ExternalInterface {
  Rdid rdid;
  std::string name;
  std::string node;  // the gateway
  std::string port;  // the gateway's port (its configuration names it)
  std::uint16_t vlan = 0;  // 1..4094; 0: untagged
  IpAddr address;          // the gateway's address on the network (IPv4)
  std::uint8_t prefixLength = 0;
  std::optional<MacAddr> mac;  // default: the port's MAC
  std::uint16_t mtu = 0;       // 0: the port's MTU
};

// A static route of a tenant's routing domain at the gateway, toward one of
// its external interfaces.
struct GatewayRoute {
  Rdid rdid;
  Prefix destination;
  std::string interface;  // an ExternalInterface of the same routing domain
  IpAddr nextHop;         // unspecified: on-link on the interface
  std::uint32_t metric = 0;
};

}  // namespace hnv::policy
