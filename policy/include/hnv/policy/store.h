// Where the policy is kept durably. The engine keeps the whole policy in
// memory and calls the store to make each committed batch durable, all or
// nothing, and to read the change history that watches resume from.
//
// Implementations: SqliteStore (policy/store, the embedded default).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "hnv/policy/change.h"

namespace hnv::policy {

struct StoredRow {
  std::string kind;
  std::string key;
  Revision revision = 0;
  Revision createdRevision = 0;
  std::string body;  // the object's JSON without revision fields
};

struct StoreSnapshot {
  Revision revision = 0;
  // Changes at or below this revision are no longer in the history.
  Revision compactedRevision = 0;
  std::vector<StoredRow> rows;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Result<StoreSnapshot> load() = 0;
  // Stores the objects and appends the changes to the history in one
  // transaction; the store revision becomes the last change's revision.
  virtual Status commit(std::span<const Change> changes) = 0;
  // History after `after`, oldest first, at most `limit` changes.
  virtual Result<std::vector<Change>> changesSince(Revision after, std::size_t limit) = 0;
  // Forgets history at or below `upTo`.
  virtual Status compact(Revision upTo) = 0;
  virtual Revision compactedRevision() const = 0;
};

}  // namespace hnv::policy
