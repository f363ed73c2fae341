// Next-hop selection as the data path does it (Select-NetVirtualizationNextHop):
// for a customer address seen from a VSID, which VSID, MAC and PA a packet
// would go to, and why. Read by diagnostics; the nodes do not call it (they
// inline the same lookups), and tests/packet checks both agree.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "hnv/base/ip.h"
#include "hnv/base/result.h"
#include "hnv/overlay/overlay_policy.h"

namespace hnv::overlay {

struct NextHop {
  // "default-gateway" (the distributed router's own CA), "on-link" (a record
  // of the same VSID), "routed" (another VSID of the routing domain),
  // "gateway" (the VSID's GatewayWildcard), "none".
  std::string via;
  Vsid vsid = Vsid::fromKey(0);
  MacAddr mac;
  std::optional<IpAddr> pa;               // where the packet is encapsulated to
  std::optional<std::uint16_t> localPort;  // or the local VM port it leaves on
  boost::json::object toJson() const;
};

// Errors: the source VSID is not in the policy.
Result<NextHop> selectNextHop(const OverlayPolicy& policy, Vsid source, const IpAddr& destination);

}  // namespace hnv::overlay
