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
#include <string_view>
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
  // Dynamic records not reported again by their host within this many
  // seconds are deleted (spec section 3: stale ones age out); 0: never.
  std::uint32_t dynamicRecordAgingSeconds = 0;
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

// A VM's network adapter on a host (what VMM set with Set-VMNetworkAdapter):
// the host's VM port `port` (a "role": "vm" port of its hnv-hostd
// configuration) joins virtual subnet `vsid` with the VM's MAC. With
// allowedCas the VM may send only from addresses in those prefixes (besides
// the unspecified address of DHCP and duplicate address detection and, for
// IPv6, link-local addresses); empty: any source CA, only the MAC is checked.
struct VmPort {
  std::string node;  // the host
  std::string port;  // the port's name in the host's configuration
  Vsid vsid = Vsid::fromKey(0);
  MacAddr mac;
  std::vector<Prefix> allowedCas;
  std::string vmName;
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
  std::optional<Ipv6Addr> address6;  // the gateway's IPv6 address there; none: IPv4 only
  std::uint8_t prefixLength6 = 64;
};

// The reserved interface name of gateway routes into the routing domain's
// NAT instance; no external interface may take it.
inline constexpr std::string_view kNatRouteInterface = "nat";

// A static route of a tenant's routing domain at the gateway, toward one of
// its external interfaces, or into its NAT instance (kNatRouteInterface).
struct GatewayRoute {
  Rdid rdid;
  Prefix destination;
  std::string interface;  // an ExternalInterface of the same routing domain, or "nat"
  IpAddr nextHop;         // unspecified: on-link on the interface (always for "nat")
  std::uint32_t metric = 0;
};

// --- NAT44 (the NAT gateway) ---
//
// A tenant's routing domain translated into another routing domain (the
// outside, e.g. an "internet" domain with an external interface), on the
// gateways the tenant is placed on. The tenant's gateway routes with the
// reserved interface name "nat" send traffic into the translation.

enum class NatFiltering : std::uint8_t { EndpointIndependent, AddressDependent };

// The NAT of one routing domain: where its external addresses live, how
// inbound packets are filtered (RFC 4787), session timeouts and a quota.
struct NatInstance {
  Rdid rdid;          // the tenant whose traffic is translated
  Rdid externalRdid;  // the routing domain the external addresses live in; not rdid
  NatFiltering filtering = NatFiltering::EndpointIndependent;
  std::uint32_t icmpQueryTimeout = 30;         // seconds, 1..86400
  std::uint32_t tcpEstablishedTimeout = 1800;  // seconds, 1..604800
  std::uint32_t tcpTransientTimeout = 120;     // seconds, 1..86400
  std::uint32_t udpIdleTimeout = 120;          // seconds, 1..86400
  bool udpInboundRefresh = false;              // inbound UDP packets keep a session alive
  std::uint32_t maxSessions = 0;               // 0: no per-tenant quota; else 1..16777216
};

// An outside address of a NAT instance, unique in its outside routing
// domain. [firstPort, lastPort] is the dynamic range for ports and ICMP
// identifiers; static mappings use ports outside it.
struct NatExternalAddress {
  Rdid rdid;
  IpAddr address;  // IPv4 unicast
  std::uint16_t firstPort = 1024;
  std::uint16_t lastPort = 65535;
};

enum class NatProtocol : std::uint8_t { Tcp, Udp };

// A port forward: (protocol, externalAddress, externalPort) on the outside
// is (internalAddress, internalPort) inside, optionally only for sources in
// remotePrefix.
struct NatStaticMapping {
  Rdid rdid;
  NatProtocol protocol = NatProtocol::Tcp;
  IpAddr externalAddress;              // one of the routing domain's NatExternalAddress
  std::uint16_t externalPort = 0;      // 1..65535, outside the address's dynamic range
  IpAddr internalAddress;              // the VM's CA, IPv4 unicast
  std::uint16_t internalPort = 0;      // 1..65535
  std::optional<Prefix> remotePrefix;  // IPv4; absent: any source
};

// --- Site-to-site VPN (Add-VpnS2SInterface) ---

enum class VpnConnectionType : std::uint8_t { Persistent, OnDemand };
enum class VpnAuthentication : std::uint8_t { Psk, Certificate };
// How the site's certificate chain is checked against revocation lists:
// relaxed refuses a certificate a list names; strict also refuses one for
// which no current list (of its issuer, not past its nextUpdate) is held.
enum class VpnRevocation : std::uint8_t { Relaxed, Strict };

// An IKEv2/IPsec tunnel of a tenant's routing domain to a remote site, on
// one gateway: its endpoint is an address of the gateway in another routing
// domain (the outside, like a NAT instance's), its traffic the tenant's
// localPrefixes to and from the site's remotePrefixes (routes in the
// tenant's VRF, each with its own metric or routeMetric, while the tunnel
// is up).
struct VpnRemotePrefix {
  Prefix prefix;
  std::optional<std::uint32_t> metric;  // "172.16.1.0/24:20"; absent: the interface's routeMetric
  bool operator==(const VpnRemotePrefix&) const = default;
};

// A port range of the tunnel's traffic selectors ("443", "1024-65535").
struct VpnPortRange {
  std::uint16_t from = 0, to = 65535;
  bool any() const { return from == 0 && to == 65535; }
  bool operator==(const VpnPortRange&) const = default;
};

struct VpnS2sInterface {
  Rdid rdid;
  std::string name;
  std::string node;      // the gateway
  Rdid externalRdid;     // the outside routing domain the endpoint lives in; not rdid
  IpAddr localAddress;   // the gateway's IKE/ESP endpoint there (IPv4)
  IpAddr destination;    // the remote site's address (IPv4)
  // Where else the site answers, tried in order when the one being tried
  // does not (IKE_SA_INIT unanswered); every new connection starts at
  // `destination`.
  std::vector<IpAddr> alternateDestinations;
  VpnAuthentication authentication = VpnAuthentication::Psk;
  std::string sharedSecret;  // PSK; write-only in the API
  // Certificate authentication, PEM re-encoded after checking: the
  // gateway's certificate and its private key (write-only), and the CAs
  // the site's certificate must chain to (this interface's trust anchors,
  // no other interface's).
  std::string certificate;
  std::string privateKey;
  std::string caCertificates;
  // Revocation lists (PEM, each issued and signed by one of
  // caCertificates) and how they are applied to the site's chain.
  std::string crls;
  VpnRevocation revocation = VpnRevocation::Relaxed;
  std::string localId;       // IKE identities; empty: the addresses (localId with certificates: its subject)
  std::string remoteId;
  std::string ikeProposals = "aes256-sha256-modp2048";
  std::string espProposals = "aes256gcm16-modp2048";
  std::vector<Prefix> localPrefixes;
  std::vector<VpnRemotePrefix> remotePrefixes;
  // The traffic selectors beyond the prefixes: what IP protocol (0: any)
  // and which ports on the tenant's side (local) and the site's (remote)
  // the tunnel carries; the rest of the traffic routed into it is dropped.
  std::uint8_t protocol = 0;
  VpnPortRange localPorts, remotePorts;
  std::uint32_t routeMetric = 10;
  VpnConnectionType connectionType = VpnConnectionType::Persistent;
  std::uint32_t lifetimeSeconds = 7200;  // CHILD SA
  std::uint64_t lifetimeKilobytes = 0;   // 0: no volume limit
  std::uint32_t dpdSeconds = 30;         // 0: no dead-peer detection
  std::uint32_t idleTimeoutSeconds = 0;  // on demand: close the tunnel after this long without traffic; 0 never
  std::uint64_t egressKbps = 0;   // tenant -> site through the tunnel; 0: no limit
  std::uint64_t ingressKbps = 0;  // site -> tenant
  bool adminUp = true;
};

// An active/passive pair of gateway appliances (Add-ClusterNode's cluster)
// serving one gateway node: `name` is that node (role gateway), on which
// tenants, interfaces and S2S interfaces are placed as on any gateway. Its
// members (ClusterMember) run hnvgwd with that node's identity; one is
// active at a time and owns every data-plane address of the node.
struct GatewayCluster {
  std::string name;
  std::string description;
  std::uint32_t heartbeatIntervalMs = 100;
  std::uint32_t heartbeatMisses = 3;   // the peer is lost after this many intervals without a heartbeat
  std::uint32_t leaseMs = 0;           // the witness lease; 0: interval x (misses + 1)
  std::uint16_t heartbeatPort = 7470;  // UDP on the heartbeat link
  std::uint16_t syncPort = 7471;       // TCP on the heartbeat link: state from active to standby
  std::string sharedSecret;            // authenticates heartbeats (HMAC-SHA256); write-only; empty: none

  std::uint32_t effectiveLeaseMs() const {
    return leaseMs != 0 ? leaseMs : heartbeatIntervalMs * (heartbeatMisses + 1);
  }
};

// One appliance of a gateway cluster: its name (hnvgwd's cluster.member),
// its address on the dedicated heartbeat link and its priority (the higher
// becomes active when both start together; there is no preemption).
struct ClusterMember {
  std::string cluster;
  std::string name;
  IpAddr heartbeatAddress;
  std::uint32_t priority = 100;
};

}  // namespace hnv::policy
