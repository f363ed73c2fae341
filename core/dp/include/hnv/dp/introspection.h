// What a data-plane program reports about itself, as JSON, for any local
// API (hnvgwd today, hnv-hostd next): counters, workers and packet traces.
//
// Thread: control.
#pragma once

#include <boost/json/array.hpp>
#include <string_view>

#include "hnv/base/counters.h"
#include "hnv/dp/dataplane.h"

namespace hnv::dp {

// [{name, labels{}, key, value}], optionally only non-zero ones and those
// whose key contains `match`.
boost::json::array countersJson(const CounterRegistry& counters, bool nonzero, std::string_view match);

// [{index, lcore, walks, sleeps, received}]
boost::json::array workersJson(const Dataplane& dp);

// Every traced packet of every worker: {trace_id, worker, rx_port, length,
// summary, path[{node, next | dropped | end}]}.
boost::json::array tracesJson(Dataplane& dp);

// Clears every worker's trace buffer and arms it for `count` packets.
void armTraces(Dataplane& dp, std::uint32_t count);

}  // namespace hnv::dp
