// VSID -> tenant. An immutable snapshot published to workers by RCU; the
// controller's tenant placement fills it (gateway data plane issue). Until
// then it is empty and every NVGRE packet is an unknown VSID.
#pragma once

#include <optional>
#include <unordered_map>

#include "hnv/base/result.h"
#include "hnv/base/tenant.h"
#include "hnv/base/vsid.h"

namespace hnv::overlay {

class VsidTable {
 public:
  // Refuses reserved VSIDs and the node's own tenant index.
  Status add(Vsid vsid, TenantId tenant);
  std::optional<TenantId> find(Vsid vsid) const {
    auto it = map_.find(vsid.value());
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }
  std::size_t size() const { return map_.size(); }

 private:
  std::unordered_map<std::uint32_t, TenantId> map_;
};

}  // namespace hnv::overlay
