#include "hnv/overlay/extensions.h"

namespace hnv::overlay {

std::string_view hookPointName(HookPoint p) {
  switch (p) {
    case HookPoint::FromVm: return "from-vm";
    case HookPoint::Encapsulated: return "encapsulated";
    case HookPoint::Received: return "received";
    case HookPoint::ToVm: return "to-vm";
  }
  return "?";
}

Extensions::Extensions(dp::Rcu& rcu) : table_(rcu, std::make_unique<const HookTable>()) {}

Result<std::uint32_t> Extensions::add(HookPoint point, std::string name, HookFn fn) {
  if (!fn) return makeError(Errc::InvalidArgument, "hook", name, "has no function");
  if (static_cast<std::size_t>(point) >= kHookPoints) {
    return makeError(Errc::InvalidArgument, "point", std::to_string(static_cast<int>(point)), "is no hook point");
  }
  auto next = std::make_unique<HookTable>(*table_.get());
  const std::uint32_t id = nextId_++;
  next->hooks_[static_cast<std::size_t>(point)].push_back({id, std::move(name), std::move(fn)});
  table_.publish(std::move(next));
  return id;
}

Status Extensions::remove(std::uint32_t id) {
  auto next = std::make_unique<HookTable>(*table_.get());
  for (auto& hooks : next->hooks_) {
    for (auto it = hooks.begin(); it != hooks.end(); ++it) {
      if (it->id != id) continue;
      hooks.erase(it);
      table_.publish(std::move(next));  // returns after a grace period: no worker runs the old table
      return okStatus();
    }
  }
  return makeError(Errc::NotFound, "hook", std::to_string(id), "no hook has this id");
}

std::vector<std::pair<std::uint32_t, std::string>> Extensions::list() const {
  std::vector<std::pair<std::uint32_t, std::string>> out;
  for (std::size_t p = 0; p < kHookPoints; ++p) {
    for (const auto& h : table_.get()->at(static_cast<HookPoint>(p))) {
      out.emplace_back(h.id, h.name + " at " + std::string(hookPointName(static_cast<HookPoint>(p))));
    }
  }
  return out;
}

}  // namespace hnv::overlay
