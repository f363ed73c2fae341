// The gateway's NAT44 configuration compiled from its desired state (pure;
// errors name the item): one nat::Instance per nat-instance of a routing
// domain placed here, with its external addresses and static mappings, in
// the outside routing domain the instance names (which must be placed here
// too). The routes that lead into NAT and back are compileTenantTables'.
//
// Thread: control.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>

#include "hnv/base/counters.h"
#include "hnv/base/result.h"
#include "hnv/nat/config.h"
#include "hnv/overlay/overlay_policy.h"

namespace hnv::gateway {

// A tenant's NAT counters: hnv_nat_sessions_created_total{tenant} and
// hnv_nat_drops_total{tenant,reason}. None when the registry is full.
std::optional<nat::NatCounterIds> registerNatCounters(CounterRegistry& registry, const Rdid& rdid);

using NatCountersOf = std::function<std::optional<nat::NatCounterIds>(const Rdid&)>;
Result<nat::NatConfig> compileNatConfig(const boost::json::object& desired, const overlay::OverlayPolicy& policy,
                                        const NatCountersOf& counters = {});

}  // namespace hnv::gateway
