// Select-NetVirtualizationNextHop: where a packet from a CA in one virtual
// subnet goes next, as a pure query of the policy.
//
// The routing table of a routing domain is the on-link route of every prefix
// of its virtual subnets (metric 0) plus its customer routes. The longest
// matching prefix wins, then the lowest metric, then an on-link subnet route,
// then the lower VSID. With UseExternalRouter, on-link routes of other
// subnets are skipped, so cross-subnet traffic follows customer routes to an
// external router instead of the distributed router. A destination that no
// route covers goes to the source VSID's GatewayWildcard, if it has one.
//
// The next hop's MAC comes from its lookup record in the next hop's VSID, or
// from that VSID's GatewayWildcard. The source MAC is the sender VM's own MAC
// when the next hop is in the sender's VSID, and the distributed router's MAC
// of the next hop's VSID when the packet is routed between subnets.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "hnv/policy/state.h"

namespace hnv::policy {

struct NextHopQuery {
  std::optional<IpAddr> sourceCa;
  IpAddr destinationCa;
  Vsid sourceVsid;
};

struct NextHop {
  IpAddr nextHop;
  Vsid nextHopVsid;
  // Absent when the source CA was not given and the sender's MAC is needed.
  std::optional<MacAddr> sourceMac;
  MacAddr nextHopMac;
  // How it was chosen ("on-link 10.0.1.0/24 in VSID 5001", ...).
  std::string reason;
};

Result<NextHop> selectNextHop(const PolicyState& state, const NextHopQuery& query);

// The query from JSON {"sourceCa"?, "destinationCa", "sourceVsid"}.
Result<NextHopQuery> nextHopQueryFromJson(const boost::json::value& v);
boost::json::object nextHopToJson(const NextHop& n);

}  // namespace hnv::policy
