#include "hnv/base/counters.h"

#include <algorithm>
#include <map>

namespace hnv {

std::string CounterDesc::key() const {
  std::string k = name;
  if (labels.empty()) return k;
  k += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i != 0) k += ',';
    k += labels[i].key;
    k += "=\"";
    // Escaped as Prometheus' text format requires, so that a value cannot end the label early.
    for (char c : labels[i].value) {
      if (c == '\\' || c == '"') {
        k += '\\';
        k += c;
      } else if (c == '\n') {
        k += "\\n";
      } else {
        k += c;
      }
    }
    k += '"';
  }
  k += '}';
  return k;
}

std::string CounterDesc::label(std::string_view k) const {
  for (const auto& l : labels) {
    if (l.key == k) return l.value;
  }
  return {};
}

CounterRegistry::CounterRegistry(unsigned writers, std::size_t capacity) : capacity_(capacity) {
  blocks_.reserve(writers);
  for (unsigned i = 0; i < std::max(writers, 1u); ++i) blocks_.push_back(std::make_unique<CounterBlock>(capacity));
}

std::optional<CounterId> CounterRegistry::find(std::string_view name, const std::vector<CounterLabel>& labels) const {
  auto it = byKey_.find(CounterDesc{std::string(name), labels, {}}.key());
  if (it == byKey_.end()) return std::nullopt;
  return CounterId(it->second);
}

Result<CounterId> CounterRegistry::add(CounterDesc desc) {
  if (desc.name.empty()) return makeError(Errc::InvalidArgument, "counter", "", "a counter needs a name");
  if (auto existing = find(desc.name, desc.labels)) return *existing;
  if (descs_.size() >= capacity_) {
    return makeError(Errc::OutOfRange, "counter", desc.key(),
                     "the registry is full (" + std::to_string(capacity_) + " counters)");
  }
  const auto id = static_cast<std::uint32_t>(descs_.size());
  byKey_.emplace(desc.key(), id);
  descs_.push_back(std::move(desc));
  return CounterId(id);
}

std::uint64_t CounterRegistry::total(CounterId id) const {
  std::uint64_t sum = 0;
  for (const auto& b : blocks_) sum += b->get(id);
  return sum;
}

std::vector<std::pair<const CounterDesc*, std::uint64_t>> CounterRegistry::snapshot() const {
  std::vector<std::pair<const CounterDesc*, std::uint64_t>> out;
  out.reserve(descs_.size());
  for (std::size_t i = 0; i < descs_.size(); ++i) {
    out.emplace_back(&descs_[i], total(CounterId(static_cast<std::uint32_t>(i))));
  }
  return out;
}

std::string prometheusText(const CounterRegistry& counters) {
  auto rows = counters.snapshot();
  // Families together, in the order their first member was registered.
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::pair<const CounterDesc*, std::uint64_t>>, std::less<>> families;
  for (const auto& row : rows) {
    auto [it, fresh] = families.try_emplace(row.first->name);
    if (fresh) order.push_back(row.first->name);
    it->second.push_back(row);
  }
  std::string out;
  for (const auto& name : order) {
    const auto& members = families[name];
    std::string help;
    for (const auto& m : members) {
      if (help.empty()) help = m.first->help;
    }
    if (!help.empty()) {
      out += "# HELP " + name + " ";
      for (char c : help) out += c == '\n' ? std::string("\\n") : c == '\\' ? std::string("\\\\") : std::string(1, c);
      out += "\n";
    }
    out += "# TYPE " + name + " counter\n";
    for (const auto& [desc, value] : members) out += desc->key() + " " + std::to_string(value) + "\n";
  }
  return out;
}

}  // namespace hnv
