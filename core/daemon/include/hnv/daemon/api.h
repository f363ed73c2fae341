// The local API methods every data-plane daemon serves, over its
// NodeDataplane: status, counters, ports, trace.start, trace.show and
// neighbors. A program registers these, then its own methods
// (hnv-hostd: "policy").
//
// Thread: the io_context's thread (the control thread).
#pragma once

#include <string>

#include "hnv/agent/local_api.h"
#include "hnv/daemon/node_dataplane.h"

namespace hnv::daemon {

// `node` must outlive `api`'s handlers; `nodeName` is reported by "status".
void registerNodeApi(agent::LocalApiServer& api, NodeDataplane& node, std::string nodeName);

}  // namespace hnv::daemon
