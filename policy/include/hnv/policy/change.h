// Changes and the write operations that produce them.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "hnv/policy/state.h"

namespace hnv::policy {

enum class ChangeOp : std::uint8_t { Put, Delete };

// One committed change. Every change has its own revision; a batch of N
// operations commits N consecutive revisions at once.
struct Change {
  Revision revision = 0;
  std::string kind;  // KindTraits<T>::kName
  std::string key;
  ChangeOp op = ChangeOp::Put;
  // Put: the object as stored (with "revision" and "createdRevision").
  // Delete: the object as it was before removal.
  boost::json::object object;
  // The routing domain (RDID) the object belonged to when the change was
  // committed; empty for infrastructure kinds. Watches filter on this, not
  // on today's state, in which the object's subnet may since belong to
  // another tenant or be gone.
  std::string domain;
};

boost::json::object changeToJson(const Change& c);
Result<Change> changeFromJson(const boost::json::value& v);

// One item of a write request.
struct Operation {
  enum class Verb : std::uint8_t { Create, Replace, Patch, Delete };
  Verb verb = Verb::Create;
  std::string kind;
  std::string key;           // Replace, Patch, Delete
  boost::json::value body;   // Create, Replace, Patch
  // Optimistic concurrency: the revision the caller last saw. A "revision"
  // field in the body means the same.
  std::optional<Revision> expectedRevision;
};

// Parses the operations of a batch request:
// {"operations": [{"op": "create|replace|patch|delete", "kind": "...", "key": "...", "object": {...},
//                  "revision": N}]}
Result<std::vector<Operation>> parseBatch(const boost::json::value& body, std::size_t maxOperations);

}  // namespace hnv::policy
