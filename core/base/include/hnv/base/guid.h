// GUIDs name routing domains (RDID) and customers (CustomerID). Each role gets
// its own type so that one cannot be passed where the other is expected.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "hnv/base/result.h"

namespace hnv {

class Guid {
 public:
  constexpr Guid() = default;
  constexpr explicit Guid(const std::array<std::uint8_t, 16>& bytes) : bytes_(bytes) {}

  // "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", optionally in braces, any case.
  static Result<Guid> parse(std::string_view text);
  // Lower case, no braces.
  std::string toString() const;
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  bool isNil() const;

  constexpr auto operator<=>(const Guid&) const = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

template <class Tag>
class TaggedGuid {
 public:
  constexpr TaggedGuid() = default;
  constexpr explicit TaggedGuid(Guid g) : guid_(g) {}
  static Result<TaggedGuid> parse(std::string_view text) {
    auto g = Guid::parse(text);
    if (!g) return g.error();
    return TaggedGuid(*g);
  }
  const Guid& guid() const { return guid_; }
  std::string toString() const { return guid_.toString(); }
  constexpr auto operator<=>(const TaggedGuid&) const = default;

 private:
  Guid guid_;
};

struct RdidTag {};
struct CustomerIdTag {};
// Routing domain id: a tenant's VM network.
using Rdid = TaggedGuid<RdidTag>;
using CustomerId = TaggedGuid<CustomerIdTag>;

}  // namespace hnv
