// The kinds on their own: JSON conversions, keys, defaults, field tables,
// immutability, filter spellings, and the change/batch wire formats.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "hnv/policy/change.h"
#include "hnv/policy/kinds.h"
#include "policy_fixture.h"

namespace hnv::policy::testing {
namespace {

using ::testing::HasSubstr;

template <class T>
Result<T> parse(std::string_view text) {
  json::value v = J(text);
  return KindTraits<T>::fromJson(ConfigNode(&v, ""));
}

// fromJson(input) must succeed, toJson must give `canonical` exactly, and
// fromJson(toJson(x)) must give the same JSON and key again.
template <class T>
void roundTrip(std::string_view input, std::string_view canonical, std::string_view key) {
  SCOPED_TRACE(std::string(KindTraits<T>::kName) + " " + std::string(input));
  auto first = parse<T>(input);
  ASSERT_TRUE(first) << describe(first.error());
  json::value out = KindTraits<T>::toJson(*first);
  EXPECT_EQ(json::serialize(out), json::serialize(J(canonical)));
  EXPECT_EQ(KindTraits<T>::key(*first), expand(key));
  auto second = KindTraits<T>::fromJson(ConfigNode(&out, ""));
  ASSERT_TRUE(second) << describe(second.error());
  EXPECT_EQ(json::serialize(KindTraits<T>::toJson(*second)), json::serialize(out));
  EXPECT_EQ(KindTraits<T>::key(*second), KindTraits<T>::key(*first));
  // Every emitted field is in the field table, and every required field is emitted.
  for (const auto& kv : out.as_object()) {
    bool known = false;
    for (const auto& f : KindTraits<T>::fields()) known = known || f.name == kv.key();
    EXPECT_TRUE(known) << kv.key();
  }
  for (const auto& f : KindTraits<T>::fields()) {
    if (f.flags & kRequired) {
      EXPECT_TRUE(out.as_object().contains(f.name)) << f.name;
    }
  }
}

TEST(KindsRoundTrip, RoutingDomain) {
  roundTrip<RoutingDomain>(R"({"rdid":"{AAAAAAAA-0000-4000-8000-00000000000A}","name":"contoso","customerId":"@CU"})",
                           R"({"rdid":"@A","name":"contoso","customerId":"@CU"})", "@A");
  roundTrip<RoutingDomain>(R"({"rdid":"@B"})", R"({"rdid":"@B","name":""})", "@B");
}

TEST(KindsRoundTrip, VirtualSubnet) {
  roundTrip<VirtualSubnet>(R"({"vsid":5001,"rdid":"@A","name":"front","prefixes":["10.0.1.0/24","FD00:1::/64"]})",
                           R"({"vsid":5001,"rdid":"@A","name":"front","prefixes":["10.0.1.0/24","fd00:1::/64"],
          "defaultGateways":["10.0.1.1","fd00:1::1"],"defaultGatewayMac":"02:48:4e:00:13:89"})",
                           "5001");
  roundTrip<VirtualSubnet>(
      R"({"vsid":16777214,"rdid":"@A","prefixes":["10.9.0.0/16"],"defaultGateways":["10.9.255.254"],
          "defaultGatewayMac":"02-AA-BB-CC-DD-EE","multicastGroup":"239.1.1.1","revision":7,"createdRevision":3})",
      R"({"vsid":16777214,"rdid":"@A","name":"","prefixes":["10.9.0.0/16"],"defaultGateways":["10.9.255.254"],
          "defaultGatewayMac":"02:aa:bb:cc:dd:ee","multicastGroup":"239.1.1.1"})",
      "16777214");
  roundTrip<VirtualSubnet>(R"({"vsid":4096,"rdid":"@A"})",
                           R"({"vsid":4096,"rdid":"@A","name":"","prefixes":[],"defaultGateways":[],
                               "defaultGatewayMac":"02:48:4e:00:10:00"})",
                           "4096");
}

TEST(KindsRoundTrip, LookupRecord) {
  roundTrip<LookupRecord>(
      R"({"vsid":5001,"ca":"10.0.1.10","mac":"00-15-5D-00-00-01","pa":"192.168.0.11"})",
      R"({"vsid":5001,"ca":"10.0.1.10","mac":"00:15:5d:00:00:01","pa":"192.168.0.11","type":"Static",
          "rule":"TranslationMethodEncap","context":"","vmName":"","useVmMacAddress":false})",
      "5001/10.0.1.10/00:15:5d:00:00:01");
  roundTrip<LookupRecord>(
      R"({"vsid":5002,"mac":"00:15:5d:00:00:04","pa":"2001:DB8::11","type":"L2Only","rule":"TranslationMethodNone",
          "customerId":"@CU","context":"ctx","vmName":"vm4","useVmMacAddress":true,"unusable":true})",
      R"({"vsid":5002,"ca":"0.0.0.0","mac":"00:15:5d:00:00:04","pa":"2001:db8::11","type":"L2Only",
          "rule":"TranslationMethodNone","customerId":"@CU","context":"ctx","vmName":"vm4","useVmMacAddress":true})",
      "5002/0.0.0.0/00:15:5d:00:00:04");
  roundTrip<LookupRecord>(
      R"({"vsid":6001,"ca":"::","mac":"00:15:5d:ff:00:02","pa":"192.168.0.1","type":"GatewayWildcard"})",
      R"({"vsid":6001,"ca":"::","mac":"00:15:5d:ff:00:02","pa":"192.168.0.1","type":"GatewayWildcard",
          "rule":"TranslationMethodEncap","context":"","vmName":"","useVmMacAddress":false})",
      "6001/::/00:15:5d:ff:00:02");
  roundTrip<LookupRecord>(R"({"vsid":5001,"ca":"fd00:1::10","mac":"00:15:5d:00:00:01","pa":"192.168.0.11",
                              "type":"Dynamic"})",
                          R"({"vsid":5001,"ca":"fd00:1::10","mac":"00:15:5d:00:00:01","pa":"192.168.0.11",
                              "type":"Dynamic","rule":"TranslationMethodEncap","context":"","vmName":"",
                              "useVmMacAddress":false})",
                          "5001/fd00:1::10/00:15:5d:00:00:01");
}

TEST(KindsRoundTrip, CustomerRoute) {
  roundTrip<CustomerRoute>(R"({"rdid":"@A","vsid":5001,"destinationPrefix":"0.0.0.0/0","nextHop":"10.0.1.254"})",
                           R"({"rdid":"@A","vsid":5001,"destinationPrefix":"0.0.0.0/0","nextHop":"10.0.1.254",
                               "metric":0})",
                           "@A/5001/0.0.0.0/0");
  roundTrip<CustomerRoute>(R"({"rdid":"@A","vsid":5002,"destinationPrefix":"fd00:9::/48","metric":4294967295})",
                           R"({"rdid":"@A","vsid":5002,"destinationPrefix":"fd00:9::/48","nextHop":"::",
                               "metric":4294967295})",
                           "@A/5002/fd00:9::/48");
}

TEST(KindsRoundTrip, NodeEntry) {
  roundTrip<NodeEntry>(R"({"name":"host1","role":"host","vsids":[5001,5002]})",
                       R"({"name":"host1","role":"host","description":"","vsids":[5001,5002],"tenants":[]})", "host1");
  roundTrip<NodeEntry>(R"({"name":"gw-1.dc_2","role":"gateway","description":"edge","tenants":["@A","@B"]})",
                       R"({"name":"gw-1.dc_2","role":"gateway","description":"edge","vsids":[],
                           "tenants":["@A","@B"]})",
                       "gw-1.dc_2");
}

TEST(KindsRoundTrip, ProviderAddress) {
  roundTrip<ProviderAddress>(
      R"({"node":"host1","address":"192.168.0.11","interface":"eth0","prefixLength":24,"mac":"00-1D-D8-00-00-11"})",
      R"({"node":"host1","address":"192.168.0.11","interface":"eth0","prefixLength":24,"vlan":0,
          "mac":"00:1d:d8:00:00:11","state":"Preferred","managedByCluster":false})",
      "host1/192.168.0.11");
  roundTrip<ProviderAddress>(
      R"({"node":"gw1","address":"2001:db8::1","interface":"bond0.7","prefixLength":128,"vlan":4094,
          "mac":"00:1d:d8:00:00:01","state":"Deprecated","managedByCluster":true})",
      R"({"node":"gw1","address":"2001:db8::1","interface":"bond0.7","prefixLength":128,"vlan":4094,
          "mac":"00:1d:d8:00:00:01","state":"Deprecated","managedByCluster":true})",
      "gw1/2001:db8::1");
}

TEST(KindsRoundTrip, ProviderRoute) {
  roundTrip<ProviderRoute>(
      R"({"node":"host1","destinationPrefix":"0.0.0.0/0","nextHop":"192.168.0.254","interface":"eth0"})",
      R"({"node":"host1","destinationPrefix":"0.0.0.0/0","nextHop":"192.168.0.254","interface":"eth0","metric":0})",
      "host1/0.0.0.0/0/192.168.0.254");
  roundTrip<ProviderRoute>(
      R"({"node":"host1","destinationPrefix":"2001:db8::/32","nextHop":"::","interface":"eth1","metric":5})",
      R"({"node":"host1","destinationPrefix":"2001:db8::/32","nextHop":"::","interface":"eth1","metric":5})",
      "host1/2001:db8::/32/::");
}

TEST(KindsRoundTrip, GlobalSettings) {
  roundTrip<GlobalSettings>(R"({})", R"({"useExternalRouter":false,"dynamicRecordAgingSeconds":0})", "default");
  roundTrip<GlobalSettings>(R"({"useExternalRouter":true,"dynamicRecordAgingSeconds":600})",
                            R"({"useExternalRouter":true,"dynamicRecordAgingSeconds":600})", "default");
}

TEST(KindsRoundTrip, NatInstance) {
  roundTrip<NatInstance>(R"({"rdid":"@A","externalRdid":"@B"})",
                         R"({"rdid":"@A","externalRdid":"@B","filtering":"endpoint-independent","icmpQueryTimeout":30,
          "tcpEstablishedTimeout":1800,"tcpTransientTimeout":120,"udpIdleTimeout":120,"udpInboundRefresh":false,
          "maxSessions":0})",
                         "@A");
  roundTrip<NatInstance>(R"({"rdid":"@A","externalRdid":"@B","filtering":"address-dependent","icmpQueryTimeout":86400,
          "tcpEstablishedTimeout":604800,"tcpTransientTimeout":1,"udpIdleTimeout":300,"udpInboundRefresh":true,
          "maxSessions":16777216})",
                         R"({"rdid":"@A","externalRdid":"@B","filtering":"address-dependent","icmpQueryTimeout":86400,
          "tcpEstablishedTimeout":604800,"tcpTransientTimeout":1,"udpIdleTimeout":300,"udpInboundRefresh":true,
          "maxSessions":16777216})",
                         "@A");
  auto nat = parse<NatInstance>(R"({"rdid":"@A","externalRdid":"@B","maxSessions":100})");
  ASSERT_TRUE(nat) << describe(nat.error());
  EXPECT_EQ(nat->filtering, NatFiltering::EndpointIndependent);
  EXPECT_EQ(nat->tcpEstablishedTimeout, 1800u);
  EXPECT_EQ(nat->maxSessions, 100u);
}

TEST(KindsRoundTrip, NatExternalAddress) {
  roundTrip<NatExternalAddress>(R"({"rdid":"@A","address":"203.0.113.10"})",
                                R"({"rdid":"@A","address":"203.0.113.10","firstPort":1024,"lastPort":65535})",
                                "@A/203.0.113.10");
  roundTrip<NatExternalAddress>(R"({"rdid":"@A","address":"203.0.113.11","firstPort":5000,"lastPort":5000})",
                                R"({"rdid":"@A","address":"203.0.113.11","firstPort":5000,"lastPort":5000})",
                                "@A/203.0.113.11");
}

TEST(KindsRoundTrip, NatStaticMapping) {
  roundTrip<NatStaticMapping>(
      R"({"rdid":"@A","protocol":"udp","externalAddress":"203.0.113.10","externalPort":53,
          "internalAddress":"10.0.1.10","internalPort":53})",
      R"({"rdid":"@A","protocol":"udp","externalAddress":"203.0.113.10","externalPort":53,
          "internalAddress":"10.0.1.10","internalPort":53})",
      "@A/udp/203.0.113.10/53");
  roundTrip<NatStaticMapping>(
      R"({"rdid":"@A","protocol":"tcp","externalAddress":"203.0.113.10","externalPort":443,
          "internalAddress":"10.0.1.11","internalPort":8443,"remotePrefix":"198.51.100.0/24"})",
      R"({"rdid":"@A","protocol":"tcp","externalAddress":"203.0.113.10","externalPort":443,
          "internalAddress":"10.0.1.11","internalPort":8443,"remotePrefix":"198.51.100.0/24"})",
      "@A/tcp/203.0.113.10/443");
}

TEST(Kinds, TableShape) {
  std::set<std::string_view> names, nouns;
  forEachKind([&](auto k) {
    using T = typename decltype(k)::type;
    SCOPED_TRACE(KindTraits<T>::kName);
    EXPECT_TRUE(names.insert(KindTraits<T>::kName).second);
    EXPECT_TRUE(nouns.insert(KindTraits<T>::kNoun).second);
    std::set<std::string_view> fieldNames;
    for (const auto& f : KindTraits<T>::fields()) {
      EXPECT_TRUE(fieldNames.insert(f.name).second) << f.name;
      EXPECT_FALSE(f.help.empty()) << f.name;
      EXPECT_EQ(f.type == FieldType::Enum, !f.values.empty()) << f.name;
      EXPECT_FALSE((f.flags & kReadOnly) && (f.flags & (kRequired | kImmutable))) << f.name;
    }
    EXPECT_FALSE(fieldNames.contains(kRevisionField));
    EXPECT_EQ(KindTraits<T>::kSingleton, (std::is_same_v<T, GlobalSettings>));
  });
  EXPECT_EQ(names.size(), 17u);
  bool found = withKind("lookup-records",
                        [](auto k) { EXPECT_TRUE((std::is_same_v<typename decltype(k)::type, LookupRecord>)); });
  EXPECT_TRUE(found);
  EXPECT_FALSE(withKind("lookup-record", [](auto) { ADD_FAILURE(); }));
}

TEST(Kinds, EnumNames) {
  EXPECT_EQ(recordTypeName(RecordType::GatewayWildcard), "GatewayWildcard");
  EXPECT_EQ(ruleName(TranslationRule::Encap), "TranslationMethodEncap");
  EXPECT_EQ(paStateName(PaState::Duplicate), "Duplicate");
  EXPECT_EQ(nodeRoleName(NodeRole::Gateway), "gateway");
  EXPECT_EQ(natFilteringName(NatFiltering::AddressDependent), "address-dependent");
  EXPECT_EQ(natProtocolName(NatProtocol::Udp), "udp");
}

TEST(Kinds, CheckImmutable) {
  auto a = parse<LookupRecord>(R"({"vsid":5001,"ca":"10.0.1.10","mac":"00:15:5d:00:00:01","pa":"192.168.0.11"})");
  ASSERT_TRUE(a);
  LookupRecord b = *a;
  b.pa = *IpAddr::parse("192.168.0.12");
  b.vmName = "moved";
  EXPECT_TRUE(checkImmutable(*a, b));
  b.mac = *MacAddr::parse("00:15:5d:00:00:09");
  auto s = checkImmutable(*a, b);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::Conflict);
  EXPECT_EQ(s.error().where, "mac");
  EXPECT_EQ(s.error().what, "00:15:5d:00:00:09");
  EXPECT_THAT(s.error().why, HasSubstr("was 00:15:5d:00:00:01"));
  LookupRecord c = *a;
  c.customerId = *CustomerId::parse(kCustA);
  s = checkImmutable(*a, c);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().where, "customerId");
  EXPECT_THAT(s.error().why, HasSubstr("was unset"));
}

struct FilterCase {
  std::string_view kind;
  std::string_view field;
  std::string_view input;
  std::string_view expected;  // empty: must be refused
};

const FilterCase kFilterCases[] = {
    {"lookup-records", "mac", "00-15-5D-00-00-01", "00:15:5d:00:00:01"},
    {"lookup-records", "mac", "00:15:5d:00:00:01", "00:15:5d:00:00:01"},
    {"lookup-records", "mac", "00155d000001", ""},
    {"lookup-records", "vsid", "5001", "5001"},
    {"lookup-records", "vsid", "005001", "5001"},
    {"lookup-records", "vsid", "-1", ""},
    {"lookup-records", "vsid", "5001x", ""},
    {"lookup-records", "vsid", "", ""},
    {"lookup-records", "vsid", "12345678901", ""},
    {"lookup-records", "ca", "FD00:1:0::10", "fd00:1::10"},
    {"lookup-records", "ca", "10.0.1.10", "10.0.1.10"},
    {"lookup-records", "ca", "10.0.1", ""},
    {"lookup-records", "type", "L2Only", "L2Only"},
    {"lookup-records", "type", "l2only", ""},
    {"lookup-records", "rule", "TranslationMethodNat", "TranslationMethodNat"},
    {"lookup-records", "useVmMacAddress", "true", "true"},
    {"lookup-records", "unusable", "false", "false"},
    {"lookup-records", "unusable", "1", ""},
    {"lookup-records", "customerId", "{C0C0C0C0-0000-4000-8000-0000000000A1}", "c0c0c0c0-0000-4000-8000-0000000000a1"},
    {"lookup-records", "customerId", "not-a-guid", ""},
    {"customer-routes", "destinationPrefix", "0.0.0.0/0", "0.0.0.0/0"},
    {"customer-routes", "destinationPrefix", "FD00::/8", "fd00::/8"},
    {"customer-routes", "destinationPrefix", "10.0.0.1/8", ""},
    {"customer-routes", "metric", "0010", "10"},
    {"virtual-subnets", "prefixes", "10.0.1.0/24", "10.0.1.0/24"},
    {"virtual-subnets", "defaultGateways", "10.0.1.1", "10.0.1.1"},
    {"nodes", "vsids", "5001", "5001"},
    {"nodes", "tenants", "AAAAAAAA-0000-4000-8000-00000000000A", "aaaaaaaa-0000-4000-8000-00000000000a"},
    {"nodes", "role", "gateway", "gateway"},
    {"nodes", "role", "router", ""},
    {"nodes", "name", "Host 1 ?", "Host 1 ?"},
    {"provider-addresses", "state", "Tentative", "Tentative"},
    {"provider-addresses", "managedByCluster", "TRUE", ""},
    {"nat-instances", "filtering", "address-dependent", "address-dependent"},
    {"nat-instances", "filtering", "symmetric", ""},
    {"nat-static-mappings", "protocol", "udp", "udp"},
    {"nat-static-mappings", "protocol", "UDP", ""},
    {"nat-static-mappings", "externalPort", "080", "80"},
    {"nat-external-addresses", "address", "203.0.113", ""},
};

class FilterValue : public ::testing::TestWithParam<FilterCase> {};

TEST_P(FilterValue, Canonical) {
  const auto& c = GetParam();
  bool known = withKind(c.kind, [&](auto k) {
    using T = typename decltype(k)::type;
    const FieldSpec* spec = nullptr;
    for (const auto& f : KindTraits<T>::fields()) spec = f.name == c.field ? &f : spec;
    ASSERT_NE(spec, nullptr) << c.field;
    auto r = canonicalFilterValue(*spec, c.input);
    if (c.expected.empty()) {
      ASSERT_FALSE(r) << *r;
      EXPECT_EQ(r.error().code, Errc::InvalidArgument);
      EXPECT_EQ(r.error().where, c.field);
      EXPECT_EQ(r.error().what, c.input);
      EXPECT_THAT(r.error().why, HasSubstr("filter must be"));
    } else {
      ASSERT_TRUE(r) << describe(r.error());
      EXPECT_EQ(*r, c.expected);
    }
  });
  EXPECT_TRUE(known);
}

INSTANTIATE_TEST_SUITE_P(Kinds, FilterValue, ::testing::ValuesIn(kFilterCases));

TEST(Kinds, FieldText) {
  EXPECT_EQ(fieldText(json::value("abc")), "abc");
  EXPECT_EQ(fieldText(json::value(5001)), "5001");
  EXPECT_EQ(fieldText(json::value(true)), "true");
}

TEST(ChangeFormat, RoundTrip) {
  Change c;
  c.revision = 42;
  c.kind = "lookup-records";
  c.key = kRecWeb1;
  c.op = ChangeOp::Delete;
  c.object = J(R"({"vsid":5001,"revision":41})").as_object();
  json::value v = changeToJson(c);
  EXPECT_EQ(v.as_object().at("op"), "delete");
  auto back = changeFromJson(v);
  ASSERT_TRUE(back) << describe(back.error());
  EXPECT_EQ(back->revision, 42u);
  EXPECT_EQ(back->kind, "lookup-records");
  EXPECT_EQ(back->key, kRecWeb1);
  EXPECT_EQ(back->op, ChangeOp::Delete);
  EXPECT_EQ(back->object, c.object);
  for (auto bad : {R"({"revision":0,"kind":"k","key":"x","op":"put","object":{}})",
                   R"({"revision":1,"kind":"k","key":"x","op":"upsert","object":{}})",
                   R"({"revision":1,"kind":"k","key":"x","op":"put","object":[]})",
                   R"({"revision":1,"kind":"k","key":"x","op":"put","object":{},"extra":1})"}) {
    EXPECT_FALSE(changeFromJson(J(bad))) << bad;
  }
}

TEST(BatchFormat, Parses) {
  auto ops = parseBatch(J(R"({"operations":[
      {"op":"create","kind":"routing-domains","object":{"rdid":"@A"}},
      {"op":"replace","kind":"routing-domains","key":"@A","object":{"rdid":"@A"},"revision":3},
      {"op":"patch","kind":"global","key":"default","object":{"useExternalRouter":true}},
      {"op":"delete","kind":"routing-domains","key":"@A"}]})"),
                        10);
  ASSERT_TRUE(ops) << describe(ops.error());
  ASSERT_EQ(ops->size(), 4u);
  EXPECT_EQ((*ops)[0].verb, Operation::Verb::Create);
  EXPECT_EQ((*ops)[1].verb, Operation::Verb::Replace);
  EXPECT_EQ((*ops)[1].expectedRevision, std::optional<Revision>(3));
  EXPECT_EQ((*ops)[2].verb, Operation::Verb::Patch);
  EXPECT_EQ((*ops)[3].verb, Operation::Verb::Delete);
  EXPECT_EQ((*ops)[3].key, kRdidA);
  EXPECT_FALSE((*ops)[0].expectedRevision);
}

struct BatchCase {
  std::string_view body;
  std::string_view where;
};

TEST(BatchFormat, Refuses) {
  const BatchCase cases[] = {
      {R"([])", ""},
      {R"({"ops":[]})", "ops"},
      {R"({"operations":{}})", "operations"},
      {R"({"operations":[1]})", "operations[0]"},
      {R"({"operations":[{"op":"upsert","kind":"nodes","object":{}}]})", "operations[0].op"},
      {R"({"operations":[{"op":"delete","kind":"nodes"}]})", "operations[0].key"},
      {R"({"operations":[{"op":"replace","kind":"nodes","key":"h"}]})", "operations[0].object"},
      {R"({"operations":[{"op":"create","kind":7,"object":{}}]})", "operations[0].kind"},
      {R"({"operations":[{"op":"create","kind":"nodes","object":{},"revision":-1}]})", "operations[0].revision"},
      {R"({"operations":[{"op":"create","kind":"nodes","object":{},"why":1}]})", "operations[0].why"},
  };
  for (const auto& c : cases) {
    auto r = parseBatch(J(c.body), 2);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().where, c.where) << c.body << " -> " << describe(r.error());
  }
  auto tooMany = parseBatch(J(R"({"operations":[{"op":"delete","kind":"nodes","key":"a"},
                                                {"op":"delete","kind":"nodes","key":"b"},
                                                {"op":"delete","kind":"nodes","key":"c"}]})"),
                            2);
  ASSERT_FALSE(tooMany);
  EXPECT_THAT(tooMany.error().why, HasSubstr("at most 2"));
}

}  // namespace
}  // namespace hnv::policy::testing
