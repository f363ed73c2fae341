// Bad writes, table-driven per object family, against the typical topology.
// Every case states the error code, the exact `where` and a piece of `why`,
// and every case must leave the engine exactly as it was: same revision, same
// object count, same lists, and no commit offered to the store.
#include "bad_input.h"

namespace hnv::policy::testing {
namespace {

using enum Errc;

// --- routing domains ---
std::vector<BadCase> routingDomainCases() {
  return {
      {"body_array", C(kRd, "[]"), Bad, "body", "must be a JSON object"},
      {"body_string", C(kRd, R"("x")"), Bad, "body", "must be a JSON object"},
      {"body_null", C(kRd, "null"), Bad, "body", "must be a JSON object"},
      {"rdid_missing", New(kRd, R"("rdid":null,"name":"n")"), Bad, "rdid", "is required"},
      {"rdid_number", New(kRd, R"("rdid":5)"), Bad, "rdid", "must be a string, not a number"},
      {"rdid_short", New(kRd, R"("rdid":"aaaa")"), Bad, "rdid", "must be a GUID like"},
      {"rdid_bad_hex", New(kRd, R"("rdid":"gggggggg-0000-4000-8000-00000000000a")"), Bad, "rdid", "GUID"},
      {"rdid_space", New(kRd, R"("rdid":"@X ")"), Bad, "rdid", "must be a GUID like"},
      {"rdid_nil", New(kRd, "\"rdid\":\"" + kNil + "\""), Bad, "rdid", "must not be the nil GUID"},
      {"rdid_nil_braced", New(kRd, "\"rdid\":\"{" + kNil + "}\""), Bad, "rdid", "nil GUID"},
      {"name_number", New(kRd, R"("name":7)"), Bad, "name", "must be a string"},
      {"name_too_long", New(kRd, longText("name", 257)), Bad, "name", "longer than 256 bytes"},
      {"name_control", New(kRd, R"("name":"a\u0001b")"), Bad, "name", "control characters"},
      {"customer_bad", New(kRd, R"("customerId":"x")"), Bad, "customerId", "GUID"},
      {"customer_nil", New(kRd, "\"customerId\":\"" + kNil + "\""), Bad, "customerId", "nil GUID"},
      {"unknown_field", New(kRd, R"("vsid":5001)"), Bad, "vsid", "unknown field"},
      {"unknown_field_case", New(kRd, R"("rdid":null,"RDID":"@X")"), Bad, "RDID", "unknown field"},
      {"duplicate", New(kRd, R"("rdid":"@A")"), Exists, "", "with this key exists"},
      {"duplicate_other_spelling", New(kRd, R"("rdid":"{AAAAAAAA-0000-4000-8000-00000000000A}")"), Exists, "",
       "exists"},
      {"replace_changes_rdid", R(kRd, "@A", R"({"rdid":"@X"})"), Conflict, "rdid", "is immutable"},
      {"patch_changes_rdid", P(kRd, "@A", R"({"rdid":"@B"})"), Conflict, "rdid", "is immutable"},
      {"replace_missing", R(kRd, "@X", R"({"rdid":"@X"})"), NotFound, "", "no such routing-domain"},
      {"patch_missing", P(kRd, "@X", "{}"), NotFound, "", "no such routing-domain"},
      {"delete_missing", D(kRd, "@X"), NotFound, "", "no such routing-domain"},
      {"delete_with_subnet", D(kRd, "@B"), Conflict, "", "virtual subnet 6001 still belongs to it"},
      {"delete_placed_on_gateway", Batch({New(kRd, ""), P(kNode, "gw1", R"({"tenants":["@A","@X"]})"), D(kRd, "@X")}),
       Conflict, "operations[2]", "still placed on gateway gw1"},
      {"stale_revision_body", R(kRd, "@A", R"({"rdid":"@A","customerId":"@CU","revision":2})"), Conflict, "revision",
       "changed since (now at revision 1)"},
      {"stale_revision_op", Rev(P(kRd, "@A", R"({"name":"y"})"), 5), Conflict, "revision", "changed since"},
      {"stale_revision_delete", Rev(D(kRd, "@B"), 9), Conflict, "revision", "changed since (now at revision 2)"},
      {"revision_negative", P(kRd, "@A", R"({"revision":-1})"), Bad, "revision", "a whole number"},
      {"revision_string", P(kRd, "@A", R"({"revision":"1"})"), Bad, "revision", "a whole number"},
      {"patch_name_array", P(kRd, "@A", R"({"name":[]})"), Bad, "name", "not an array"},
      {"patch_body_array", P(kRd, "@A", "[1]"), Bad, "body", "must be a JSON object"},
      {"tenant_creates_other", New(kRd, R"("rdid":"@B")"), Denied, "", "does not own", kTenantA},
      {"tenant_creates_unowned", New(kRd, ""), Denied, "", "does not own", kTenantA},
      {"tenant_patches_other", P(kRd, "@B", R"({"name":"mine"})"), NotFound, "", "no such", kTenantA},
      {"tenant_deletes_other", D(kRd, "@B"), NotFound, "", "no such", kTenantA},
      {"node_token", New(kRd, ""), Denied, "", "node tokens", kNodeHost1},
      {"unknown_kind", C("routing-domain", R"({"rdid":"@X"})"), NotFound, "kind", "is not a kind"},
  };
}

// --- virtual subnets ---
std::vector<BadCase> virtualSubnetCases() {
  std::string seventeen;
  for (int i = 0; i < 17; ++i) seventeen += std::string(i ? "," : "") + "\"10.3." + std::to_string(i) + ".0/24\"";
  return {
      {"vsid_0", New(kVs, R"("vsid":0)"), Bad, "vsid", "range from 4096 to 16777214"},
      {"vsid_4095", New(kVs, R"("vsid":4095)"), Bad, "vsid", "range from 4096 to 16777214"},
      {"vsid_16777215", New(kVs, R"("vsid":16777215)"), Bad, "vsid", "range from 4096 to 16777214"},
      {"vsid_2pow24", New(kVs, R"("vsid":16777216)"), Bad, "vsid", "range from 4096 to 16777214"},
      {"vsid_negative", New(kVs, R"("vsid":-1)"), Bad, "vsid", "must be a whole number"},
      {"vsid_fraction", New(kVs, R"("vsid":1.5)"), Bad, "vsid", "must be a whole number"},
      {"vsid_string", New(kVs, R"("vsid":"5001")"), Bad, "vsid", "not a string"},
      {"vsid_missing", New(kVs, R"("vsid":null)"), Bad, "vsid", "is required"},
      {"rdid_missing", New(kVs, R"("rdid":null)"), Bad, "rdid", "is required"},
      {"rdid_bad", New(kVs, R"("rdid":"@A-1")"), Bad, "rdid", "GUID"},
      {"rdid_nil", New(kVs, "\"rdid\":\"" + kNil + "\""), Bad, "rdid", "nil GUID"},
      {"rdid_unknown", New(kVs, R"("rdid":"@X")"), Bad, "rdid", "names a routing domain that does not exist"},
      {"prefix_host_bits", New(kVs, R"("prefixes":["10.0.3.1/24"])"), Bad, "prefixes[0]", "host bits are set"},
      {"prefix_33", New(kVs, R"("prefixes":["10.0.3.0/33"])"), Bad, "prefixes[0]", "exceeds 32"},
      {"prefix_v6_129", New(kVs, R"("prefixes":["fd00:3::/129"])"), Bad, "prefixes[0]", "exceeds 128"},
      {"prefix_no_length", New(kVs, R"("prefixes":["10.0.3.0"])"), Bad, "prefixes[0]", "with a length"},
      {"prefix_bad_length", New(kVs, R"("prefixes":["10.0.3.0/x"])"), Bad, "prefixes[0]", "not a number"},
      {"prefix_bad_address", New(kVs, R"("prefixes":["10.0.3/24"])"), Bad, "prefixes[0]", "not an IPv4 address"},
      {"prefix_number", New(kVs, R"("prefixes":[5])"), Bad, "prefixes[0]", "must be a string"},
      {"prefix_too_small", New(kVs, R"("prefixes":["10.0.3.0/31"])"), Bad, "prefixes[0]", "leaves no room"},
      {"prefix_overlaps_own", New(kVs, R"("prefixes":["10.0.3.0/24","10.0.3.128/25"])"), Bad, "prefixes[1]",
       "overlaps 10.0.3.0/24"},
      {"prefix_overlaps_domain", New(kVs, R"("prefixes":["10.0.1.0/25"])"), Bad, "prefixes",
       "overlaps 10.0.1.0/24 of virtual subnet 5001"},
      {"prefixes_not_array", New(kVs, R"("prefixes":"10.0.3.0/24")"), Bad, "prefixes", "must be an array"},
      {"prefixes_17", New(kVs, "\"prefixes\":[" + seventeen + "]"), Bad, "prefixes", "at most 16 prefixes"},
      {"gateway_outside", New(kVs, R"("defaultGateways":["10.0.9.1"])"), Bad, "defaultGateways[0]", "lies in none"},
      {"gateway_network", New(kVs, R"("defaultGateways":["10.0.3.0"])"), Bad, "defaultGateways[0]", "network or"},
      {"gateway_broadcast", New(kVs, R"("defaultGateways":["10.0.3.255"])"), Bad, "defaultGateways[0]", "broadcast"},
      {"gateway_second", New(kVs, R"("defaultGateways":["10.0.3.1","10.0.3.2"])"), Bad, "defaultGateways[1]",
       "second gateway"},
      {"gateway_bad_ip", New(kVs, R"("defaultGateways":["10.0.3"])"), Bad, "defaultGateways[0]", "IPv4 or IPv6"},
      {"gateway_mac_multicast", New(kVs, R"("defaultGatewayMac":"01:00:5e:00:00:01")"), Bad, "defaultGatewayMac",
       "unicast, non-zero"},
      {"gateway_mac_bad", New(kVs, R"("defaultGatewayMac":"00:15:5d")"), Bad, "defaultGatewayMac", "MAC address"},
      {"multicast_group_unicast", New(kVs, R"("multicastGroup":"10.0.0.1")"), Bad, "multicastGroup", "multicast"},
      {"unknown_field", New(kVs, R"("vlan":5)"), Bad, "vlan", "unknown field"},
      {"duplicate", New(kVs, R"("vsid":5001)"), Exists, "", "with this key exists"},
      {"duplicate_in_other_domain", New(kVs, R"("vsid":6001)"), Exists, "", "exists"},
      {"replace_changes_rdid", R(kVs, "5001", R"({"vsid":5001,"rdid":"@B","prefixes":["10.0.1.0/24","fd00:1::/64"]})"),
       Conflict, "rdid", "is immutable"},
      {"patch_changes_vsid", P(kVs, "5001", R"({"vsid":5009})"), Conflict, "vsid", "is immutable (was 5001)"},
      {"patch_strands_record", P(kVs, "5001", R"({"prefixes":["10.0.1.0/25","fd00:1::/64"]})"), Bad, "prefixes",
       "would leave lookup record 5001/10.0.1.254/00:15:5d:ff:00:01 outside every prefix"},
      {"delete_with_records", D(kVs, "5001"), Conflict, "", "lookup record 5001/10.0.1.10/00:15:5d:00:00:01"},
      {"delete_with_route",
       Batch(
           {New(kVs, ""), C(kCr, R"({"rdid":"@A","vsid":5003,"destinationPrefix":"172.16.0.0/16"})"), D(kVs, "5003")}),
       Conflict, "operations[2]", "customer route"},
      {"delete_named_by_node", Batch({New(kVs, ""), P(kNode, "host1", R"({"vsids":[5003]})"), D(kVs, "5003")}),
       Conflict, "operations[2]", "node host1 still refers to it"},
      {"stale_revision", P(kVs, "5001", R"({"name":"x","revision":1})"), Conflict, "revision", "now at revision 3"},
      {"tenant_creates_in_other", New(kVs, R"("rdid":"@B")"), Denied, "", "does not own", kTenantA},
      {"tenant_patches_other", P(kVs, "6001", R"({"name":"x"})"), NotFound, "", "no such virtual-subnet", kTenantA},
      {"tenant_moves_own", P(kVs, "5001", R"({"rdid":"@B"})"), Conflict, "rdid", "is immutable", kTenantA},
  };
}

// --- lookup records ---
std::vector<BadCase> lookupRecordCases() {
  const std::string web1 = with(kLr, R"("ca":"10.0.1.10")");  // mac differs from kRecWeb1's
  return {
      {"vsid_0", New(kLr, R"("vsid":0)"), Bad, "vsid", "range from 4096"},
      {"vsid_4095", New(kLr, R"("vsid":4095)"), Bad, "vsid", "range from 4096"},
      {"vsid_16777215", New(kLr, R"("vsid":16777215)"), Bad, "vsid", "range from 4096"},
      {"vsid_2pow24", New(kLr, R"("vsid":16777216)"), Bad, "vsid", "range from 4096"},
      {"vsid_negative", New(kLr, R"("vsid":-1)"), Bad, "vsid", "must be a whole number"},
      {"vsid_fraction", New(kLr, R"("vsid":1.5)"), Bad, "vsid", "must be a whole number"},
      {"vsid_string", New(kLr, R"("vsid":"5001")"), Bad, "vsid", "not a string"},
      {"vsid_unknown", New(kLr, R"("vsid":5999)"), Bad, "vsid", "names a virtual subnet that does not exist"},
      {"ca_missing", New(kLr, R"("ca":null)"), Bad, "ca", "is required"},
      {"ca_bad", New(kLr, R"("ca":"10.0.1")"), Bad, "ca", "IPv4 or IPv6"},
      {"ca_unspecified", New(kLr, R"("ca":"0.0.0.0")"), Bad, "ca", "must be a unicast address"},
      {"ca_multicast", New(kLr, R"("ca":"224.0.0.1")"), Bad, "ca", "must be a unicast address"},
      {"ca_broadcast", New(kLr, R"("ca":"255.255.255.255")"), Bad, "ca", "must be a unicast address"},
      {"ca_v6_multicast", New(kLr, R"("ca":"ff02::1")"), Bad, "ca", "must be a unicast address"},
      {"ca_outside_subnet", New(kLr, R"("ca":"10.0.9.9")"), Bad, "ca", "lies in none of the prefixes"},
      {"ca_wrong_family", New(kLr, R"("vsid":6001,"ca":"fd00:1::99")"), Bad, "ca",
       "lies in none of the prefixes of virtual subnet 6001"},
      {"ca_is_router", New(kLr, R"("ca":"10.0.1.1")"), Bad, "ca", "is the distributed router's address"},
      {"ca_is_router_v6", New(kLr, R"("ca":"fd00:1::1")"), Bad, "ca", "is the distributed router's address"},
      {"ca_taken", New(kLr, R"("ca":"10.0.1.10")"), Conflict, "ca", "already mapped to MAC 00:15:5d:00:00:01"},
      {"l2only_with_ca", New(kLr, R"("type":"L2Only")"), Bad, "ca", "L2Only records carry"},
      {"wildcard_with_ca", New(kLr, R"("type":"GatewayWildcard")"), Bad, "ca", "GatewayWildcard records carry"},
      {"second_wildcard",
       New(kLr, R"("vsid":6001,"ca":null,"mac":"00:15:5d:ff:00:09","pa":"192.168.0.1","type":"GatewayWildcard")"),
       Conflict, "type", "VSID 6001 already has one"},
      {"mac_multicast", New(kLr, R"("mac":"01:00:5e:00:00:01")"), Bad, "mac", "unicast, non-zero"},
      {"mac_zero", New(kLr, R"("mac":"00:00:00:00:00:00")"), Bad, "mac", "unicast, non-zero"},
      {"mac_bad", New(kLr, R"("mac":"00:15:5d:00:00")"), Bad, "mac", "must be a MAC address"},
      {"mac_missing", New(kLr, R"("mac":null)"), Bad, "mac", "is required"},
      {"pa_missing", New(kLr, R"("pa":null)"), Bad, "pa", "is required"},
      {"pa_multicast", New(kLr, R"("pa":"239.0.0.1")"), Bad, "pa", "unicast provider address"},
      {"pa_unspecified", New(kLr, R"("pa":"::")"), Bad, "pa", "unicast provider address"},
      {"rule_nat", New(kLr, R"("rule":"TranslationMethodNat")"), Bad, "rule", "removed in Windows Server 2012 R2"},
      {"rule_bad", New(kLr, R"("rule":"Encap")"), Bad, "rule", "must be one of"},
      {"type_bad", New(kLr, R"("type":"static")"), Bad, "type", "must be one of Static, Dynamic"},
      {"use_vm_mac_string", New(kLr, R"("useVmMacAddress":"true")"), Bad, "useVmMacAddress", "true or false"},
      {"vm_name_too_long", New(kLr, longText("vmName", 300)), Bad, "vmName", "longer than 256"},
      {"customer_nil", New(kLr, "\"customerId\":\"" + kNil + "\""), Bad, "customerId", "nil GUID"},
      {"unknown_field", New(kLr, R"("vmname":"x")"), Bad, "vmname", "unknown field"},
      {"duplicate", New(kLr, R"("ca":"10.0.1.10","mac":"00:15:5d:00:00:01")"), Exists, "", "with this key exists"},
      {"replace_changes_mac", R(kLr, kRecWeb1, web1), Conflict, "mac", "is immutable (was 00:15:5d:00:00:01)"},
      {"patch_changes_ca", P(kLr, kRecWeb1, R"({"ca":"10.0.1.12"})"), Conflict, "ca", "is immutable"},
      {"patch_changes_vsid", P(kLr, kRecWeb1, R"({"vsid":5002})"), Conflict, "vsid", "is immutable"},
      {"patch_changes_type", P(kLr, kRecWeb1, R"({"type":"Dynamic"})"), Conflict, "type", "is immutable"},
      {"patch_rule_nat", P(kLr, kRecWeb1, R"({"rule":"TranslationMethodNat"})"), Bad, "rule", "removed"},
      {"patch_pa_multicast", P(kLr, kRecWeb1, R"({"pa":"ff05::2"})"), Bad, "pa", "unicast"},
      {"replace_missing", R(kLr, "5001/10.0.1.12/00:15:5d:00:00:09", with(kLr, "")), NotFound, "", "no such"},
      {"stale_revision", P(kLr, kRecWeb1, R"({"vmName":"x","revision":1})"), Conflict, "revision", "changed since"},
      {"tenant_creates_in_other", New(kLr, R"("vsid":6001,"ca":"10.0.1.30","pa":"192.168.0.12")"), Denied, "",
       "does not own", kTenantA},
      {"tenant_creates_in_missing_subnet", New(kLr, R"("vsid":5999)"), Denied, "", "does not own", kTenantA},
      {"tenant_patches_other", P(kLr, kRecB1, R"({"vmName":"x"})"), NotFound, "", "no such", kTenantA},
      {"tenant_deletes_other", D(kLr, kRecB1), NotFound, "", "no such", kTenantA},
  };
}

// --- customer routes ---
std::vector<BadCase> customerRouteCases() {
  const std::string rdidA(kRdidA), rdidB(kRdidB);
  return {
      {"rdid_missing", New(kCr, R"("rdid":null)"), Bad, "rdid", "is required"},
      {"rdid_bad", New(kCr, R"("rdid":"x")"), Bad, "rdid", "GUID"},
      {"rdid_nil", New(kCr, "\"rdid\":\"" + kNil + "\""), Bad, "rdid", "nil GUID"},
      {"rdid_unknown", New(kCr, R"("rdid":"@X")"), Bad, "rdid", "names a routing domain that does not exist"},
      {"vsid_0", New(kCr, R"("vsid":0)"), Bad, "vsid", "range from 4096"},
      {"vsid_4095", New(kCr, R"("vsid":4095)"), Bad, "vsid", "range from 4096"},
      {"vsid_16777215", New(kCr, R"("vsid":16777215)"), Bad, "vsid", "range from 4096"},
      {"vsid_2pow24", New(kCr, R"("vsid":16777216)"), Bad, "vsid", "range from 4096"},
      {"vsid_negative", New(kCr, R"("vsid":-1)"), Bad, "vsid", "must be a whole number"},
      {"vsid_fraction", New(kCr, R"("vsid":1.5)"), Bad, "vsid", "must be a whole number"},
      {"vsid_string", New(kCr, R"("vsid":"5001")"), Bad, "vsid", "not a string"},
      {"vsid_unknown", New(kCr, R"("vsid":5999)"), Bad, "vsid", "names a virtual subnet that does not exist"},
      {"vsid_of_other_domain", New(kCr, R"("vsid":6001)"), Bad, "vsid",
       "belongs to another routing domain than " + rdidA},
      {"dest_missing", New(kCr, R"("destinationPrefix":null)"), Bad, "destinationPrefix", "is required"},
      {"dest_host_bits", New(kCr, R"("destinationPrefix":"172.16.0.1/16")"), Bad, "destinationPrefix", "host bits"},
      {"dest_33", New(kCr, R"("destinationPrefix":"172.16.0.0/33")"), Bad, "destinationPrefix", "exceeds 32"},
      {"dest_no_length", New(kCr, R"("destinationPrefix":"172.16.0.0")"), Bad, "destinationPrefix", "with a length"},
      {"next_hop_v6_for_v4", New(kCr, R"("nextHop":"fd00:1::254")"), Bad, "nextHop", "prefix's address family"},
      {"next_hop_v4_for_v6", New(kCr, R"("destinationPrefix":"fd00:9::/48")"), Bad, "nextHop", "address family"},
      {"next_hop_multicast", New(kCr, R"("nextHop":"224.0.0.5")"), Bad, "nextHop", "multicast"},
      {"next_hop_bad", New(kCr, R"("nextHop":"10.0.1")"), Bad, "nextHop", "IPv4 or IPv6"},
      {"next_hop_outside_vsid", New(kCr, R"("nextHop":"10.0.2.254")"), Bad, "nextHop",
       "lies in none of the prefixes of virtual subnet 5001"},
      {"metric_negative", New(kCr, R"("metric":-1)"), Bad, "metric", "from 0 to 4294967295"},
      {"metric_too_big", New(kCr, R"("metric":4294967296)"), Bad, "metric", "between 0 and 4294967295"},
      {"metric_string", New(kCr, R"("metric":"1")"), Bad, "metric", "not a string"},
      {"unknown_field", New(kCr, R"("gateway":"10.0.1.254")"), Bad, "gateway", "unknown field"},
      {"body_array", C(kCr, "[]"), Bad, "body", "must be a JSON object"},
      {"duplicate", New(kCr, R"("destinationPrefix":"0.0.0.0/0")"), Exists, "", "with this key exists"},
      {"replace_changes_prefix", R(kCr, kRouteDefaultA, with(kCr, R"("destinationPrefix":"0.0.0.0/1")")), Conflict,
       "destinationPrefix", "is immutable"},
      {"patch_changes_vsid", P(kCr, kRouteDefaultA, R"({"vsid":5002})"), Conflict, "vsid", "is immutable"},
      {"patch_changes_rdid", P(kCr, kRouteDefaultA, R"({"rdid":"@B"})"), Conflict, "rdid", "is immutable"},
      {"patch_next_hop_outside", P(kCr, kRouteDefaultA, R"({"nextHop":"10.0.2.5"})"), Bad, "nextHop", "lies in none"},
      {"patch_next_hop_family", P(kCr, kRouteDefaultA, R"({"nextHop":"fd00:1::5"})"), Bad, "nextHop", "family"},
      {"stale_revision", P(kCr, kRouteDefaultA, R"({"metric":3,"revision":1})"), Conflict, "revision", "changed"},
      {"replace_missing", R(kCr, "@A/5001/172.16.0.0/16", with(kCr, "")), NotFound, "", "no such customer-route"},
      {"delete_missing", D(kCr, "@A/5001/172.16.0.0/16"), NotFound, "", "no such customer-route"},
      {"tenant_creates_in_other", New(kCr, ""), Denied, "", "does not own", kTenantB},
      {"tenant_routes_to_other_vsid", New(kCr, R"("rdid":"@B","nextHop":null)"), Bad, "vsid",
       "routes stay inside one routing domain", kTenantB},
      {"tenant_deletes_other", D(kCr, kRouteDefaultA), NotFound, "", "no such", kTenantB},
  };
}

// --- nodes ---
std::vector<BadCase> nodeCases() {
  return {
      {"name_missing", New(kNode, R"("name":null)"), Bad, "name", "is required"},
      {"name_empty", New(kNode, R"("name":"")"), Bad, "name", "must be 1 to 63"},
      {"name_space", New(kNode, R"("name":"host 3")"), Bad, "name", "must be 1 to 63"},
      {"name_slash", New(kNode, R"("name":"dc1/host3")"), Bad, "name", "must be 1 to 63"},
      {"name_leading_dash", New(kNode, R"("name":"-host3")"), Bad, "name", "starting with a letter"},
      {"name_64", New(kNode, longText("name", 64)), Bad, "name", "1 to 63"},
      {"name_number", New(kNode, R"("name":3)"), Bad, "name", "must be a string"},
      {"role_missing", New(kNode, R"("role":null)"), Bad, "role", "is required (host or gateway)"},
      {"role_bad", New(kNode, R"("role":"router")"), Bad, "role", "must be one of host, gateway"},
      {"role_case", New(kNode, R"("role":"Host")"), Bad, "role", "must be one of"},
      {"description_long", New(kNode, longText("description", 257)), Bad, "description", "longer than 256"},
      {"description_control", New(kNode, R"("description":"a\tb")"), Bad, "description", "control characters"},
      {"vsids_not_array", New(kNode, R"("vsids":5001)"), Bad, "vsids", "must be an array"},
      {"vsids_0", New(kNode, R"("vsids":[0])"), Bad, "vsids[0]", "range from 4096"},
      {"vsids_string", New(kNode, R"("vsids":["5001"])"), Bad, "vsids[0]", "not a string"},
      {"vsids_16777215", New(kNode, R"("vsids":[5001,16777215])"), Bad, "vsids[1]", "range from 4096"},
      {"vsids_missing_subnet", New(kNode, R"("vsids":[5001,5999])"), Bad, "vsids[1]", "virtual subnet that does not"},
      {"gateway_with_vsids", New(kNode, R"("role":"gateway","vsids":[5001])"), Bad, "vsids", "only hosts list VSIDs"},
      {"host_with_tenants", New(kNode, R"("tenants":["@A"])"), Bad, "tenants", "only gateways have tenants"},
      {"tenants_bad", New(kNode, R"("role":"gateway","tenants":["x"])"), Bad, "tenants[0]", "GUID"},
      {"tenants_nil", New(kNode, R"("role":"gateway","tenants":["@A","00000000-0000-0000-0000-000000000000"])"), Bad,
       "tenants[1]", "nil GUID"},
      {"tenants_missing_domain", New(kNode, R"("role":"gateway","tenants":["@X"])"), Bad, "tenants[0]",
       "names a routing domain that does not exist"},
      {"tenants_not_array", New(kNode, R"("role":"gateway","tenants":"@A")"), Bad, "tenants", "must be an array"},
      {"unknown_field", New(kNode, R"("address":"192.168.0.13")"), Bad, "address", "unknown field"},
      {"body_string", C(kNode, R"("host3")"), Bad, "body", "must be a JSON object"},
      {"duplicate", New(kNode, R"("name":"host1")"), Exists, "", "with this key exists"},
      {"replace_changes_role", R(kNode, "host1", R"({"name":"host1","role":"gateway"})"), Conflict, "role",
       "is immutable (was host)"},
      {"patch_changes_name", P(kNode, "host1", R"({"name":"host9"})"), Conflict, "name", "is immutable"},
      {"patch_gateway_vsids", P(kNode, "gw1", R"({"vsids":[5001]})"), Bad, "vsids", "only hosts"},
      {"patch_tenant_missing", P(kNode, "gw1", R"({"tenants":["@A","@X"]})"), Bad, "tenants[1]", "does not exist"},
      {"delete_with_address", D(kNode, "host1"), Conflict, "", "provider address host1/192.168.0.11 still belongs"},
      {"delete_with_route", Batch({D(kPa, "host1/192.168.0.11"), D(kNode, "host1")}), Conflict, "operations[1]",
       "provider route host1/0.0.0.0/0/192.168.0.254 still belongs to it"},
      {"stale_revision", P(kNode, "host1", R"({"description":"x","revision":1})"), Conflict, "revision", "changed"},
      {"replace_missing", R(kNode, "host3", with(kNode, "")), NotFound, "", "no such node"},
      {"delete_missing", D(kNode, "host3"), NotFound, "", "no such node"},
      {"tenant_creates", New(kNode, ""), Denied, "", "does not own", kTenantA},
      {"tenant_patches", P(kNode, "gw1", R"({"description":"x"})"), NotFound, "", "no such node", kTenantA},
      {"tenant_deletes", D(kNode, "host1"), NotFound, "", "no such node", kTenantA},
  };
}

// --- provider addresses ---
std::vector<BadCase> providerAddressCases() {
  const std::string key = "host1/192.168.0.11";
  return {
      {"node_missing", New(kPa, R"("node":null)"), Bad, "node", "is required"},
      {"node_unknown", New(kPa, R"("node":"host9")"), Bad, "node", "names a node that does not exist"},
      {"node_bad", New(kPa, R"("node":"host 1")"), Bad, "node", "must be 1 to 63"},
      {"address_missing", New(kPa, R"("address":null)"), Bad, "address", "is required"},
      {"address_bad", New(kPa, R"("address":"192.168.0")"), Bad, "address", "IPv4 or IPv6"},
      {"address_with_length", New(kPa, R"("address":"192.168.0.21/24")"), Bad, "address", "IPv4 or IPv6"},
      {"address_multicast", New(kPa, R"("address":"239.1.1.1")"), Bad, "address", "must be a unicast address"},
      {"address_v6_multicast", New(kPa, R"("address":"ff05::1")"), Bad, "address", "must be a unicast address"},
      {"address_unspecified", New(kPa, R"("address":"0.0.0.0")"), Bad, "address", "must be a unicast address"},
      {"address_of_other_node", New(kPa, R"("address":"192.168.0.12")"), Conflict, "address",
       "already a provider address of node host2"},
      {"address_cluster_one_side", New(kPa, R"("address":"192.168.0.12","managedByCluster":true)"), Conflict, "address",
       "only addresses managed by a cluster may be shared"},
      {"interface_missing", New(kPa, R"("interface":null)"), Bad, "interface", "is required"},
      {"interface_bad", New(kPa, R"("interface":"eth 0")"), Bad, "interface", "must be 1 to 63"},
      {"prefix_length_missing", New(kPa, R"("prefixLength":null)"), Bad, "prefixLength", "is required"},
      {"prefix_length_0", New(kPa, R"("prefixLength":0)"), Bad, "prefixLength", "between 1 and 32"},
      {"prefix_length_33", New(kPa, R"("prefixLength":33)"), Bad, "prefixLength", "between 1 and 32"},
      {"prefix_length_v6_129", New(kPa, R"("address":"2001:db8::21","prefixLength":129)"), Bad, "prefixLength",
       "between 1 and 128"},
      {"prefix_length_string", New(kPa, R"("prefixLength":"24")"), Bad, "prefixLength", "not a string"},
      {"vlan_4095", New(kPa, R"("vlan":4095)"), Bad, "vlan", "between 0 and 4094"},
      {"vlan_negative", New(kPa, R"("vlan":-1)"), Bad, "vlan", "must be a whole number"},
      {"mac_multicast", New(kPa, R"("mac":"33:33:00:00:00:01")"), Bad, "mac", "unicast, non-zero"},
      {"mac_zero", New(kPa, R"("mac":"00-00-00-00-00-00")"), Bad, "mac", "unicast, non-zero"},
      {"mac_missing", New(kPa, R"("mac":null)"), Bad, "mac", "is required"},
      {"mac_bad", New(kPa, R"("mac":"00:1d:d8")"), Bad, "mac", "must be a MAC address"},
      {"state_bad", New(kPa, R"("state":"Active")"), Bad, "state", "must be one of Preferred"},
      {"cluster_string", New(kPa, R"("managedByCluster":"yes")"), Bad, "managedByCluster", "true or false"},
      {"unknown_field", New(kPa, R"("gateway":"192.168.0.254")"), Bad, "gateway", "unknown field"},
      {"body_array", C(kPa, "[]"), Bad, "body", "must be a JSON object"},
      {"duplicate", New(kPa, R"("address":"192.168.0.11")"), Exists, "", "with this key exists"},
      {"replace_changes_address", R(kPa, key, with(kPa, "")), Conflict, "address", "is immutable"},
      {"patch_changes_node", P(kPa, key, R"({"node":"host2"})"), Conflict, "node", "is immutable"},
      {"patch_prefix_length_0", P(kPa, key, R"({"prefixLength":0})"), Bad, "prefixLength", "between 1 and 32"},
      {"stale_revision", P(kPa, key, R"({"vlan":5,"revision":1})"), Conflict, "revision", "changed since"},
      {"replace_missing", R(kPa, "host1/192.168.0.21", with(kPa, "")), NotFound, "", "no such provider-address"},
      {"delete_missing", D(kPa, "host1/192.168.0.21"), NotFound, "", "no such provider-address"},
      {"tenant_creates", New(kPa, ""), Denied, "", "does not own", kTenantA},
      {"tenant_deletes", D(kPa, key), NotFound, "", "no such", kTenantA},
  };
}

// --- provider routes ---
std::vector<BadCase> providerRouteCases() {
  const std::string key = "host1/0.0.0.0/0/192.168.0.254";
  return {
      {"node_missing", New(kPr, R"("node":null)"), Bad, "node", "is required"},
      {"node_unknown", New(kPr, R"("node":"host9")"), Bad, "node", "names a node that does not exist"},
      {"node_bad", New(kPr, R"("node":"host/1")"), Bad, "node", "must be 1 to 63"},
      {"dest_missing", New(kPr, R"("destinationPrefix":null)"), Bad, "destinationPrefix", "is required"},
      {"dest_host_bits", New(kPr, R"("destinationPrefix":"10.10.0.1/16")"), Bad, "destinationPrefix", "host bits"},
      {"dest_33", New(kPr, R"("destinationPrefix":"10.10.0.0/33")"), Bad, "destinationPrefix", "exceeds 32"},
      {"dest_no_length", New(kPr, R"("destinationPrefix":"10.10.0.0")"), Bad, "destinationPrefix", "with a length"},
      {"dest_v6_129", New(kPr, R"("destinationPrefix":"2001:db8::/129")"), Bad, "destinationPrefix", "exceeds 128"},
      {"next_hop_missing", New(kPr, R"("nextHop":null)"), Bad, "nextHop", "is required"},
      {"next_hop_bad", New(kPr, R"("nextHop":"192.168.0")"), Bad, "nextHop", "IPv4 or IPv6"},
      {"next_hop_v6_for_v4", New(kPr, R"("nextHop":"2001:db8::1")"), Bad, "nextHop", "address family"},
      {"next_hop_v4_for_v6", New(kPr, R"("destinationPrefix":"2001:db8::/32")"), Bad, "nextHop", "address family"},
      {"next_hop_multicast", New(kPr, R"("nextHop":"224.0.0.9")"), Bad, "nextHop", "multicast"},
      {"interface_missing", New(kPr, R"("interface":null)"), Bad, "interface", "is required"},
      {"interface_bad", New(kPr, R"("interface":"_e")"), Bad, "interface", "must be 1 to 63"},
      {"metric_negative", New(kPr, R"("metric":-5)"), Bad, "metric", "must be a whole number"},
      {"metric_too_big", New(kPr, R"("metric":4294967296)"), Bad, "metric", "between 0 and"},
      {"metric_fraction", New(kPr, R"("metric":1.5)"), Bad, "metric", "must be a whole number"},
      {"unknown_field", New(kPr, R"("vlan":7)"), Bad, "vlan", "unknown field"},
      {"body_null", C(kPr, "null"), Bad, "body", "must be a JSON object"},
      {"duplicate", New(kPr, R"("destinationPrefix":"0.0.0.0/0")"), Exists, "", "with this key exists"},
      {"replace_changes_next_hop",
       R(kPr, key, with(kPr, R"("destinationPrefix":"0.0.0.0/0","nextHop":"192.168.0.253")")), Conflict, "nextHop",
       "is immutable"},
      {"patch_changes_dest", P(kPr, key, R"({"destinationPrefix":"10.0.0.0/8"})"), Conflict, "destinationPrefix",
       "is immutable"},
      {"patch_changes_node", P(kPr, key, R"({"node":"host2"})"), Conflict, "node", "is immutable"},
      {"patch_interface_bad", P(kPr, key, R"({"interface":""})"), Bad, "interface", "1 to 63"},
      {"stale_revision", Rev(P(kPr, key, R"({"metric":1})"), 1), Conflict, "revision", "changed since"},
      {"replace_missing", R(kPr, "host1/10.10.0.0/16/192.168.0.254", with(kPr, "")), NotFound, "", "no such"},
      {"delete_missing", D(kPr, "host1/10.10.0.0/16/192.168.0.254"), NotFound, "", "no such provider-route"},
      {"tenant_creates", New(kPr, ""), Denied, "", "does not own", kTenantA},
      {"tenant_patches", P(kPr, key, R"({"metric":1})"), NotFound, "", "no such", kTenantA},
      {"third_of_batch",
       Batch({New(kPr, ""), New(kPr, R"("destinationPrefix":"10.11.0.0/16")"),
              New(kPr, R"("destinationPrefix":"10.12.0.0/16","metric":-1)")}),
       Bad, "operations[2].metric", "must be a whole number"},
  };
}

// --- global settings ---
std::vector<BadCase> globalCases() {
  return {
      {"create", C(kGlobal, R"({"useExternalRouter":true})"), Unsupported, "", "is a single object"},
      {"create_as_tenant", C(kGlobal, "{}"), Unsupported, "", "is a single object", kTenantA},
      {"delete", D(kGlobal, "default"), Unsupported, "", "cannot be removed"},
      {"delete_as_tenant", D(kGlobal, "default"), Unsupported, "", "cannot be removed", kTenantA},
      {"patch_string", P(kGlobal, "", R"({"useExternalRouter":"true"})"), Bad, "useExternalRouter",
       "true or false, not a string"},
      {"patch_number", P(kGlobal, "", R"({"useExternalRouter":1})"), Bad, "useExternalRouter", "not a number"},
      {"patch_array", P(kGlobal, "", R"({"useExternalRouter":[true]})"), Bad, "useExternalRouter", "not an array"},
      {"patch_object", P(kGlobal, "", R"({"useExternalRouter":{}})"), Bad, "useExternalRouter", "not an object"},
      {"patch_false_string", P(kGlobal, "", R"({"useExternalRouter":"false"})"), Bad, "useExternalRouter",
       "true or false"},
      {"replace_string", R(kGlobal, "", R"({"useExternalRouter":"false"})"), Bad, "useExternalRouter", "true or false"},
      {"replace_zero", R(kGlobal, "", R"({"useExternalRouter":0})"), Bad, "useExternalRouter", "true or false"},
      {"replace_body_array", R(kGlobal, "", "[]"), Bad, "body", "must be a JSON object"},
      {"replace_body_string", R(kGlobal, "", R"("on")"), Bad, "body", "must be a JSON object"},
      {"replace_body_number", R(kGlobal, "", "1"), Bad, "body", "must be a JSON object"},
      {"patch_body_array", P(kGlobal, "", "[]"), Bad, "body", "must be a JSON object"},
      {"patch_body_bool", P(kGlobal, "", "true"), Bad, "body", "must be a JSON object"},
      {"unknown_field", P(kGlobal, "", R"({"useExternalRouters":true})"), Bad, "useExternalRouters",
       "unknown field (fields of this kind: useExternalRouter, dynamicRecordAgingSeconds)"},
      {"unknown_field_case", P(kGlobal, "", R"({"UseExternalRouter":true})"), Bad, "UseExternalRouter",
       "unknown field"},
      {"unknown_field_rdid", R(kGlobal, "", R"({"rdid":"@A"})"), Bad, "rdid", "unknown field"},
      {"replace_extra_field", R(kGlobal, "", R"({"useExternalRouter":true,"extra":1})"), Bad, "extra", "unknown field"},
      {"stale_revision_body", P(kGlobal, "", R"({"useExternalRouter":true,"revision":99})"), Conflict, "revision",
       "now at revision 0"},
      {"stale_revision_op", Rev(P(kGlobal, "", R"({"useExternalRouter":true})"), 3), Conflict, "revision",
       "changed since"},
      {"stale_revision_replace", R(kGlobal, "", R"({"revision":1})"), Conflict, "revision", "changed since"},
      {"revision_negative", P(kGlobal, "", R"({"revision":-3})"), Bad, "revision", "a whole number"},
      {"revision_string", P(kGlobal, "", R"({"revision":"0"})"), Bad, "revision", "a whole number"},
      {"revision_fraction", P(kGlobal, "", R"({"revision":0.5})"), Bad, "revision", "a whole number"},
      {"revision_bool", P(kGlobal, "", R"({"revision":false})"), Bad, "revision", "a whole number"},
      {"tenant_patch", P(kGlobal, "", R"({"useExternalRouter":true})"), NotFound, "", "no such global", kTenantA},
      {"tenant_replace", R(kGlobal, "", R"({"useExternalRouter":true})"), NotFound, "", "no such global", kTenantB},
      {"node_patch", P(kGlobal, "", R"({"useExternalRouter":true})"), Denied, "", "node tokens", kNodeHost1},
      {"kind_misspelled", P("globals", "", R"({"useExternalRouter":true})"), NotFound, "kind", "is not a kind"},
      {"second_of_batch",
       Batch({P(kGlobal, "", R"({"useExternalRouter":true})"), P(kGlobal, "", R"({"useExternalRouter":"no"})")}), Bad,
       "operations[1].useExternalRouter", "true or false"},
  };
}

class BadInput : public PolicyFixture, public ::testing::WithParamInterface<BadCase> {
 protected:
  void SetUp() override {
    PolicyFixture::SetUp();
    buildTypical();
    ASSERT_FALSE(HasFailure());
    ASSERT_EQ(engine.state().objectCount(), kTypicalObjects);
  }
};

TEST_P(BadInput, IsRefusedAndChangesNothing) {
  const BadCase& c = GetParam();
  const Revision revision = engine.revision();
  const std::size_t count = engine.state().objectCount();
  const std::size_t attempts = store.attempts();
  const std::size_t history = store.history().size();
  const std::string before = snapshot();
  int notified = 0;
  engine.subscribe([&](std::span<const Change>) { ++notified; });

  auto r = runBatch(c.ops, c.access);
  ASSERT_FALSE(r) << "accepted; " << r->size() << " changes";
  EXPECT_EQ(r.error().code, c.code) << describe(r.error());
  EXPECT_EQ(r.error().where, c.where) << describe(r.error());
  EXPECT_THAT(r.error().why, HasSubstr(c.why)) << describe(r.error());

  EXPECT_EQ(engine.revision(), revision);
  EXPECT_EQ(engine.state().objectCount(), count);
  EXPECT_EQ(store.attempts(), attempts) << "the store was offered a commit";
  EXPECT_EQ(store.history().size(), history);
  EXPECT_EQ(notified, 0);
  EXPECT_EQ(snapshot(), before);
}

std::string caseName(const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(RoutingDomain, BadInput, ::testing::ValuesIn(routingDomainCases()), caseName);
INSTANTIATE_TEST_SUITE_P(VirtualSubnet, BadInput, ::testing::ValuesIn(virtualSubnetCases()), caseName);
INSTANTIATE_TEST_SUITE_P(LookupRecord, BadInput, ::testing::ValuesIn(lookupRecordCases()), caseName);
INSTANTIATE_TEST_SUITE_P(CustomerRoute, BadInput, ::testing::ValuesIn(customerRouteCases()), caseName);
INSTANTIATE_TEST_SUITE_P(Node, BadInput, ::testing::ValuesIn(nodeCases()), caseName);
INSTANTIATE_TEST_SUITE_P(ProviderAddress, BadInput, ::testing::ValuesIn(providerAddressCases()), caseName);
INSTANTIATE_TEST_SUITE_P(ProviderRoute, BadInput, ::testing::ValuesIn(providerRouteCases()), caseName);
INSTANTIATE_TEST_SUITE_P(Global, BadInput, ::testing::ValuesIn(globalCases()), caseName);
INSTANTIATE_TEST_SUITE_P(ExternalInterface, BadInput, ::testing::ValuesIn(externalInterfaceCases()), caseName);
INSTANTIATE_TEST_SUITE_P(GatewayRoute, BadInput, ::testing::ValuesIn(gatewayRouteCases()), caseName);
INSTANTIATE_TEST_SUITE_P(NatInstance, BadInput, ::testing::ValuesIn(natInstanceCases()), caseName);
INSTANTIATE_TEST_SUITE_P(NatExternalAddress, BadInput, ::testing::ValuesIn(natExternalAddressCases()), caseName);
INSTANTIATE_TEST_SUITE_P(NatStaticMapping, BadInput, ::testing::ValuesIn(natStaticMappingCases()), caseName);

// The examples the cases start from are themselves valid, so each case fails for its own reason.
TEST_F(PolicyFixture, ExamplesAreAccepted) {
  buildTypical();
  for (auto kind : {kRd, kVs, kLr, kCr, kNode, kPa, kPr, kXi, kGr}) {
    EXPECT_NE(must(createOp(kind, with(kind, ""))), 0u) << kind;
  }
  // A's NAT translates into B, which is placed on gw1 beside A.
  must(patchOp(kNode, "gw1", R"({"tenants":["@A","@B"]})"));
  for (auto kind : {kNi, kNa, kNm}) {
    EXPECT_NE(must(createOp(kind, with(kind, ""))), 0u) << kind;
  }
}

// Each family has at least 30 cases.
TEST(BadInputTables, AtLeastThirtyPerFamily) {
  for (const auto& cases :
       {routingDomainCases(), virtualSubnetCases(), lookupRecordCases(), customerRouteCases(), nodeCases(),
        providerAddressCases(), providerRouteCases(), globalCases(), externalInterfaceCases(), gatewayRouteCases(),
        natInstanceCases(), natExternalAddressCases(), natStaticMappingCases()}) {
    EXPECT_GE(cases.size(), 30u) << cases.front().name;
  }
}

}  // namespace
}  // namespace hnv::policy::testing
