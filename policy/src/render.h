// A stored object as JSON: the kind's fields plus its revision fields.
#pragma once

#include <boost/json/object.hpp>

#include "hnv/policy/state.h"

namespace hnv::policy::detail {

template <class T>
boost::json::object renderStored(const Stored<T>& s) {
  boost::json::object o = KindTraits<T>::toJson(s.object);
  o[kRevisionField] = s.revision;
  o[kCreatedRevisionField] = s.createdRevision;
  return o;
}

}  // namespace hnv::policy::detail
