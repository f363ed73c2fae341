// What the controller, the store, the API and hnvctl need to know about each
// object kind, stated once per kind.
//
// KindTraits<T> gives a kind its API name ("lookup-records"), its CLI noun
// ("lookup-record"), a field table (types, required/immutable/read-only
// flags, help text; OpenAPI and hnvctl are generated from it), its key, and
// the JSON conversions. fromJson validates everything that one object can
// check on its own and names the field in every error; rules across objects
// are in references.h. Adding a kind: a struct in objects.h, a traits
// specialisation here, its conversions in a .cc, and an entry in AllKinds.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "hnv/base/config_node.h"
#include "hnv/base/result.h"
#include "hnv/policy/objects.h"

namespace hnv::policy {

// MetricPrefixList: prefixes that may carry a metric, "172.16.1.0/24:20".
enum class FieldType : std::uint8_t {
  String, Uint, Bool, Vsid, Guid, Ip, Mac, Prefix, Enum, VsidList, GuidList, PrefixList, IpList, MetricPrefixList
};

enum FieldFlag : unsigned {
  kRequired = 1u << 0,
  kImmutable = 1u << 1,  // part of the key, or fixed at creation
  kReadOnly = 1u << 2,   // derived by the controller; ignored on input
  kSecret = 1u << 3,     // write-only: given to the nodes that need it, never shown by the API
};

struct FieldSpec {
  std::string_view name;
  FieldType type;
  unsigned flags;
  std::string_view help;
  // For FieldType::Enum: the accepted values, separated by '|'.
  std::string_view values = {};
};

template <class T>
struct KindTraits;

// Every kind, in the order that references allow creating them.
using AllKinds =
    std::tuple<RoutingDomain, VirtualSubnet, LookupRecord, CustomerRoute, NodeEntry, ProviderAddress, ProviderRoute,
               GlobalSettings, ExternalInterface, NatInstance, NatExternalAddress, NatStaticMapping, GatewayRoute,
               VpnS2sInterface, GatewayCluster, ClusterMember, VmPort>;

// Calls f(std::type_identity<T>{}) for every kind T.
template <class F>
void forEachKind(F&& f) {
  [&]<class... T>(std::tuple<T...>*) { (f(std::type_identity<T>{}), ...); }(static_cast<AllKinds*>(nullptr));
}

// Calls f(std::type_identity<T>{}) for the kind named `name`; false if none is.
template <class F>
bool withKind(std::string_view name, F&& f) {
  bool found = false;
  forEachKind([&](auto kind) {
    using T = typename decltype(kind)::type;
    if (!found && KindTraits<T>::kName == name) {
      found = true;
      f(kind);
    }
  });
  return found;
}

// The fields every stored object carries besides its own.
inline constexpr std::string_view kRevisionField = "revision";
inline constexpr std::string_view kCreatedRevisionField = "createdRevision";

template <>
struct KindTraits<RoutingDomain> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const RoutingDomain& v);
  static Result<RoutingDomain> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const RoutingDomain& v);
};

template <>
struct KindTraits<VirtualSubnet> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const VirtualSubnet& v);
  static Result<VirtualSubnet> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const VirtualSubnet& v);
};

template <>
struct KindTraits<LookupRecord> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const LookupRecord& v);
  static Result<LookupRecord> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const LookupRecord& v);
};

template <>
struct KindTraits<CustomerRoute> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const CustomerRoute& v);
  static Result<CustomerRoute> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const CustomerRoute& v);
};

template <>
struct KindTraits<NodeEntry> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const NodeEntry& v);
  static Result<NodeEntry> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const NodeEntry& v);
};

template <>
struct KindTraits<ProviderAddress> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const ProviderAddress& v);
  static Result<ProviderAddress> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const ProviderAddress& v);
};

template <>
struct KindTraits<ProviderRoute> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const ProviderRoute& v);
  static Result<ProviderRoute> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const ProviderRoute& v);
};

template <>
struct KindTraits<ExternalInterface> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const ExternalInterface& v);
  static Result<ExternalInterface> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const ExternalInterface& v);
};

template <>
struct KindTraits<GatewayRoute> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const GatewayRoute& v);
  static Result<GatewayRoute> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const GatewayRoute& v);
};

template <>
struct KindTraits<NatInstance> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const NatInstance& v);
  static Result<NatInstance> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const NatInstance& v);
};

template <>
struct KindTraits<NatExternalAddress> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const NatExternalAddress& v);
  static Result<NatExternalAddress> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const NatExternalAddress& v);
};

template <>
struct KindTraits<NatStaticMapping> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const NatStaticMapping& v);
  static Result<NatStaticMapping> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const NatStaticMapping& v);
};

template <>
struct KindTraits<VpnS2sInterface> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const VpnS2sInterface& v);
  static Result<VpnS2sInterface> fromJson(const ConfigNode& node);
  // With sharedSecret (kSecret: redactSecrets() takes it out of what the API shows).
  static boost::json::object toJson(const VpnS2sInterface& v);
  // A patch that changes the authentication method drops the stored
  // fields of the other (a PSK when certificates come, and back); one that
  // makes the interface persistent drops its idle timeout.
  static void beforePatch(boost::json::object& stored, const boost::json::object& patch);
};

template <>
struct KindTraits<GatewayCluster> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const GatewayCluster& v);
  static Result<GatewayCluster> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const GatewayCluster& v);
};

template <>
struct KindTraits<ClusterMember> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const ClusterMember& v);
  static Result<ClusterMember> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const ClusterMember& v);
};

template <>
struct KindTraits<VmPort> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const VmPort& v);
  static Result<VmPort> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const VmPort& v);
};

template <>
struct KindTraits<GlobalSettings> {
  static const std::string_view kName;
  static const std::string_view kNoun;
  static const bool kSingleton;
  static std::span<const FieldSpec> fields();
  static std::string key(const GlobalSettings& v);
  static Result<GlobalSettings> fromJson(const ConfigNode& node);
  static boost::json::object toJson(const GlobalSettings& v);
};

// Lookup record keys, "VSID/CA/MAC": the whole key, and the prefixes that
// select the records of a VSID or of one CA in it (PolicyState ranges).
std::string lookupRecordKey(Vsid vsid, const IpAddr& ca, const MacAddr& mac);
std::string lookupRecordPrefix(Vsid vsid);
std::string lookupRecordPrefix(Vsid vsid, const IpAddr& ca);

// The key of the single GlobalSettings object.
inline constexpr std::string_view kGlobalKey = "default";

// Names used on the wire.
std::string_view recordTypeName(RecordType t);
std::string_view ruleName(TranslationRule r);
std::string_view paStateName(PaState s);
std::string_view nodeRoleName(NodeRole r);
std::string_view natFilteringName(NatFiltering f);
std::string_view natProtocolName(NatProtocol p);

// Removes the kind's write-only fields (kSecret) from an object the API
// shows (get, list, history, northbound watch).
void redactSecrets(std::string_view kind, boost::json::object& o);

// An error for a field of the request body.
Error fieldError(std::string_view field, std::string what, std::string why, Errc code = Errc::InvalidArgument);

// Checks that `after` keeps every immutable field of `before` (compared as JSON).
template <class T>
Status checkImmutable(const T& before, const T& after);

// A filter value in the canonical spelling of the field's type ("00-15-5D-00-00-01"
// becomes "00:15:5d:00:00:01"); an error names the filter and the reason.
Result<std::string> canonicalFilterValue(const FieldSpec& field, std::string_view text);
// The canonical text of a JSON field value, for comparison with a filter value.
std::string fieldText(const boost::json::value& v);

}  // namespace hnv::policy
