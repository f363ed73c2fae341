// Named counters with one value block per writer thread.
//
// Registration (add) and reading (total, snapshot) happen on the control
// thread. Each writer (the control thread is writer 0, data-plane workers are
// 1..N) increments only its own block, so the packet path needs no atomic
// read-modify-write: a relaxed store of load+n is enough because there is one
// writer per block, and readers sum the blocks. Ids are stable and blocks have
// a fixed capacity, so workers never see memory move under them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hnv/base/result.h"

namespace hnv {

struct CounterLabel {
  std::string key;
  std::string value;
  auto operator<=>(const CounterLabel&) const = default;
};

// name: Prometheus-style metric family, e.g. "hnv_node_drops_total";
// labels distinguish members, e.g. {node="eth-input", reason="bad-ethertype"}.
struct CounterDesc {
  std::string name;
  std::vector<CounterLabel> labels;
  std::string help;
  // "name{k=\"v\",...}" as Prometheus prints it.
  std::string key() const;
  std::string label(std::string_view key) const;
};

class CounterId {
 public:
  constexpr explicit CounterId(std::uint32_t i) : index_(i) {}
  constexpr std::uint32_t index() const { return index_; }
  constexpr auto operator<=>(const CounterId&) const = default;

 private:
  std::uint32_t index_;
};

class CounterBlock {
 public:
  explicit CounterBlock(std::size_t capacity) : values_(new std::uint64_t[capacity]()) {}
  // Thread: the block's one writer.
  void add(CounterId id, std::uint64_t n = 1) {
    std::atomic_ref<std::uint64_t> v(values_[id.index()]);
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // Thread: any.
  std::uint64_t get(CounterId id) const {
    return std::atomic_ref<std::uint64_t>(values_[id.index()]).load(std::memory_order_relaxed);
  }

 private:
  std::unique_ptr<std::uint64_t[]> values_;
};

class CounterRegistry {
 public:
  static constexpr std::size_t kDefaultCapacity = 1 << 16;
  // writers: number of value blocks (1 + number of workers).
  explicit CounterRegistry(unsigned writers, std::size_t capacity = kDefaultCapacity);

  // Thread: control. Registering the same name and labels twice returns the same id.
  Result<CounterId> add(CounterDesc desc);
  std::optional<CounterId> find(std::string_view name, const std::vector<CounterLabel>& labels) const;

  unsigned writers() const { return static_cast<unsigned>(blocks_.size()); }
  CounterBlock& block(unsigned writer) { return *blocks_.at(writer); }
  std::size_t size() const { return descs_.size(); }
  const CounterDesc& describe(CounterId id) const { return descs_.at(id.index()); }

  // Thread: control. Sum over writers.
  std::uint64_t total(CounterId id) const;
  std::vector<std::pair<const CounterDesc*, std::uint64_t>> snapshot() const;

 private:
  std::size_t capacity_;
  std::vector<CounterDesc> descs_;
  std::unordered_map<std::string, std::uint32_t> byKey_;  // CounterDesc::key() -> id
  std::vector<std::unique_ptr<CounterBlock>> blocks_;
};

// Every counter in Prometheus' text exposition format (version 0.0.4): per
// family "# HELP" (its first non-empty help) and "# TYPE <name> counter",
// then one "<name>{labels} <value>" line per member. Thread: control.
std::string prometheusText(const CounterRegistry& counters);

}  // namespace hnv
