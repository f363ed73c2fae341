#include "hnv/base/vsid.h"

namespace hnv {

Result<Vsid> Vsid::make(std::uint64_t value) {
  if (value > kMax) {
    return makeError(Errc::OutOfRange, "vsid", std::to_string(value), "a VSID has 24 bits (0..16777215)");
  }
  return Vsid(static_cast<std::uint32_t>(value));
}

Result<Vsid> Vsid::forTenant(std::uint64_t value) {
  if (value < kFirstTenant || value > kLastTenant) {
    return makeError(Errc::OutOfRange, "vsid", std::to_string(value),
                     "tenant VSIDs range from 4096 to 16777214; 0..4095 and 16777215 are reserved");
  }
  return Vsid(static_cast<std::uint32_t>(value));
}

}  // namespace hnv
