// The OpenAPI 3 document, generated from the route table the server
// dispatches on and from the kinds' field tables, so that it cannot drift
// from either. docs/api/openapi.json is a checked-in copy; a test compares.
#include <boost/json/array.hpp>

#include "hnv/controller/api.h"

namespace hnv::controller {

namespace json = boost::json;
using policy::FieldSpec;
using policy::FieldType;
using policy::KindTraits;

namespace {

// The URL after /v1/<kind>/, one parameter per path segment. Prefixes span
// two segments (address and length).
template <class T>
std::string keyPattern() {
  if constexpr (std::is_same_v<T, policy::RoutingDomain>) return "/{rdid}";
  if constexpr (std::is_same_v<T, policy::VirtualSubnet>) return "/{vsid}";
  if constexpr (std::is_same_v<T, policy::LookupRecord>) return "/{vsid}/{ca}/{mac}";
  if constexpr (std::is_same_v<T, policy::CustomerRoute>) return "/{rdid}/{vsid}/{destinationAddress}/{destinationLength}";
  if constexpr (std::is_same_v<T, policy::NodeEntry>) return "/{name}";
  if constexpr (std::is_same_v<T, policy::ProviderAddress>) return "/{node}/{address}";
  if constexpr (std::is_same_v<T, policy::ProviderRoute>) {
    return "/{node}/{destinationAddress}/{destinationLength}/{nextHop}";
  }
  if constexpr (std::is_same_v<T, policy::ExternalInterface>) return "/{rdid}/{name}";
  if constexpr (std::is_same_v<T, policy::GatewayRoute>) {
    return "/{rdid}/{destinationAddress}/{destinationLength}/{interface}";
  }
  if constexpr (std::is_same_v<T, policy::NatInstance>) return "/{rdid}";
  if constexpr (std::is_same_v<T, policy::NatExternalAddress>) return "/{rdid}/{address}";
  if constexpr (std::is_same_v<T, policy::NatStaticMapping>) {
    return "/{rdid}/{protocol}/{externalAddress}/{externalPort}";
  }
  if constexpr (std::is_same_v<T, policy::VpnS2sInterface>) return "/{rdid}/{name}";
  if constexpr (std::is_same_v<T, policy::GatewayCluster>) return "/{name}";
  if constexpr (std::is_same_v<T, policy::ClusterMember>) return "/{cluster}/{name}";
  if constexpr (std::is_same_v<T, policy::VmPort>) return "/{node}/{port}";
  return "";
}

std::string schemaName(std::string_view kind) {
  std::string out;
  bool upper = true;
  for (char c : kind) {
    if (c == '-') {
      upper = true;
      continue;
    }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return out;
}

json::object fieldSchema(const FieldSpec& f) {
  json::object s;
  auto item = [](json::object o) { return o; };
  switch (f.type) {
    case FieldType::String: s["type"] = "string"; break;
    case FieldType::Uint: s["type"] = "integer"; s["minimum"] = 0; break;
    case FieldType::Bool: s["type"] = "boolean"; break;
    case FieldType::Vsid:
      s["type"] = "integer";
      s["minimum"] = Vsid::kFirstTenant;
      s["maximum"] = Vsid::kLastTenant;
      break;
    case FieldType::Guid: s["type"] = "string"; s["format"] = "uuid"; break;
    case FieldType::Ip: s["type"] = "string"; s["format"] = "ip-address"; break;
    case FieldType::Mac: s["type"] = "string"; s["format"] = "mac-address"; break;
    case FieldType::Prefix: s["type"] = "string"; s["format"] = "ip-prefix"; break;
    case FieldType::Enum: {
      s["type"] = "string";
      json::array values;
      std::string_view v = f.values;
      while (!v.empty()) {
        auto bar = v.find('|');
        values.emplace_back(v.substr(0, bar));
        v = bar == std::string_view::npos ? std::string_view() : v.substr(bar + 1);
      }
      s["enum"] = std::move(values);
      break;
    }
    case FieldType::VsidList: s["type"] = "array"; s["items"] = item({{"type", "integer"}}); break;
    case FieldType::GuidList: s["type"] = "array"; s["items"] = item({{"type", "string"}, {"format", "uuid"}}); break;
    case FieldType::PrefixList: s["type"] = "array"; s["items"] = item({{"type", "string"}, {"format", "ip-prefix"}}); break;
    case FieldType::MetricPrefixList:
      s["type"] = "array";
      s["items"] = item({{"type", "string"}, {"pattern", "^[0-9a-fA-F.:]+/[0-9]+(:[0-9]{1,5})?$"}});
      break;
    case FieldType::IpList: s["type"] = "array"; s["items"] = item({{"type", "string"}, {"format", "ip-address"}}); break;
  }
  s["description"] = f.help;
  if (f.flags & policy::kReadOnly) s["readOnly"] = true;
  if (f.flags & policy::kSecret) s["writeOnly"] = true;
  return s;
}

template <class T>
json::object kindSchema() {
  json::object props;
  json::array required;
  for (const auto& f : KindTraits<T>::fields()) {
    props[f.name] = fieldSchema(f);
    if (f.flags & policy::kRequired) required.emplace_back(f.name);
  }
  props["revision"] = {{"type", "integer"}, {"description", "store revision of the object's last change"}};
  props["createdRevision"] = {{"type", "integer"}, {"readOnly", true}};
  json::object s;
  s["type"] = "object";
  s["additionalProperties"] = false;
  s["properties"] = std::move(props);
  if (!required.empty()) s["required"] = std::move(required);
  return s;
}

json::object operation(const RouteInfo& r, const std::string& schemaRef, const std::vector<std::string>& pathParams) {
  json::object op;
  op["summary"] = r.summary;
  json::array params;
  for (const auto& p : pathParams) {
    params.push_back({{"name", p}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
  }
  if (!params.empty()) op["parameters"] = std::move(params);
  if (!schemaRef.empty() && (r.method == "POST" || r.method == "PUT" || r.method == "PATCH")) {
    op["requestBody"] = {{"required", true},
                         {"content", {{"application/json", {{"schema", {{"$ref", schemaRef}}}}}}}};
  }
  json::object responses;
  responses[r.method == "POST" && !schemaRef.empty() ? "201" : "200"] = {{"description", "success"}};
  responses["4XX"] = {{"description", "error"},
                      {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
  op["responses"] = std::move(responses);
  return op;
}

std::vector<std::string> paramsOf(const std::string& path) {
  std::vector<std::string> out;
  for (std::size_t i = path.find('{'); i != std::string::npos; i = path.find('{', i + 1)) {
    out.push_back(path.substr(i + 1, path.find('}', i) - i - 1));
  }
  return out;
}

}  // namespace

json::value ControllerApi::openApi() const {
  json::object paths;
  json::object schemas;
  auto addOp = [&](const std::string& path, const RouteInfo& r, const std::string& schemaRef) {
    auto& item = paths[path];
    if (!item.is_object()) item = json::object();
    std::string method = r.method;
    for (auto& ch : method) ch = static_cast<char>(ch - 'A' + 'a');
    item.as_object()[method] = operation(r, schemaRef, paramsOf(path));
  };
  for (const auto& r : routeInfo_) {
    if (r.pattern.find("{kind}") == std::string::npos) {
      std::string ref = r.pattern == "/v1/global" ? "#/components/schemas/Global" : "";
      addOp(r.pattern, r, ref);
      continue;
    }
    policy::forEachKind([&](auto k) {
      using T = typename decltype(k)::type;
      if (KindTraits<T>::kSingleton) return;
      std::string path = "/v1/" + std::string(KindTraits<T>::kName);
      if (r.pattern.ends_with("{key}")) path += keyPattern<T>();
      addOp(path, r, "#/components/schemas/" + schemaName(KindTraits<T>::kName));
    });
  }
  policy::forEachKind([&](auto k) {
    using T = typename decltype(k)::type;
    schemas[schemaName(KindTraits<T>::kName)] = kindSchema<T>();
  });
  schemas["Error"] = {
      {"type", "object"},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"properties",
           {{"code", {{"type", "string"}}},
            {"field", {{"type", "string"}}},
            {"value", {{"type", "string"}}},
            {"reason", {{"type", "string"}}}}}}}}}};
  json::object doc;
  doc["openapi"] = "3.0.3";
  doc["info"] = {{"title", "hnv-controller"}, {"version", version_},
                 {"description", "Policy store of hnv-gateway; see docs/api/README.md"}};
  doc["paths"] = std::move(paths);
  doc["components"] = {{"schemas", std::move(schemas)},
                       {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}};
  doc["security"] = json::array{json::object{{"bearer", json::array{}}}};
  return doc;
}

}  // namespace hnv::controller
