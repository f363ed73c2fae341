#include "hnv/daemon/api.h"

#include <boost/json/serialize.hpp>

#include "hnv/daemon/params.h"
#include "hnv/dp/introspection.h"

namespace hnv::daemon {
namespace {

namespace json = boost::json;

Result<fib::PingRequest> pingRequest(const json::object& p) {
  auto target = needString(p, "target", "a provider address");
  if (!target) return target.error();
  auto ip = IpAddr::parse(*target);
  if (!ip || ip->isMulticast() || ip->isUnspecified()) {
    return makeError(Errc::InvalidArgument, "params.target", *target, "a unicast provider address is required");
  }
  auto timing = probeTiming(p);
  if (!timing) return timing.error();
  return fib::PingRequest{*ip, timing->count, timing->interval, timing->timeout};
}

json::array portsJson(NodeDataplane& node) {
  json::array out;
  const auto* local = node.local().get();
  for (const auto& port : node.dataplane().ports()) {
    auto st = port.stats();
    auto link = port.link();
    json::array addrs;
    if (const auto* pa = local->onPort(port.id().value())) {
      for (const auto& a : pa->v4) addrs.push_back(json::string(a.toString()));
      for (const auto& a : pa->v6) addrs.push_back(json::string(a.toString()));
    }
    out.push_back(json::object{
        {"name", port.name()}, {"id", port.id().value()}, {"mac", port.mac().toString()}, {"mtu", port.mtu()},
        {"role", port.role() == dp::PortRole::Vm ? "vm" : "uplink"}, {"link_up", link.up}, {"addresses", addrs},
        {"stats", json::object{{"rx_packets", st.rxPackets}, {"tx_packets", st.txPackets}, {"rx_bytes", st.rxBytes},
                               {"tx_bytes", st.txBytes}, {"rx_missed", st.rxMissed}, {"rx_errors", st.rxErrors},
                               {"tx_errors", st.txErrors}, {"rx_nombuf", st.rxNoMbuf}}}});
  }
  return out;
}

}  // namespace

void registerNodeApi(agent::LocalApiServer& api, NodeDataplane& node, std::string nodeName) {
  dp::Dataplane& dp = node.dataplane();
  api.on("status", [&dp, nodeName = std::move(nodeName)](const json::object&) -> Result<json::value> {
    return json::object{{"node", nodeName}, {"running", dp.running()}, {"workers", dp::workersJson(dp)},
                        {"ports", dp.ports().size()}};
  });

  api.on("counters", [&dp](const json::object& p) -> Result<json::value> {
    auto nonzero = optBool(p, "nonzero", false);
    if (!nonzero) return nonzero.error();
    auto match = optString(p, "match");
    if (!match) return match.error();
    return dp::countersJson(dp.counters(), *nonzero, *match);
  });

  api.on("ports", [&node](const json::object&) -> Result<json::value> { return portsJson(node); });

  api.on("trace.start", [&dp](const json::object& p) -> Result<json::value> {
    std::uint64_t count = 16;
    if (const auto* v = p.if_contains("count")) {
      if (!v->is_int64() || v->as_int64() < 1 || v->as_int64() > 256) {
        return makeError(Errc::InvalidArgument, "params.count", json::serialize(*v), "must be a whole number from 1 to 256");
      }
      count = static_cast<std::uint64_t>(v->as_int64());
    }
    dp::armTraces(dp, static_cast<std::uint32_t>(count));
    return json::object{{"armed", count}, {"workers", dp.workers()}};
  });

  api.on("trace.show", [&dp](const json::object&) -> Result<json::value> { return dp::tracesJson(dp); });

  // The resolver's entries, pending next hops and counters.
  api.on("neighbors", [&node](const json::object&) -> Result<json::value> { return node.resolver().toJson(); });

  // Capture to pcapng; answers when the capture ends.
  api.onAsync("capture", [&node](const json::object& p, agent::Responder respond) {
    std::vector<std::string> ports;
    const auto* list = p.if_contains("ports");
    if (list == nullptr || !list->is_array() || list->as_array().empty()) {
      return respond(makeError(Errc::InvalidArgument, "params.ports", "", "a list of port names is required"));
    }
    for (const auto& v : list->as_array()) {
      if (!v.is_string()) return respond(makeError(Errc::InvalidArgument, "params.ports", json::serialize(v), "must be a port name"));
      ports.emplace_back(v.as_string());
    }
    auto file = optString(p, "file");
    if (!file) return respond(file.error());
    if (file->empty() || file->front() != '/') {
      return respond(makeError(Errc::InvalidArgument, "params.file", *file, "an absolute path is required"));
    }
    auto count = optUint(p, "count", 1, 10'000'000, 1000);
    if (!count) return respond(count.error());
    auto seconds = optUint(p, "seconds", 1, 3600, 10);
    if (!seconds) return respond(seconds.error());
    if (auto st = node.startCapture(ports, *file, *count, std::chrono::seconds(*seconds), respond); !st) {
      respond(st.error());
    }
  });

  // PA ping: echo requests from the data plane; answers when the run ends.
  api.onAsync("pa.ping", [&node](const json::object& p, agent::Responder respond) {
    auto req = pingRequest(p);
    if (!req) return respond(req.error());
    if (auto st = node.pinger().start(*req, respond); !st) respond(st.error());
  });
}

}  // namespace hnv::daemon
