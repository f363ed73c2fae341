// The local API methods of hnvgwd.
#include <rte_cycles.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <map>

#include "frame_summary.h"
#include "hnv/gateway/gateway.h"

namespace hnv::gateway {
namespace {

namespace json = boost::json;

Result<bool> optBool(const json::object& p, std::string_view key, bool fallback) {
  const auto* v = p.if_contains(key);
  if (v == nullptr) return fallback;
  if (!v->is_bool()) return makeError(Errc::InvalidArgument, "params." + std::string(key), json::serialize(*v), "must be true or false");
  return v->as_bool();
}

Result<std::string> optString(const json::object& p, std::string_view key) {
  const auto* v = p.if_contains(key);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return makeError(Errc::InvalidArgument, "params." + std::string(key), json::serialize(*v), "must be a string");
  return std::string(v->as_string());
}

json::value countersJson(const CounterRegistry& reg, bool nonzero, const std::string& match) {
  json::array out;
  for (const auto& [desc, value] : reg.snapshot()) {
    if (nonzero && value == 0) continue;
    std::string key = desc->key();
    if (!match.empty() && key.find(match) == std::string::npos) continue;
    json::object labels;
    for (const auto& l : desc->labels) labels[l.key] = l.value;
    out.push_back(json::object{{"name", desc->name}, {"labels", labels}, {"key", key}, {"value", value}});
  }
  return out;
}

}  // namespace

void Gateway::registerApi(agent::LocalApiServer& api) {
  api.on("status", [this](const json::object&) -> Result<json::value> {
    json::array workers;
    for (const auto& w : dp_->runningWorkers()) {
      auto s = w->stats();
      workers.push_back(json::object{{"index", w->index()}, {"lcore", w->lcore()}, {"walks", s.walks},
                                     {"sleeps", s.sleeps}, {"received", s.received}});
    }
    return json::object{{"node", config_.nodeName}, {"running", dp_->running()}, {"workers", workers},
                        {"ports", dp_->ports().size()}};
  });

  api.on("counters", [this](const json::object& p) -> Result<json::value> {
    auto nonzero = optBool(p, "nonzero", false);
    if (!nonzero) return nonzero.error();
    auto match = optString(p, "match");
    if (!match) return match.error();
    return countersJson(dp_->counters(), *nonzero, *match);
  });

  api.on("ports", [this](const json::object&) -> Result<json::value> {
    json::array out;
    const auto* local = local_->get();
    for (const auto& port : dp_->ports()) {
      auto st = port.stats();
      auto link = port.link();
      json::array addrs;
      if (const auto* pa = local->onPort(port.id().value())) {
        for (const auto& a : pa->v4) addrs.push_back(json::string(a.toString()));
        for (const auto& a : pa->v6) addrs.push_back(json::string(a.toString()));
      }
      out.push_back(json::object{
          {"name", port.name()}, {"id", port.id().value()}, {"mac", port.mac().toString()}, {"mtu", port.mtu()},
          {"link_up", link.up}, {"addresses", addrs},
          {"stats", json::object{{"rx_packets", st.rxPackets}, {"tx_packets", st.txPackets}, {"rx_bytes", st.rxBytes},
                                 {"tx_bytes", st.txBytes}, {"rx_missed", st.rxMissed}, {"rx_errors", st.rxErrors},
                                 {"tx_errors", st.txErrors}, {"rx_nombuf", st.rxNoMbuf}}}});
    }
    return out;
  });

  api.on("trace.start", [this](const json::object& p) -> Result<json::value> {
    std::uint64_t count = 16;
    if (const auto* v = p.if_contains("count")) {
      if (!v->is_int64() || v->as_int64() < 1 || v->as_int64() > 256) {
        return makeError(Errc::InvalidArgument, "params.count", json::serialize(*v), "must be a whole number from 1 to 256");
      }
      count = static_cast<std::uint64_t>(v->as_int64());
    }
    for (unsigned w = 0; w < dp_->workers(); ++w) {
      dp_->trace(w).clear();
      dp_->trace(w).arm(static_cast<std::uint32_t>(count));
    }
    return json::object{{"armed", count}, {"workers", dp_->workers()}};
  });

  api.on("trace.show", [this](const json::object&) -> Result<json::value> {
    const auto& cat = dp_->catalog();
    json::array out;
    for (unsigned w = 0; w < dp_->workers(); ++w) {
      auto records = dp_->trace(w).records();
      for (const auto& pkt : dp_->trace(w).packets()) {
        json::array path;
        for (const auto& r : records) {
          if (r.traceId != pkt.traceId) continue;
          const auto& desc = cat.at(r.node);
          json::object step{{"node", desc.name}};
          if (r.hasError) {
            step["dropped"] = desc.errors.at(r.error);
          } else if (desc.sink) {
            step["end"] = desc.name == "drop" ? "freed" : "sent";
          } else {
            step["next"] = desc.nextNodes.at(r.next);
          }
          path.push_back(std::move(step));
        }
        out.push_back(json::object{{"trace_id", pkt.traceId}, {"worker", w}, {"rx_port", pkt.rxPort},
                                   {"length", pkt.length},
                                   {"summary", summarizeFrame({pkt.bytes, pkt.captured})}, {"path", path}});
      }
    }
    return out;
  });
}

}  // namespace hnv::gateway
