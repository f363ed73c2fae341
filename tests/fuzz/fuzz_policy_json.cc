// Policy API bodies: any bytes through the JSON parser, every kind's
// validation, the batch parser and the next-hop query. Whatever a kind
// accepts must convert back to JSON that it accepts again unchanged (the
// canonical form is a fixed point), and its key must not change.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hnv/base/config_node.h"
#include "hnv/policy/change.h"
#include "hnv/policy/kinds.h"
#include "hnv/policy/nexthop.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = hnv::parseJson(text, "body");
  if (!doc) {
    check(!doc.error().where.empty());
    return 0;
  }
  hnv::policy::forEachKind([&](auto kind) {
    using T = typename decltype(kind)::type;
    using Traits = hnv::policy::KindTraits<T>;
    auto obj = Traits::fromJson(hnv::ConfigNode(&*doc, ""));
    if (!obj) {
      check(!obj.error().why.empty());
      return;
    }
    boost::json::value canonical = Traits::toJson(*obj);
    auto again = Traits::fromJson(hnv::ConfigNode(&canonical, ""));
    check(again.ok());
    check(Traits::toJson(*again) == canonical.as_object());
    check(Traits::key(*again) == Traits::key(*obj));
  });
  (void)hnv::policy::parseBatch(*doc, 1000);
  (void)hnv::policy::nextHopQueryFromJson(*doc);
  (void)hnv::policy::changeFromJson(*doc);
  return 0;
}
