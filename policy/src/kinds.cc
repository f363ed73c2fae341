// What all kinds share: enum names, field errors, immutability and filters.
#include "hnv/policy/kinds.h"

#include <boost/json/serialize.hpp>

#include "names.h"
#include "read.h"

namespace hnv::policy {

namespace json = boost::json;

std::string_view recordTypeName(RecordType t) { return detail::enumName(detail::kRecordTypes, t); }
std::string_view ruleName(TranslationRule r) { return detail::enumName(detail::kRules, r); }
std::string_view paStateName(PaState s) { return detail::enumName(detail::kPaStates, s); }
std::string_view nodeRoleName(NodeRole r) { return detail::enumName(detail::kNodeRoles, r); }
std::string_view natFilteringName(NatFiltering f) { return detail::enumName(detail::kNatFilterings, f); }
std::string_view natProtocolName(NatProtocol p) { return detail::enumName(detail::kNatProtocols, p); }

Error fieldError(std::string_view field, std::string what, std::string why, Errc code) {
  return makeError(code, std::string(field), std::move(what), std::move(why));
}

std::string lookupRecordPrefix(Vsid vsid) { return vsid.toString() + "/"; }

std::string lookupRecordPrefix(Vsid vsid, const IpAddr& ca) { return lookupRecordPrefix(vsid) + ca.toString() + "/"; }

std::string lookupRecordKey(Vsid vsid, const IpAddr& ca, const MacAddr& mac) {
  return lookupRecordPrefix(vsid, ca) + mac.toString();
}

std::string fieldText(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return json::serialize(v);
}

template <class T>
Status checkImmutable(const T& before, const T& after) {
  auto a = KindTraits<T>::toJson(before);
  auto b = KindTraits<T>::toJson(after);
  for (const auto& f : KindTraits<T>::fields()) {
    if ((f.flags & kImmutable) == 0) continue;
    const auto* x = a.if_contains(f.name);
    const auto* y = b.if_contains(f.name);
    bool same = (x == nullptr && y == nullptr) || (x != nullptr && y != nullptr && *x == *y);
    if (!same) {
      return fieldError(f.name, y != nullptr ? fieldText(*y) : "",
                        "is immutable (was " + (x != nullptr ? fieldText(*x) : std::string("unset")) +
                            "); remove the " + std::string(KindTraits<T>::kNoun) + " and create a new one",
                        Errc::Conflict);
    }
  }
  return okStatus();
}

// One instantiation per kind, so that the template can live in this file.
template Status checkImmutable<RoutingDomain>(const RoutingDomain&, const RoutingDomain&);
template Status checkImmutable<VirtualSubnet>(const VirtualSubnet&, const VirtualSubnet&);
template Status checkImmutable<LookupRecord>(const LookupRecord&, const LookupRecord&);
template Status checkImmutable<CustomerRoute>(const CustomerRoute&, const CustomerRoute&);
template Status checkImmutable<NodeEntry>(const NodeEntry&, const NodeEntry&);
template Status checkImmutable<ProviderAddress>(const ProviderAddress&, const ProviderAddress&);
template Status checkImmutable<ProviderRoute>(const ProviderRoute&, const ProviderRoute&);
template Status checkImmutable<GlobalSettings>(const GlobalSettings&, const GlobalSettings&);
template Status checkImmutable<ExternalInterface>(const ExternalInterface&, const ExternalInterface&);
template Status checkImmutable<NatInstance>(const NatInstance&, const NatInstance&);
template Status checkImmutable<NatExternalAddress>(const NatExternalAddress&, const NatExternalAddress&);
template Status checkImmutable<NatStaticMapping>(const NatStaticMapping&, const NatStaticMapping&);
template Status checkImmutable<GatewayRoute>(const GatewayRoute&, const GatewayRoute&);
template Status checkImmutable<VpnS2sInterface>(const VpnS2sInterface&, const VpnS2sInterface&);
template Status checkImmutable<GatewayCluster>(const GatewayCluster&, const GatewayCluster&);
template Status checkImmutable<ClusterMember>(const ClusterMember&, const ClusterMember&);
template Status checkImmutable<VmPort>(const VmPort&, const VmPort&);

void redactSecrets(std::string_view kind, boost::json::object& o) {
  withKind(kind, [&](auto k) {
    using T = typename decltype(k)::type;
    for (const auto& f : KindTraits<T>::fields()) {
      if ((f.flags & kSecret) != 0) o.erase(f.name);
    }
  });
}

Result<std::string> canonicalFilterValue(const FieldSpec& field, std::string_view text) {
  std::string name(field.name);
  auto bad = [&](std::string why) { return fieldError(name, std::string(text), std::move(why)); };
  switch (field.type) {
    case FieldType::Vsid:
    case FieldType::VsidList:
    case FieldType::Uint: {
      if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string_view::npos) {
        return bad("filter must be a whole number");
      }
      return std::to_string(std::stoull(std::string(text)));
    }
    case FieldType::Bool:
      if (text != "true" && text != "false") return bad("filter must be true or false");
      return std::string(text);
    case FieldType::Guid:
    case FieldType::GuidList: {
      auto g = Guid::parse(text);
      if (!g) return bad("filter must be a GUID");
      return g->toString();
    }
    case FieldType::Ip:
    case FieldType::IpList: {
      auto a = IpAddr::parse(text);
      if (!a) return bad("filter must be an IP address");
      return a->toString();
    }
    case FieldType::Mac: {
      auto m = MacAddr::parse(text);
      if (!m) return bad("filter must be a MAC address");
      return m->toString();
    }
    case FieldType::Prefix:
    case FieldType::PrefixList:
    case FieldType::MetricPrefixList: {  // matches the prefix, whatever its metric
      auto p = Prefix::parse(text);
      if (!p) return bad("filter must be a prefix like 10.0.1.0/24");
      return p->toString();
    }
    case FieldType::Enum: {
      std::string_view values = field.values;
      while (!values.empty()) {
        auto bar = values.find('|');
        auto v = values.substr(0, bar);
        if (v == text) return std::string(text);
        values = bar == std::string_view::npos ? std::string_view() : values.substr(bar + 1);
      }
      std::string all(field.values);
      for (auto& c : all) c = c == '|' ? ',' : c;
      return bad("filter must be one of " + all);
    }
    case FieldType::String:
      return std::string(text);
  }
  return bad("cannot filter on this field");
}

}  // namespace hnv::policy
