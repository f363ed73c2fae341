#include "hnv/policy/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace hnv::policy {
namespace {

constexpr const char* kWhere = "store";
constexpr int kBusyTimeoutMs = 5000;
// SQLite integers are signed 64-bit; revisions above this cannot be stored.
constexpr Revision kMaxRevision = static_cast<Revision>(std::numeric_limits<std::int64_t>::max());
// SQLITE_STATIC spelled without its C-style cast: the bound text outlives the
// step, so SQLite need not copy it.
constexpr sqlite3_destructor_type kStatic = nullptr;

constexpr const char* kCreateMeta = "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL)";
constexpr const char* kCreateTables =
    "CREATE TABLE IF NOT EXISTS objects(kind TEXT NOT NULL, key TEXT NOT NULL, revision INTEGER NOT NULL,"
    " created_revision INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY(kind, key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS changes(revision INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL,"
    " op INTEGER NOT NULL, body TEXT NOT NULL, domain TEXT NOT NULL DEFAULT '');"
    "INSERT OR IGNORE INTO meta(name, value) VALUES('schema', 1), ('revision', 0), ('compacted', 0);";

Errc errcFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return Errc::Conflict;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Errc::Unavailable;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Errc::Malformed;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Errc::PermissionDenied;
    default:
      return Errc::Io;
  }
}

std::int64_t toSql(Revision r) { return static_cast<std::int64_t>(std::min(r, kMaxRevision)); }

// Resets a cached statement when the work with it ends, also on an early
// return, so a failed step never keeps a read or write open.
class ResetGuard {
 public:
  explicit ResetGuard(sqlite3_stmt* s) : s_(s) {}
  ~ResetGuard() { sqlite3_reset(s_); }
  ResetGuard(const ResetGuard&) = delete;
  ResetGuard& operator=(const ResetGuard&) = delete;

 private:
  sqlite3_stmt* s_;
};

// Rolls back unless committed, so every early return leaves the file as it was.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    // A failed COMMIT may already have rolled back; only roll back what is open.
    if (begun_ && sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // IMMEDIATE takes the write lock up front: a writer never fails half-way
  // through a batch because another connection wrote first.
  bool begin(const char* sql = "BEGIN IMMEDIATE") {
    begun_ = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    return begun_;
  }
  bool commit() {
    bool ok = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
    if (ok) begun_ = false;
    return ok;
  }

 private:
  sqlite3* db_;
  bool begun_ = false;
};

bool bindText(sqlite3_stmt* s, int index, const std::string& text) {
  return sqlite3_bind_text64(s, index, text.data(), text.size(), kStatic, SQLITE_UTF8) == SQLITE_OK;
}

bool bindInt(sqlite3_stmt* s, int index, std::int64_t value) {
  return sqlite3_bind_int64(s, index, value) == SQLITE_OK;
}

std::string columnText(sqlite3_stmt* s, int index) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, index));
  return text == nullptr ? std::string() : std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(s, index)));
}

Revision columnRevision(sqlite3_stmt* s, int index) {
  return static_cast<Revision>(std::max<sqlite3_int64>(0, sqlite3_column_int64(s, index)));
}

// The objects table keeps revisions in columns, so the body leaves them out.
std::string bodyWithoutRevisions(const boost::json::object& o) {
  if (!o.contains("revision") && !o.contains("createdRevision")) return boost::json::serialize(o);
  boost::json::object copy = o;
  copy.erase("revision");
  copy.erase("createdRevision");
  return boost::json::serialize(copy);
}

Revision createdRevisionOf(const Change& c) {
  if (const boost::json::value* v = c.object.if_contains("createdRevision")) {
    boost::system::error_code ec;
    auto created = v->to_number<Revision>(ec);
    if (!ec && created != 0) return created;
  }
  return c.revision;
}

}  // namespace

void SqliteStore::DbCloser::operator()(sqlite3* db) const { sqlite3_close_v2(db); }
void SqliteStore::StmtFinalizer::operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }

SqliteStore::SqliteStore(std::string path) : path_(std::move(path)) {}

SqliteStore::~SqliteStore() {
  // Statements first: a connection with live statements cannot close cleanly.
  deleteChanges_.reset();
  selectChanges_.reset();
  setMeta_.reset();
  insertChange_.reset();
  deleteObject_.reset();
  putObject_.reset();
  db_.reset();
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, SqliteOptions opts) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(path));
  // The policy holds secrets (write-only fields such as S2S pre-shared
  // keys): the database is the service's alone. SQLite gives its -wal and
  // -shm files the database file's mode.
  if (path != ":memory:" && path.rfind("file:", 0) != 0) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return makeError(Errc::Io, "store", path, std::string("cannot open the database: ") + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) ::fchmod(fd, st.st_mode & 0700);
    ::close(fd);
  }
  sqlite3* db = nullptr;
  // NOMUTEX: one thread owns the store, so SQLite's own locking is wasted.
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  store->db_.reset(db);  // owned even on failure, which still allocates a handle
  if (rc != SQLITE_OK) return store->sqliteError("cannot open the database");
  if (auto s = store->configure(opts); !s) return std::move(s).error();
  if (auto s = store->createSchema(); !s) return std::move(s).error();
  if (auto s = store->prepareStatements(); !s) return std::move(s).error();
  if (auto s = store->readMeta(); !s) return std::move(s).error();
  return store;
}

Error SqliteStore::sqliteError(std::string_view doing) const {
  int rc = db_ ? sqlite3_errcode(db_.get()) : SQLITE_NOMEM;
  std::string why(doing);
  why += ": ";
  why += db_ ? sqlite3_errmsg(db_.get()) : "out of memory";
  return makeError(errcFor(rc), kWhere, path_, std::move(why));
}

Status SqliteStore::exec(const char* sql, std::string_view doing) {
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) return sqliteError(doing);
  return okStatus();
}

Status SqliteStore::prepare(StmtPtr& out, const char* sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  out.reset(s);
  if (rc != SQLITE_OK) return sqliteError(std::string("cannot prepare \"") + sql + "\"");
  return okStatus();
}

Status SqliteStore::configure(const SqliteOptions& opts) {
  sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
  // The first statement reads the file header, so this is also where a file
  // that is not a database is found out.
  StmtPtr wal;
  if (auto s = prepare(wal, "PRAGMA journal_mode=WAL"); !s) return s;
  if (sqlite3_step(wal.get()) != SQLITE_ROW) return sqliteError("cannot switch to the WAL journal");
  // WAL is what makes a commit atomic and durable without blocking readers;
  // a file system that cannot do it (no shared memory) gets a clear refusal.
  std::string mode = columnText(wal.get(), 0);
  // ":memory:" keeps its own journal; it has nothing to make durable anyway
  // (hnv-controller --print-openapi uses one).
  if (mode != "wal" && !(path_ == ":memory:" && mode == "memory")) {
    return makeError(Errc::Unsupported, kWhere, path_,
                     "cannot switch to the WAL journal: SQLite kept \"" + mode + "\"");
  }
  wal.reset();
  if (auto s = exec(opts.synchronousFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                    "cannot set the sync mode");
      !s) {
    return s;
  }
  return exec("PRAGMA foreign_keys=ON", "cannot enable foreign keys");
}

Status SqliteStore::createSchema() {
  Transaction tx(db_.get());
  if (!tx.begin()) return sqliteError("cannot begin creating the schema");
  if (auto s = exec(kCreateMeta, "cannot create the meta table"); !s) return s;
  // The version is checked before anything else is created, so a newer
  // file is never touched by this older program.
  StmtPtr version;
  if (auto s = prepare(version, "SELECT value FROM meta WHERE name = 'schema'"); !s) return s;
  int rc = sqlite3_step(version.get());
  if (rc == SQLITE_ROW) {
    std::int64_t found = sqlite3_column_int64(version.get(), 0);
    if (found > kSchemaVersion) {
      return makeError(Errc::Unsupported, kWhere, path_,
                       "schema version " + std::to_string(found) + " is newer than version " +
                           std::to_string(kSchemaVersion) + ", the newest this program knows; open it with a newer " +
                           "hnv-gateway");
    }
    if (found < 1) {
      return makeError(Errc::Malformed, kWhere, path_, "schema version " + std::to_string(found) + " is not valid");
    }
  } else if (rc != SQLITE_DONE) {
    return sqliteError("cannot read the schema version");
  }
  version.reset();
  if (auto s = exec(kCreateTables, "cannot create the tables"); !s) return s;
  if (!tx.commit()) return sqliteError("cannot commit the schema");
  return okStatus();
}

Status SqliteStore::prepareStatements() {
  const std::pair<StmtPtr*, const char*> statements[] = {
      {&putObject_,
       "INSERT OR REPLACE INTO objects(kind, key, revision, created_revision, body) VALUES(?1, ?2, ?3, ?4, ?5)"},
      {&deleteObject_, "DELETE FROM objects WHERE kind = ?1 AND key = ?2"},
      {&insertChange_, "INSERT INTO changes(revision, kind, key, op, body, domain) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"},
      {&setMeta_, "UPDATE meta SET value = ?2 WHERE name = ?1"},
      {&selectChanges_,
       "SELECT revision, kind, key, op, body, domain FROM changes WHERE revision > ?1 ORDER BY revision "
       "LIMIT ?2"},
      {&deleteChanges_, "DELETE FROM changes WHERE revision <= ?1"},
  };
  for (const auto& [stmt, sql] : statements) {
    if (auto s = prepare(*stmt, sql); !s) return s;
  }
  return okStatus();
}

Status SqliteStore::readMeta() {
  StmtPtr meta;
  if (auto s = prepare(meta, "SELECT name, value FROM meta"); !s) return s;
  int rc;
  while ((rc = sqlite3_step(meta.get())) == SQLITE_ROW) {
    std::string name = columnText(meta.get(), 0);
    if (name == "revision") revision_ = columnRevision(meta.get(), 1);
    if (name == "compacted") compacted_ = columnRevision(meta.get(), 1);
  }
  if (rc != SQLITE_DONE) return sqliteError("cannot read the meta table");
  return okStatus();
}

Status SqliteStore::setMeta(const char* name, Revision value) {
  sqlite3_stmt* s = setMeta_.get();
  ResetGuard reset(s);
  if (sqlite3_bind_text(s, 1, name, -1, kStatic) != SQLITE_OK || !bindInt(s, 2, toSql(value)) ||
      sqlite3_step(s) != SQLITE_DONE) {
    return sqliteError(std::string("cannot set ") + name);
  }
  return okStatus();
}

Result<StoreSnapshot> SqliteStore::load() {
  // A read transaction: the rows and the revision come from the same moment.
  Transaction tx(db_.get());
  if (!tx.begin("BEGIN")) return sqliteError("cannot begin loading");
  if (auto s = readMeta(); !s) return std::move(s).error();
  StoreSnapshot snap;
  snap.revision = revision_;
  snap.compactedRevision = compacted_;
  StmtPtr rows;
  if (auto s = prepare(rows, "SELECT kind, key, revision, created_revision, body FROM objects ORDER BY kind, key");
      !s) {
    return std::move(s).error();
  }
  int rc;
  while ((rc = sqlite3_step(rows.get())) == SQLITE_ROW) {
    StoredRow& row = snap.rows.emplace_back();
    row.kind = columnText(rows.get(), 0);
    row.key = columnText(rows.get(), 1);
    row.revision = columnRevision(rows.get(), 2);
    row.createdRevision = columnRevision(rows.get(), 3);
    row.body = columnText(rows.get(), 4);
  }
  if (rc != SQLITE_DONE) return sqliteError("cannot read the objects");
  rows.reset();
  if (!tx.commit()) return sqliteError("cannot end loading");
  return snap;
}

Status SqliteStore::storeChange(const Change& c) {
  std::int64_t revision = toSql(c.revision);
  std::int64_t op = c.op == ChangeOp::Put ? 0 : 1;
  if (c.op == ChangeOp::Put) {
    sqlite3_stmt* s = putObject_.get();
    ResetGuard reset(s);
    std::string body = bodyWithoutRevisions(c.object);
    if (!bindText(s, 1, c.kind) || !bindText(s, 2, c.key) || !bindInt(s, 3, revision) ||
        !bindInt(s, 4, toSql(createdRevisionOf(c))) || !bindText(s, 5, body) || sqlite3_step(s) != SQLITE_DONE) {
      return sqliteError("cannot store " + c.kind + " " + c.key + " at revision " + std::to_string(c.revision));
    }
  } else {
    sqlite3_stmt* s = deleteObject_.get();
    ResetGuard reset(s);
    if (!bindText(s, 1, c.kind) || !bindText(s, 2, c.key) || sqlite3_step(s) != SQLITE_DONE) {
      return sqliteError("cannot delete " + c.kind + " " + c.key + " at revision " + std::to_string(c.revision));
    }
  }
  sqlite3_stmt* s = insertChange_.get();
  ResetGuard reset(s);
  std::string body = boost::json::serialize(c.object);
  if (!bindInt(s, 1, revision) || !bindText(s, 2, c.kind) || !bindText(s, 3, c.key) || !bindInt(s, 4, op) ||
      !bindText(s, 5, body) || !bindText(s, 6, c.domain) || sqlite3_step(s) != SQLITE_DONE) {
    return sqliteError("cannot append the change at revision " + std::to_string(c.revision));
  }
  return okStatus();
}

Status SqliteStore::commit(std::span<const Change> changes) {
  if (changes.empty()) return okStatus();
  for (const Change& c : changes) {
    if (c.revision == 0 || c.revision > kMaxRevision) {
      return makeError(Errc::InvalidArgument, kWhere, path_,
                       "cannot store revision " + std::to_string(c.revision) + ": out of the stored range");
    }
  }
  Transaction tx(db_.get());
  if (!tx.begin()) return sqliteError("cannot begin a commit");
  for (const Change& c : changes) {
    if (auto s = storeChange(c); !s) return s;
  }
  Revision last = changes.back().revision;
  if (auto s = setMeta("revision", last); !s) return s;
  if (!tx.commit()) return sqliteError("cannot commit revision " + std::to_string(last));
  revision_ = last;
  return okStatus();
}

Result<std::vector<Change>> SqliteStore::changesSince(Revision after, std::size_t limit) {
  std::vector<Change> out;
  if (limit == 0) return out;
  sqlite3_stmt* s = selectChanges_.get();
  ResetGuard reset(s);
  std::int64_t sqlLimit = static_cast<std::int64_t>(std::min<std::size_t>(limit, kMaxRevision));
  if (!bindInt(s, 1, toSql(after)) || !bindInt(s, 2, sqlLimit)) return sqliteError("cannot read the history");
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    Change& c = out.emplace_back();
    c.revision = columnRevision(s, 0);
    c.kind = columnText(s, 1);
    c.key = columnText(s, 2);
    std::int64_t op = sqlite3_column_int64(s, 3);
    if (op != 0 && op != 1) {
      return makeError(
          Errc::Internal, kWhere, path_,
          "the change at revision " + std::to_string(c.revision) + " has unknown operation " + std::to_string(op));
    }
    c.op = op == 0 ? ChangeOp::Put : ChangeOp::Delete;
    c.domain = columnText(s, 5);
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(columnText(s, 4), ec);
    if (ec || !body.is_object()) {
      return makeError(Errc::Internal, kWhere, path_,
                       "the change at revision " + std::to_string(c.revision) +
                           " has a corrupt body: " + (ec ? ec.message() : std::string("not a JSON object")));
    }
    c.object = std::move(body.as_object());
  }
  if (rc != SQLITE_DONE) return sqliteError("cannot read the history");
  return out;
}

Status SqliteStore::compact(Revision upTo) {
  Revision compacted = std::max(compacted_, upTo);
  Transaction tx(db_.get());
  if (!tx.begin()) return sqliteError("cannot begin compacting");
  {
    sqlite3_stmt* s = deleteChanges_.get();
    ResetGuard reset(s);
    if (!bindInt(s, 1, toSql(upTo)) || sqlite3_step(s) != SQLITE_DONE) {
      return sqliteError("cannot compact up to revision " + std::to_string(upTo));
    }
  }
  if (auto s = setMeta("compacted", compacted); !s) return s;
  if (!tx.commit()) return sqliteError("cannot commit compacting up to revision " + std::to_string(upTo));
  compacted_ = compacted;
  return okStatus();
}

}  // namespace hnv::policy
