// Bad writes of the NAT kinds (NAT instances, external addresses, static
// mappings) and of the rules they add to other kinds (routes into NAT, the
// reserved interface name, the outside domain's placement), run by
// engine_bad_input_test.cc against the typical topology. Cases that need
// A's NAT instance (A translated into B) first place B on gw1 beside A and
// create it in the same batch; the example address is 203.0.113.10 (dynamic
// range 1024..65535) and the example mapping tcp 203.0.113.10:80 ->
// 10.0.1.10:8080. @X is a third routing domain, created where a case needs it.
#include "bad_input.h"

namespace hnv::policy::testing {

using enum Errc;

namespace {

const std::string kA(kRdidA);
const std::string kAddressKey = "@A/203.0.113.10";
const std::string kMappingKey = "@A/tcp/203.0.113.10/80";

std::vector<Operation> placeB() { return P(kNode, "gw1", R"({"tenants":["@A","@B"]})"); }
// A's NAT instance, with B placed beside A (two operations).
std::vector<Operation> natOfA() { return Batch({placeB(), New(kNi, "")}); }
// ... and its example external address (three operations).
std::vector<Operation> addressOfA() { return Batch({natOfA(), New(kNa, "")}); }
// Routing domain X translated into `outside`, with X's own 203.0.113.10 (three operations).
std::vector<Operation> natOfX(std::string_view outside) {
  return Batch({New(kRd, ""), C(kNi, R"({"rdid":"@X","externalRdid":")" + std::string(outside) + "\"}"),
                C(kNa, R"({"rdid":"@X","address":"203.0.113.10"})")});
}
std::vector<Operation> natRoute(std::string_view fields = "") {
  std::string body = R"("destinationPrefix":"0.0.0.0/0","interface":"nat","nextHop":null)";
  if (!fields.empty()) body += "," + std::string(fields);
  return New(kGr, body);
}

}  // namespace

std::vector<BadCase> natInstanceCases() {
  return {
      {"rdid_missing", New(kNi, R"("rdid":null)"), Bad, "rdid", "is required"},
      {"rdid_number", New(kNi, R"("rdid":5)"), Bad, "rdid", "must be a string, not a number"},
      {"rdid_bad", New(kNi, R"("rdid":"tenant-a")"), Bad, "rdid", "GUID"},
      {"rdid_nil", New(kNi, "\"rdid\":\"" + kNil + "\""), Bad, "rdid", "nil GUID"},
      {"rdid_unknown", New(kNi, R"("rdid":"@X")"), Bad, "rdid", "names a routing domain that does not exist"},
      {"external_missing", New(kNi, R"("externalRdid":null)"), Bad, "externalRdid", "is required"},
      {"external_bad", New(kNi, R"("externalRdid":"internet")"), Bad, "externalRdid", "GUID"},
      {"external_unknown", New(kNi, R"("externalRdid":"@X")"), Bad, "externalRdid",
       "names a routing domain that does not exist"},
      {"external_is_rdid", New(kNi, R"("externalRdid":"@A")"), Bad, "externalRdid",
       "must be another routing domain than rdid"},
      {"external_not_placed", New(kNi, ""), Bad, "externalRdid",
       "is not placed on gateway gw1, which serves routing domain " + kA},
      {"filtering_bad", New(kNi, R"("filtering":"full-cone")"), Bad, "filtering",
       "must be one of endpoint-independent, address-dependent"},
      {"filtering_number", New(kNi, R"("filtering":1)"), Bad, "filtering", "must be a string"},
      {"icmp_timeout_0", New(kNi, R"("icmpQueryTimeout":0)"), Bad, "icmpQueryTimeout", "between 1 and 86400"},
      {"icmp_timeout_big", New(kNi, R"("icmpQueryTimeout":86401)"), Bad, "icmpQueryTimeout", "between 1 and 86400"},
      {"icmp_timeout_string", New(kNi, R"("icmpQueryTimeout":"30")"), Bad, "icmpQueryTimeout", "not a string"},
      {"tcp_established_0", New(kNi, R"("tcpEstablishedTimeout":0)"), Bad, "tcpEstablishedTimeout",
       "between 1 and 604800"},
      {"tcp_established_big", New(kNi, R"("tcpEstablishedTimeout":604801)"), Bad, "tcpEstablishedTimeout",
       "between 1 and 604800"},
      {"tcp_established_negative", New(kNi, R"("tcpEstablishedTimeout":-1)"), Bad, "tcpEstablishedTimeout",
       "whole number"},
      {"tcp_transient_0", New(kNi, R"("tcpTransientTimeout":0)"), Bad, "tcpTransientTimeout", "between 1 and 86400"},
      {"tcp_transient_big", New(kNi, R"("tcpTransientTimeout":86401)"), Bad, "tcpTransientTimeout",
       "between 1 and 86400"},
      {"udp_idle_0", New(kNi, R"("udpIdleTimeout":0)"), Bad, "udpIdleTimeout", "between 1 and 86400"},
      {"udp_idle_big", New(kNi, R"("udpIdleTimeout":86401)"), Bad, "udpIdleTimeout", "between 1 and 86400"},
      {"udp_idle_fraction", New(kNi, R"("udpIdleTimeout":1.5)"), Bad, "udpIdleTimeout", "whole number"},
      {"udp_refresh_string", New(kNi, R"("udpInboundRefresh":"yes")"), Bad, "udpInboundRefresh",
       "true or false, not a string"},
      {"udp_refresh_number", New(kNi, R"("udpInboundRefresh":1)"), Bad, "udpInboundRefresh",
       "true or false, not a number"},
      {"max_sessions_big", New(kNi, R"("maxSessions":16777217)"), Bad, "maxSessions", "between 0 and 16777216"},
      {"max_sessions_negative", New(kNi, R"("maxSessions":-1)"), Bad, "maxSessions", "whole number"},
      {"unknown_field", New(kNi, R"("pool":"203.0.113.0/24")"), Bad, "pool", "unknown field"},
      {"body_array", C(kNi, "[]"), Bad, "body", "must be a JSON object"},
      {"duplicate", Batch({natOfA(), New(kNi, R"("maxSessions":5)")}), Exists, "operations[2]", "with this key exists"},
      {"replace_changes_rdid", Batch({natOfA(), R(kNi, "@A", with(kNi, R"("rdid":"@B","externalRdid":"@A")"))}),
       Conflict, "operations[2].rdid", "is immutable"},
      {"patch_external_unknown", Batch({natOfA(), P(kNi, "@A", R"({"externalRdid":"@X"})")}), Bad,
       "operations[2].externalRdid", "names a routing domain that does not exist"},
      {"patch_external_to_self", Batch({natOfA(), P(kNi, "@A", R"({"externalRdid":"@A"})")}), Bad,
       "operations[2].externalRdid", "must be another routing domain than rdid"},
      {"patch_external_to_unplaced", Batch({natOfA(), New(kRd, ""), P(kNi, "@A", R"({"externalRdid":"@X"})")}), Bad,
       "operations[3].externalRdid", "is not placed on gateway gw1"},
      {"patch_external_address_clash", Batch({addressOfA(), natOfX(kRdidA), P(kNi, "@X", R"({"externalRdid":"@B"})")}),
       Conflict, "operations[6].externalRdid",
       "external address " + std::string(kRdidX) + "/203.0.113.10 is already nat-external-address " + kA +
           "/203.0.113.10 in that routing domain"},
      {"stale_revision", Batch({natOfA(), Rev(P(kNi, "@A", R"({"maxSessions":5})"), 1)}), Conflict,
       "operations[2].revision", "changed since"},
      {"replace_missing", R(kNi, "@A", with(kNi, "")), NotFound, "", "no such nat-instance"},
      {"delete_missing", D(kNi, "@A"), NotFound, "", "no such nat-instance"},
      {"delete_with_address", Batch({addressOfA(), D(kNi, "@A")}), Conflict, "operations[3]",
       "nat-external-address " + kA + "/203.0.113.10 still uses it; remove that first"},
      {"delete_with_nat_route", Batch({natOfA(), natRoute(), D(kNi, "@A")}), Conflict, "operations[3]",
       "gateway route " + kA + "/0.0.0.0/0/nat still uses it; remove that first"},
      {"delete_domain_with_nat", Batch({natOfX(kRdidB), D(kRd, "@X")}), Conflict, "operations[3]",
       "nat-instance " + std::string(kRdidX) + " still belongs to it"},
      {"delete_outside_domain", Batch({New(kRd, ""), C(kNi, R"({"rdid":"@B","externalRdid":"@X"})"), D(kRd, "@X")}),
       Conflict, "operations[2]",
       "nat-instance " + std::string(kRdidB) + " still uses it as its outside (externalRdid)"},
      {"unplace_outside", Batch({natOfA(), P(kNode, "gw1", R"({"tenants":["@A"]})")}), Conflict,
       "operations[2].tenants", "must be placed on gw1 too: it is the outside (externalRdid) of nat-instance " + kA},
      {"place_tenant_without_outside",
       Batch({natOfA(), C(kNode, R"({"name":"gw2","role":"gateway","tenants":["@A"]})")}), Conflict,
       "operations[2].tenants", "must be placed on gw2 too"},
      {"nat_route_without_instance", natRoute(), Bad, "interface",
       "routes into NAT, but routing domain " + kA + " has no nat-instance"},
      {"nat_route_with_next_hop", Batch({natOfA(), natRoute(R"("nextHop":"198.51.100.254")")}), Bad,
       "operations[2].nextHop", "must be 0.0.0.0 on a route into NAT"},
      {"external_interface_named_nat", Batch({natOfA(), New(kXi, R"("name":"nat")")}), Bad, "operations[2].name",
       "the name nat is reserved for routes into NAT"},
      {"tenant_creates_other", New(kNi, R"("rdid":"@B","externalRdid":"@A")"), Denied, "", "does not own", kTenantA},
      {"node_token", New(kNi, ""), Denied, "", "node tokens", kNodeHost1},
  };
}

std::vector<BadCase> natExternalAddressCases() {
  const std::string at = "operations[3].";
  return {
      {"rdid_missing", New(kNa, R"("rdid":null)"), Bad, "rdid", "is required"},
      {"rdid_bad", New(kNa, R"("rdid":"a")"), Bad, "rdid", "GUID"},
      {"no_instance", New(kNa, ""), Bad, "rdid", "has no nat-instance; create the routing domain's nat-instance"},
      {"address_missing", New(kNa, R"("address":null)"), Bad, "address", "is required"},
      {"address_v6", New(kNa, R"("address":"2001:db8::10")"), Bad, "address", "IPv6 NAT is not supported"},
      {"address_garbage", New(kNa, R"("address":"203.0.113")"), Bad, "address", "IPv4 or IPv6"},
      {"address_with_length", New(kNa, R"("address":"203.0.113.10/32")"), Bad, "address", "IPv4 or IPv6"},
      {"address_number", New(kNa, R"("address":7)"), Bad, "address", "must be a string"},
      {"address_multicast", New(kNa, R"("address":"224.0.0.1")"), Bad, "address", "must be a unicast address"},
      {"address_unspecified", New(kNa, R"("address":"0.0.0.0")"), Bad, "address", "must be a unicast address"},
      {"address_broadcast", New(kNa, R"("address":"255.255.255.255")"), Bad, "address", "must be a unicast address"},
      {"address_loopback", New(kNa, R"("address":"127.0.0.1")"), Bad, "address", "must be a unicast address"},
      {"first_port_0", New(kNa, R"("firstPort":0)"), Bad, "firstPort", "between 1 and 65535"},
      {"first_port_65536", New(kNa, R"("firstPort":65536)"), Bad, "firstPort", "between 1 and 65535"},
      {"first_port_string", New(kNa, R"("firstPort":"1024")"), Bad, "firstPort", "not a string"},
      {"first_port_negative", New(kNa, R"("firstPort":-1)"), Bad, "firstPort", "whole number"},
      {"last_port_0", New(kNa, R"("lastPort":0)"), Bad, "lastPort", "between 1 and 65535"},
      {"last_port_65536", New(kNa, R"("lastPort":65536)"), Bad, "lastPort", "between 1 and 65535"},
      {"last_below_first", New(kNa, R"("firstPort":2000,"lastPort":1999)"), Bad, "lastPort", "is below firstPort 2000"},
      {"last_below_default_first", New(kNa, R"("lastPort":1000)"), Bad, "lastPort", "is below firstPort 1024"},
      {"unknown_field", New(kNa, R"("vlan":1)"), Bad, "vlan", "unknown field"},
      {"body_array", C(kNa, "[]"), Bad, "body", "must be a JSON object"},
      {"duplicate", Batch({addressOfA(), New(kNa, R"("firstPort":2000)")}), Exists, "operations[3]",
       "with this key exists"},
      {"same_address_same_outside", Batch({addressOfA(), natOfX(kRdidB)}), Conflict, "operations[5].address",
       "is already nat-external-address " + kA + "/203.0.113.10 in outside routing domain " + std::string(kRdidB)},
      {"replace_changes_address", Batch({addressOfA(), R(kNa, kAddressKey, with(kNa, R"("address":"203.0.113.11")"))}),
       Conflict, at + "address", "is immutable"},
      {"patch_changes_rdid", Batch({addressOfA(), P(kNa, kAddressKey, R"({"rdid":"@B"})")}), Conflict, at + "rdid",
       "is immutable"},
      {"patch_inverts_range", Batch({addressOfA(), P(kNa, kAddressKey, R"({"lastPort":1000})")}), Bad, at + "lastPort",
       "is below firstPort 1024"},
      {"first_port_swallows_mapping", Batch({addressOfA(), New(kNm, ""), P(kNa, kAddressKey, R"({"firstPort":80})")}),
       Conflict, "operations[4].firstPort",
       "would put port 80 of static mapping " + kA +
           "/tcp/203.0.113.10/80 inside the "
           "dynamic range 80..65535"},
      {"last_port_swallows_mapping",
       Batch({natOfA(), New(kNa, R"("lastPort":2000)"), New(kNm, R"("externalPort":3000)"),
              P(kNa, kAddressKey, R"({"lastPort":65535})")}),
       Conflict, "operations[4].lastPort", "would put port 3000 of static mapping"},
      {"delete_with_mapping", Batch({addressOfA(), New(kNm, ""), D(kNa, kAddressKey)}), Conflict, "operations[4]",
       "nat-static-mapping " + kA + "/tcp/203.0.113.10/80 still uses it; remove that first"},
      {"stale_revision", Batch({addressOfA(), Rev(P(kNa, kAddressKey, R"({"firstPort":2000})"), 1)}), Conflict,
       at + "revision", "changed since"},
      {"replace_missing", R(kNa, kAddressKey, with(kNa, "")), NotFound, "", "no such nat-external-address"},
      {"delete_missing", D(kNa, kAddressKey), NotFound, "", "no such nat-external-address"},
      {"tenant_creates_other", New(kNa, R"("rdid":"@B")"), Denied, "", "does not own", kTenantA},
      {"node_token", Batch({natOfA(), New(kNa, "")}), Denied, "", "node tokens", kNodeHost1},
  };
}

std::vector<BadCase> natStaticMappingCases() {
  const std::string at = "operations[3].";
  return {
      {"rdid_missing", New(kNm, R"("rdid":null)"), Bad, "rdid", "is required"},
      {"no_instance", New(kNm, ""), Bad, "rdid", "has no nat-instance"},
      {"protocol_missing", New(kNm, R"("protocol":null)"), Bad, "protocol", "is required (tcp or udp)"},
      {"protocol_icmp", New(kNm, R"("protocol":"icmp")"), Bad, "protocol", "must be one of tcp, udp"},
      {"protocol_upper", New(kNm, R"("protocol":"TCP")"), Bad, "protocol", "must be one of tcp, udp"},
      {"protocol_number", New(kNm, R"("protocol":6)"), Bad, "protocol", "must be a string"},
      {"external_address_missing", New(kNm, R"("externalAddress":null)"), Bad, "externalAddress", "is required"},
      {"external_address_v6", New(kNm, R"("externalAddress":"2001:db8::10")"), Bad, "externalAddress",
       "IPv6 NAT is not supported"},
      {"external_address_multicast", New(kNm, R"("externalAddress":"239.0.0.1")"), Bad, "externalAddress",
       "must be a unicast address"},
      {"external_address_unknown", Batch({addressOfA(), New(kNm, R"("externalAddress":"203.0.113.11")")}), Bad,
       at + "externalAddress", "is no nat-external-address of routing domain " + kA + "; create it first"},
      {"external_address_of_another_tenant", Batch({natOfA(), natOfX(kRdidB), New(kNm, "")}), Bad,
       "operations[5].externalAddress", "is no nat-external-address of routing domain " + kA},
      {"external_port_missing", New(kNm, R"("externalPort":null)"), Bad, "externalPort", "is required"},
      {"external_port_0", New(kNm, R"("externalPort":0)"), Bad, "externalPort", "between 1 and 65535"},
      {"external_port_65536", New(kNm, R"("externalPort":65536)"), Bad, "externalPort", "between 1 and 65535"},
      {"external_port_string", New(kNm, R"("externalPort":"80")"), Bad, "externalPort", "not a string"},
      {"external_port_in_range", Batch({addressOfA(), New(kNm, R"("externalPort":2000)")}), Bad, at + "externalPort",
       "lies in the dynamic range 1024..65535 of external address 203.0.113.10"},
      {"external_port_at_first", Batch({addressOfA(), New(kNm, R"("externalPort":1024)")}), Bad, at + "externalPort",
       "lies in the dynamic range 1024..65535"},
      {"internal_address_missing", New(kNm, R"("internalAddress":null)"), Bad, "internalAddress", "is required"},
      {"internal_address_v6", New(kNm, R"("internalAddress":"fd00:1::10")"), Bad, "internalAddress",
       "IPv6 NAT is not supported"},
      {"internal_address_broadcast", New(kNm, R"("internalAddress":"255.255.255.255")"), Bad, "internalAddress",
       "must be a unicast address"},
      {"internal_address_garbage", New(kNm, R"("internalAddress":"web1")"), Bad, "internalAddress", "IPv4 or IPv6"},
      {"internal_port_missing", New(kNm, R"("internalPort":null)"), Bad, "internalPort", "is required"},
      {"internal_port_0", New(kNm, R"("internalPort":0)"), Bad, "internalPort", "between 1 and 65535"},
      {"internal_port_negative", New(kNm, R"("internalPort":-80)"), Bad, "internalPort", "whole number"},
      {"remote_prefix_v6", New(kNm, R"("remotePrefix":"2001:db8::/32")"), Bad, "remotePrefix",
       "IPv6 NAT is not supported"},
      {"remote_prefix_host_bits", New(kNm, R"("remotePrefix":"198.51.100.1/24")"), Bad, "remotePrefix",
       "host bits are set"},
      {"remote_prefix_no_length", New(kNm, R"("remotePrefix":"198.51.100.0")"), Bad, "remotePrefix", "with a length"},
      {"remote_prefix_number", New(kNm, R"("remotePrefix":24)"), Bad, "remotePrefix", "must be a string"},
      {"unknown_field", New(kNm, R"("vsid":5001)"), Bad, "vsid", "unknown field"},
      {"body_array", C(kNm, "[]"), Bad, "body", "must be a JSON object"},
      {"duplicate", Batch({addressOfA(), New(kNm, ""), New(kNm, R"("internalPort":8081)")}), Exists, "operations[4]",
       "with this key exists"},
      {"inside_endpoint_twice", Batch({addressOfA(), New(kNm, ""), New(kNm, R"("externalPort":81)")}), Conflict,
       "operations[4].internalPort", "tcp 10.0.1.10:8080 already has static mapping " + kA + "/tcp/203.0.113.10/80"},
      {"inside_endpoint_twice_by_patch",
       Batch({addressOfA(), New(kNm, ""), New(kNm, R"("externalPort":81,"internalPort":8081)"),
              P(kNm, "@A/tcp/203.0.113.10/81", R"({"internalPort":8080})")}),
       Conflict, "operations[5].internalPort", "already has static mapping"},
      {"replace_changes_protocol",
       Batch({addressOfA(), New(kNm, ""), R(kNm, kMappingKey, with(kNm, R"("protocol":"udp")"))}), Conflict,
       "operations[4].protocol", "is immutable"},
      {"patch_changes_external_port",
       Batch({addressOfA(), New(kNm, ""), P(kNm, kMappingKey, R"({"externalPort":81})")}), Conflict,
       "operations[4].externalPort", "is immutable"},
      {"replace_missing", R(kNm, kMappingKey, with(kNm, "")), NotFound, "", "no such nat-static-mapping"},
      {"delete_missing", D(kNm, kMappingKey), NotFound, "", "no such nat-static-mapping"},
      {"tenant_creates_other", New(kNm, R"("rdid":"@B")"), Denied, "", "does not own", kTenantA},
      {"node_token", Batch({addressOfA(), New(kNm, "")}), Denied, "", "node tokens", kNodeHost1},
  };
}

}  // namespace hnv::policy::testing
