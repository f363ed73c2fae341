// The embedded default Store: one SQLite file in WAL mode. Each commit() is
// one SQLite transaction, so a batch is durable all or nothing even when the
// process is killed mid-commit. See policy/store/README.md for the schema.
//
// Thread: not synchronised; one thread (the controller's io thread) owns an
// instance and makes every call. The connection is opened without SQLite's
// own mutexes for that reason.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hnv/base/result.h"
#include "hnv/policy/store.h"

// sqlite3.h stays out of this header so users of the store need not see it.
struct sqlite3;
struct sqlite3_stmt;

namespace hnv::policy {

struct SqliteOptions {
  // FULL syncs the WAL on every commit: a committed batch survives a power
  // loss. NORMAL still survives a process crash but may lose the last
  // batches on power loss; it is for tests and benchmarks.
  bool synchronousFull = true;
};

class SqliteStore final : public Store {
 public:
  // The schema version this code writes; a file with a newer one is refused.
  static constexpr std::int64_t kSchemaVersion = 1;

  // Opens or creates the database at `path` and creates the schema if it is
  // missing. Fails (never throws) when the file is not a database, has a
  // newer schema, or cannot be put in WAL mode.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, SqliteOptions opts = {});

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<StoreSnapshot> load() override;
  Status commit(std::span<const Change> changes) override;
  Result<std::vector<Change>> changesSince(Revision after, std::size_t limit) override;
  Status compact(Revision upTo) override;
  Revision compactedRevision() const override { return compacted_; }
  // The revision of the last committed change (0 for an empty store).
  Revision revision() const { return revision_; }

  const std::string& path() const { return path_; }

 private:
  struct DbCloser {
    void operator()(sqlite3* db) const;
  };
  struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const;
  };
  using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
  using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

  explicit SqliteStore(std::string path);

  Status configure(const SqliteOptions& opts);
  Status createSchema();
  Status prepareStatements();
  Status readMeta();
  Status exec(const char* sql, std::string_view doing);
  Status prepare(StmtPtr& out, const char* sql);
  Status setMeta(const char* name, Revision value);
  // Applies one change to `objects` and appends it to `changes`.
  Status storeChange(const Change& c);
  // An Error about this store's file; `doing` says what was being attempted
  // and SQLite's last message says why it failed.
  Error sqliteError(std::string_view doing) const;

  std::string path_;
  Revision revision_ = 0;
  Revision compacted_ = 0;
  // The connection outlives the statements: members are destroyed in reverse
  // order, so every statement is finalised before the database is closed.
  DbPtr db_;
  // Prepared once; reset and rebound per row, because re-preparing per row
  // would dominate a large commit.
  StmtPtr putObject_;
  StmtPtr deleteObject_;
  StmtPtr insertChange_;
  StmtPtr setMeta_;
  StmtPtr selectChanges_;
  StmtPtr deleteChanges_;
};

}  // namespace hnv::policy
