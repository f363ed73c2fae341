#include "hnv/dp/introspection.h"

#include <boost/json/object.hpp>

#include "hnv/wire/summary.h"

namespace hnv::dp {

namespace json = boost::json;

json::array countersJson(const CounterRegistry& counters, bool nonzero, std::string_view match) {
  json::array out;
  for (const auto& [desc, value] : counters.snapshot()) {
    if (nonzero && value == 0) continue;
    std::string key = desc->key();
    if (!match.empty() && key.find(match) == std::string::npos) continue;
    json::object labels;
    for (const auto& l : desc->labels) labels[l.key] = l.value;
    out.push_back(json::object{{"name", desc->name}, {"labels", labels}, {"key", key}, {"value", value}});
  }
  return out;
}

json::array workersJson(const Dataplane& dp) {
  json::array out;
  for (const auto& w : dp.runningWorkers()) {
    auto s = w->stats();
    out.push_back(json::object{{"index", w->index()}, {"lcore", w->lcore()}, {"walks", s.walks},
                               {"sleeps", s.sleeps}, {"received", s.received}});
  }
  return out;
}

json::array tracesJson(Dataplane& dp) {
  const NodeCatalog& cat = dp.catalog();
  json::array out;
  for (unsigned w = 0; w < dp.workers(); ++w) {
    auto records = dp.trace(w).records();
    for (const auto& pkt : dp.trace(w).packets()) {
      json::array path;
      for (const auto& r : records) {
        if (r.traceId != pkt.traceId) continue;
        const NodeDesc& desc = cat.at(r.node);
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
                                 {"summary", wire::summarizeFrame({pkt.bytes, pkt.captured})}, {"path", path}});
    }
  }
  return out;
}

void armTraces(Dataplane& dp, std::uint32_t count) {
  for (unsigned w = 0; w < dp.workers(); ++w) {
    dp.trace(w).clear();
    dp.trace(w).arm(count);
  }
}

}  // namespace hnv::dp
