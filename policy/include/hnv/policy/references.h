// Rules that span objects: what must exist before an object may be written,
// what may not be removed while something refers to it, and which routing
// domain an object belongs to (the unit of tenant access).
#pragma once

#include <optional>

#include "hnv/policy/state.h"

namespace hnv::policy {

// Checks `obj` against the rest of the state before it is stored under its
// key (an update replaces the object of the same key).
template <class T>
Status checkPut(const PolicyState& state, const T& obj);

// Checks that nothing still refers to `obj`.
template <class T>
Status checkRemove(const PolicyState& state, const T& obj);

// The routing domain an object belongs to; none for infrastructure objects
// (nodes, provider addresses and routes, global settings), which only an
// administrator may see.
template <class T>
std::optional<Rdid> owningDomain(const PolicyState& state, const T& obj);

}  // namespace hnv::policy
