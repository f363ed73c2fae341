// Shared helpers of the policy unit tests: JSON bodies with placeholders for
// the test GUIDs, operation builders, and a fixture that owns a MemoryStore
// and a PolicyEngine and can build a typical two-tenant topology through the
// engine's own write path.
//
// exampleOf/with give a valid body of each kind and variations of it.
//
// The typical topology (buildTypical):
//   routing domain A (contoso, customer CU): VSID 5001 10.0.1.0/24 + fd00:1::/64,
//                                            VSID 5002 10.0.2.0/24 + fd00:2::/64
//   routing domain B (fabrikam):             VSID 6001 10.0.1.0/24 (overlaps A on purpose)
//   nodes: host1 (PA 192.168.0.11), host2 (PA 192.168.0.12), gw1 (gateway, PA 192.168.0.1, tenants [A])
//   records: see kRec* below; customer route A/5001/0.0.0.0/0 via the gateway CA 10.0.1.254
#pragma once

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hnv/policy/engine.h"
#include "memory_store.h"

namespace hnv::policy::testing {

namespace json = boost::json;

// --- names ---
inline constexpr std::string_view kRd = "routing-domains";
inline constexpr std::string_view kVs = "virtual-subnets";
inline constexpr std::string_view kLr = "lookup-records";
inline constexpr std::string_view kCr = "customer-routes";
inline constexpr std::string_view kNode = "nodes";
inline constexpr std::string_view kPa = "provider-addresses";
inline constexpr std::string_view kPr = "provider-routes";
inline constexpr std::string_view kGlobal = "global";
inline constexpr std::string_view kXi = "external-interfaces";
inline constexpr std::string_view kGr = "gateway-routes";
inline constexpr std::string_view kNi = "nat-instances";
inline constexpr std::string_view kNa = "nat-external-addresses";
inline constexpr std::string_view kNm = "nat-static-mappings";
inline constexpr std::string_view kVpn = "vpn-s2s-interfaces";

inline constexpr std::string_view kRdidA = "aaaaaaaa-0000-4000-8000-00000000000a";
inline constexpr std::string_view kRdidB = "bbbbbbbb-0000-4000-8000-00000000000b";
inline constexpr std::string_view kRdidX = "eeeeeeee-0000-4000-8000-00000000000e";  // never created
inline constexpr std::string_view kCustA = "c0c0c0c0-0000-4000-8000-0000000000a1";

// Keys of the typical topology.
inline const std::string kRecWeb1 = "5001/10.0.1.10/00:15:5d:00:00:01";     // A, host1
inline const std::string kRecWeb1v6 = "5001/fd00:1::10/00:15:5d:00:00:01";  // A, host1
inline const std::string kRecWeb2 = "5001/10.0.1.11/00:15:5d:00:00:02";     // A, host2
inline const std::string kRecDb1 = "5002/10.0.2.10/00:15:5d:00:00:03";      // A, host1
inline const std::string kRecDb1v6 = "5002/fd00:2::10/00:15:5d:00:00:03";   // A, host1
inline const std::string kRecL2 = "5002/0.0.0.0/00:15:5d:00:00:04";         // A, host1, L2Only
inline const std::string kRecGwA = "5001/10.0.1.254/00:15:5d:ff:00:01";     // A, gw1
inline const std::string kRecB1 = "6001/10.0.1.10/00:15:5d:00:01:01";       // B, host2
inline const std::string kRecB2 = "6001/10.0.1.20/00:15:5d:00:01:02";       // B, host2
inline const std::string kRecWildB = "6001/0.0.0.0/00:15:5d:ff:00:02";      // B, gw1, GatewayWildcard
inline const std::string kRouteDefaultA = std::string(kRdidA) + "/5001/0.0.0.0/0";

// Replaces @A, @B, @X (missing domain) and @CU by the test GUIDs.
inline std::string expand(std::string_view text) {
  std::string s(text);
  const std::pair<std::string_view, std::string_view> subst[] = {
      {"@CU", kCustA}, {"@A", kRdidA}, {"@B", kRdidB}, {"@X", kRdidX}};
  for (const auto& [from, to] : subst) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
      s.replace(pos, from.size(), to);
    }
  }
  return s;
}

inline json::value J(std::string_view text) { return json::parse(expand(text)); }

inline Operation createOp(std::string_view kind, std::string_view body) {
  return {Operation::Verb::Create, std::string(kind), "", J(body), std::nullopt};
}
inline Operation replaceOp(std::string_view kind, std::string_view key, std::string_view body) {
  return {Operation::Verb::Replace, std::string(kind), expand(key), J(body), std::nullopt};
}
inline Operation patchOp(std::string_view kind, std::string_view key, std::string_view body) {
  return {Operation::Verb::Patch, std::string(kind), expand(key), J(body), std::nullopt};
}
inline Operation deleteOp(std::string_view kind, std::string_view key) {
  return {Operation::Verb::Delete, std::string(kind), expand(key), {}, std::nullopt};
}
inline Operation withRevision(Operation op, Revision r) {
  op.expectedRevision = r;
  return op;
}

// A valid body of each kind that the typical topology does not hold yet.
inline std::string_view exampleOf(std::string_view kind) {
  if (kind == kRd) return R"({"rdid":"@X"})";
  if (kind == kVs) return R"({"vsid":5003,"rdid":"@A","prefixes":["10.0.3.0/24"]})";
  if (kind == kLr) return R"({"vsid":5001,"ca":"10.0.1.12","mac":"00:15:5d:00:00:09","pa":"192.168.0.11"})";
  if (kind == kCr) return R"({"rdid":"@A","vsid":5001,"destinationPrefix":"172.16.0.0/16","nextHop":"10.0.1.254"})";
  if (kind == kNode) return R"({"name":"host3","role":"host"})";
  if (kind == kPa) {
    return R"({"node":"host1","address":"192.168.0.21","interface":"eth0","prefixLength":24,"mac":"00:1d:d8:00:00:21"})";
  }
  if (kind == kPr) {
    return R"({"node":"host1","destinationPrefix":"10.10.0.0/16","nextHop":"192.168.0.254","interface":"eth0"})";
  }
  if (kind == kXi) {
    return R"({"rdid":"@A","name":"ext-a","node":"gw1","port":"ext0","vlan":100,"address":"198.51.100.1","prefixLength":24})";
  }
  if (kind == kGr) {
    return R"({"rdid":"@A","destinationPrefix":"203.0.113.0/24","interface":"ext-a","nextHop":"198.51.100.254"})";
  }
  // NAT: A translated into B (B must be placed on gw1 beside A first).
  if (kind == kNi) return R"({"rdid":"@A","externalRdid":"@B"})";
  if (kind == kNa) return R"({"rdid":"@A","address":"203.0.113.10"})";
  if (kind == kNm) {
    return R"({"rdid":"@A","protocol":"tcp","externalAddress":"203.0.113.10","externalPort":80,)"
           R"("internalAddress":"10.0.1.10","internalPort":8080})";
  }
  // VPN: A's tunnel with B as its outside (B placed on gw1 beside A first).
  if (kind == kVpn) {
    return R"({"rdid":"@A","name":"site-a","node":"gw1","externalRdid":"@B","localAddress":"203.0.113.5",)"
           R"("destination":"198.51.100.2","sharedSecret":"correct horse battery staple",)"
           R"("localPrefixes":["10.0.1.0/24"],"remotePrefixes":["172.16.1.0/24"]})";
  }
  return "{}";
}
// The example with `fields` (members of a JSON object, without braces) set; null removes a field.
inline std::string with(std::string_view kind, std::string_view fields) {
  json::object o = json::parse(exampleOf(kind)).as_object();
  const json::value set = json::parse("{" + std::string(fields) + "}");
  for (const auto& kv : set.as_object()) {
    if (kv.value().is_null()) {
      o.erase(kv.key());
    } else {
      o[kv.key()] = kv.value();
    }
  }
  return json::serialize(o);
}

inline std::string describe(const Error& e) { return std::string(errcName(e.code)) + " [" + e.message() + "]"; }

inline Access tenantA() { return Access::tenant({*Rdid::parse(kRdidA)}); }
inline Access tenantB() { return Access::tenant({*Rdid::parse(kRdidB)}); }

class PolicyFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = engine.open();
    ASSERT_TRUE(s) << describe(s.error());
  }

  Result<std::vector<Change>> run(const Operation& op, const Access& access = Access::admin()) {
    return engine.apply(std::span<const Operation>(&op, 1), access);
  }
  Result<std::vector<Change>> runBatch(const std::vector<Operation>& ops, const Access& access = Access::admin()) {
    return engine.apply(ops, access);
  }

  // Applies one operation that must succeed; returns the revision it made (0 on failure).
  Revision must(const Operation& op, const Access& access = Access::admin()) {
    auto r = run(op, access);
    if (!r) {
      ADD_FAILURE() << op.kind << " " << op.key << ": " << describe(r.error());
      return 0;
    }
    return r->empty() ? 0 : r->back().revision;
  }
  Revision add(std::string_view kind, std::string_view body) { return must(createOp(kind, body)); }

  void addDomain(std::string_view rdid, std::string_view name) {
    add(kRd, R"({"rdid":")" + std::string(rdid) + R"(","name":")" + std::string(name) + R"("})");
  }
  void addSubnet(unsigned vsid, std::string_view rdid, std::string_view prefixes) {
    add(kVs, R"({"vsid":)" + std::to_string(vsid) + R"(,"rdid":")" + std::string(rdid) + R"(","prefixes":)" +
                 std::string(prefixes) + "}");
  }
  void addRecord(unsigned vsid, std::string_view ca, std::string_view mac, std::string_view pa,
                 std::string_view type = "Static") {
    add(kLr, R"({"vsid":)" + std::to_string(vsid) + R"(,"ca":")" + std::string(ca) + R"(","mac":")" + std::string(mac) +
                 R"(","pa":")" + std::string(pa) + R"(","type":")" + std::string(type) + R"("})");
  }
  void addRoute(std::string_view rdid, unsigned vsid, std::string_view dest, std::string_view nextHop,
                unsigned metric = 0) {
    add(kCr, R"({"rdid":")" + std::string(rdid) + R"(","vsid":)" + std::to_string(vsid) + R"(,"destinationPrefix":")" +
                 std::string(dest) + R"(","nextHop":")" + std::string(nextHop) + R"(","metric":)" +
                 std::to_string(metric) + "}");
  }
  void addNode(std::string_view name, std::string_view role, std::string_view extra = "") {
    add(kNode, R"({"name":")" + std::string(name) + R"(","role":")" + std::string(role) + "\"" +
                   (extra.empty() ? "" : "," + std::string(extra)) + "}");
  }
  void addPa(std::string_view node, std::string_view address, std::string_view mac, bool cluster = false) {
    add(kPa, R"({"node":")" + std::string(node) + R"(","address":")" + std::string(address) +
                 R"(","interface":"eth0","prefixLength":24,"mac":")" + std::string(mac) + R"(","managedByCluster":)" +
                 (cluster ? "true" : "false") + "}");
  }
  void setGlobal(bool useExternalRouter) {
    must(patchOp(kGlobal, "", useExternalRouter ? R"({"useExternalRouter":true})" : R"({"useExternalRouter":false})"));
  }

  void buildTypical() {
    add(kRd, R"({"rdid":"@A","name":"contoso","customerId":"@CU"})");
    addDomain(kRdidB, "fabrikam");
    addSubnet(5001, kRdidA, R"(["10.0.1.0/24","fd00:1::/64"])");
    addSubnet(5002, kRdidA, R"(["10.0.2.0/24","fd00:2::/64"])");
    addSubnet(6001, kRdidB, R"(["10.0.1.0/24"])");
    addNode("host1", "host");
    addNode("host2", "host");
    addNode("gw1", "gateway", R"("tenants":["@A"])");
    addPa("host1", "192.168.0.11", "00:1d:d8:00:00:11");
    addPa("host2", "192.168.0.12", "00:1d:d8:00:00:12");
    addPa("gw1", "192.168.0.1", "00:1d:d8:00:00:01");
    add(kPr, R"({"node":"host1","destinationPrefix":"0.0.0.0/0","nextHop":"192.168.0.254","interface":"eth0"})");
    addRecord(5001, "10.0.1.10", "00:15:5d:00:00:01", "192.168.0.11");
    addRecord(5001, "fd00:1::10", "00:15:5d:00:00:01", "192.168.0.11");
    addRecord(5001, "10.0.1.11", "00:15:5d:00:00:02", "192.168.0.12");
    addRecord(5002, "10.0.2.10", "00:15:5d:00:00:03", "192.168.0.11");
    addRecord(5002, "fd00:2::10", "00:15:5d:00:00:03", "192.168.0.11");
    addRecord(5002, "0.0.0.0", "00:15:5d:00:00:04", "192.168.0.11", "L2Only");
    addRecord(5001, "10.0.1.254", "00:15:5d:ff:00:01", "192.168.0.1");
    addRecord(6001, "10.0.1.10", "00:15:5d:00:01:01", "192.168.0.12");
    addRecord(6001, "10.0.1.20", "00:15:5d:00:01:02", "192.168.0.12");
    addRecord(6001, "0.0.0.0", "00:15:5d:ff:00:02", "192.168.0.1", "GatewayWildcard");
    addRoute(kRdidA, 5001, "0.0.0.0/0", "10.0.1.254");
  }
  static constexpr std::size_t kTypicalObjects = 23;

  // The node's desired state (GET /v1/nodes/{name}/desired-state).
  json::object desired(std::string_view node) {
    auto r = engine.desiredState(node);
    if (!r) {
      ADD_FAILURE() << describe(r.error());
      return {};
    }
    return *r;
  }
  json::object get(std::string_view kind, std::string_view key, const Access& access = Access::admin()) {
    auto r = engine.get(kind, expand(key), access);
    if (!r) {
      ADD_FAILURE() << "get " << kind << " " << key << ": " << describe(r.error());
      return {};
    }
    return *r;
  }
  json::array list(std::string_view kind, const std::map<std::string, std::string>& filters = {},
                   const Access& access = Access::admin()) {
    auto r = engine.list(kind, filters, access);
    if (!r) {
      ADD_FAILURE() << "list " << kind << ": " << describe(r.error());
      return {};
    }
    return *r;
  }
  // The keys of a list, in order, for readable comparisons.
  template <class T>
  std::vector<std::string> keysOf(const json::array& items) {
    std::vector<std::string> out;
    for (const auto& v : items) {
      auto obj = KindTraits<T>::fromJson(ConfigNode(&v, ""));
      out.push_back(obj ? KindTraits<T>::key(*obj) : "<invalid: " + obj.error().message() + ">");
    }
    return out;
  }
  // Everything an administrator can list, as one string.
  std::string snapshot() {
    std::string out;
    forEachKind([&](auto k) {
      using T = typename decltype(k)::type;
      out += std::string(KindTraits<T>::kName) + "=" + json::serialize(list(KindTraits<T>::kName)) + "\n";
    });
    out += "global=" + json::serialize(get(kGlobal, "")) + "\n";
    return out;
  }

  MemoryStore store;
  PolicyEngine engine{store};
};

// The typical topology with tenants A and B both placed on gateway gw1
// (NAT translates A into B; A's tunnels have B as their outside).
class GatewayFixture : public PolicyFixture {
 protected:
  void SetUp() override {
    PolicyFixture::SetUp();
    buildTypical();
    must(patchOp(kNode, "gw1", R"({"tenants":["@A","@B"]})"));
    ASSERT_FALSE(HasFailure());
  }
};

}  // namespace hnv::policy::testing
