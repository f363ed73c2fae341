// hnv-controller's Prometheus text: the policy revision and object count,
// each reporting node's applied revision, lag and health, and the API's
// responses by HTTP status. Served by service::MetricsServer when the
// configuration has "metrics": {"listen": ...} (docs/operations.md).
//
// Thread: the controller's io_context (it reads the engine).
#pragma once

#include <chrono>
#include <string>

#include "hnv/controller/api.h"
#include "hnv/policy/engine.h"

namespace hnv::controller {

std::string controllerMetrics(const policy::PolicyEngine& engine, const ControllerApi& api,
                              std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace hnv::controller
