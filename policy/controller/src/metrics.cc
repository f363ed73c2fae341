#include "hnv/controller/metrics.h"

namespace hnv::controller {
namespace {

std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace

std::string controllerMetrics(const policy::PolicyEngine& engine, const ControllerApi& api,
                              std::chrono::system_clock::time_point now) {
  std::string out;
  family(out, "hnv_controller_revision", "gauge", "The policy's current revision.");
  out += "hnv_controller_revision " + std::to_string(engine.revision()) + "\n";
  family(out, "hnv_controller_compacted_revision", "gauge",
         "Changes up to this revision are compacted away (a watch from before it gets 410).");
  out += "hnv_controller_compacted_revision " + std::to_string(engine.compactedRevision()) + "\n";
  family(out, "hnv_controller_objects", "gauge", "Policy objects stored, of every kind.");
  out += "hnv_controller_objects " + std::to_string(engine.state().objectCount()) + "\n";

  const auto& nodes = engine.nodeStatus();
  family(out, "hnv_controller_node_applied_revision", "gauge", "The revision a node last reported applied.");
  for (const auto& [node, st] : nodes) {
    out += "hnv_controller_node_applied_revision{node=\"" + label(node) + "\"} " +
           std::to_string(st.appliedRevision) + "\n";
  }
  family(out, "hnv_controller_node_lag_revisions", "gauge",
         "Revisions a node is behind the policy (not all of them concern it).");
  for (const auto& [node, st] : nodes) {
    const auto lag = engine.revision() > st.appliedRevision ? engine.revision() - st.appliedRevision : 0;
    out += "hnv_controller_node_lag_revisions{node=\"" + label(node) + "\"} " + std::to_string(lag) + "\n";
  }
  family(out, "hnv_controller_node_healthy", "gauge", "1 when the node's last report said \"ok\".");
  for (const auto& [node, st] : nodes) {
    out += "hnv_controller_node_healthy{node=\"" + label(node) + "\"} " + (st.health == "ok" ? "1" : "0") + "\n";
  }
  family(out, "hnv_controller_node_report_age_seconds", "gauge", "Seconds since the node's last report.");
  for (const auto& [node, st] : nodes) {
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - st.reportedAt).count();
    out += "hnv_controller_node_report_age_seconds{node=\"" + label(node) + "\"} " +
           std::to_string(age < 0 ? 0 : age) + "\n";
  }
  family(out, "hnv_controller_http_responses_total", "counter", "REST API responses by HTTP status.");
  for (const auto& [status, n] : api.responsesByStatus()) {
    out += "hnv_controller_http_responses_total{code=\"" + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  return out;
}

}  // namespace hnv::controller
