// A tenant's dense index inside one node. The controller names tenants by
// routing domain (Rdid); data-plane tables are arrays indexed by TenantId, and
// every table key carries it so that overlapping customer addresses never meet.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace hnv {

class TenantId {
 public:
  // Index 0 is the node itself (its provider addresses, the exception path);
  // tenants start at 1.
  static constexpr TenantId node() { return TenantId(0); }
  constexpr explicit TenantId(std::uint32_t index) : index_(index) {}
  constexpr std::uint32_t index() const { return index_; }
  constexpr bool isNode() const { return index_ == 0; }
  std::string toString() const { return std::to_string(index_); }
  constexpr auto operator<=>(const TenantId&) const = default;

 private:
  std::uint32_t index_;
};

}  // namespace hnv
