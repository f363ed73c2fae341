// The table-driven bad-input cases of the policy engine: one BadCase per
// refused write, with the error code, the exact `where` and a piece of
// `why`; engine_bad_input_test.cc runs every family against the typical
// topology and checks that nothing changed.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "policy_fixture.h"

namespace hnv::policy::testing {

using ::testing::HasSubstr;
inline constexpr Errc Bad = Errc::InvalidArgument;
inline constexpr Errc Denied = Errc::PermissionDenied;
inline constexpr Errc Exists = Errc::AlreadyExists;

struct BadCase {
  std::string name;
  std::vector<Operation> ops;
  Errc code;
  std::string where;
  std::string why;
  Access access = Access::admin();
};

inline void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

inline std::vector<Operation> C(std::string_view kind, std::string_view body) { return {createOp(kind, body)}; }
inline std::vector<Operation> New(std::string_view kind, std::string_view fields) { return C(kind, with(kind, fields)); }
inline std::vector<Operation> R(std::string_view kind, std::string_view key, std::string_view body) {
  return {replaceOp(kind, key, body)};
}
inline std::vector<Operation> P(std::string_view kind, std::string_view key, std::string_view body) {
  return {patchOp(kind, key, body)};
}
inline std::vector<Operation> D(std::string_view kind, std::string_view key) { return {deleteOp(kind, key)}; }
inline std::vector<Operation> Rev(std::vector<Operation> ops, Revision r) {
  ops.back().expectedRevision = r;
  return ops;
}
inline std::vector<Operation> Batch(std::initializer_list<std::vector<Operation>> parts) {
  std::vector<Operation> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
inline std::string longText(std::string_view field, std::size_t n) {
  return "\"" + std::string(field) + "\":\"" + std::string(n, 'x') + "\"";
}

inline const Access kTenantA = tenantA();
inline const Access kTenantB = tenantB();
inline const Access kNodeHost1 = Access::forNode("host1");
inline const std::string kNil = "00000000-0000-0000-0000-000000000000";

// The gateway kinds' families (gateway_bad_input_cases.cc).
std::vector<BadCase> externalInterfaceCases();
std::vector<BadCase> gatewayRouteCases();

// The NAT kinds' families (nat_bad_input_cases.cc).
std::vector<BadCase> natInstanceCases();
std::vector<BadCase> natExternalAddressCases();
std::vector<BadCase> natStaticMappingCases();

}  // namespace hnv::policy::testing
