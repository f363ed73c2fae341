#include "hnv/policy/sqlite_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

namespace hnv::policy::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

using Sqlite = ::hnv::policy::SqliteStore;

// Real files in a fresh directory per test, so tests see what a restart sees.
// Named like the class so the cases read SqliteStore.<Behaviour>.
class SqliteStore : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hnv-sqlite-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "policy.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<Sqlite> open() {
    auto store = Sqlite::open(path_);
    EXPECT_TRUE(store.ok()) << store.error().message();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  fs::path dir_;
  std::string path_;
};

Change put(Revision revision, std::string key, std::string name, Revision created = 0) {
  Change c;
  c.revision = revision;
  c.kind = "virtual-subnets";
  c.key = std::move(key);
  c.op = ChangeOp::Put;
  c.object = {
      {"name", std::move(name)}, {"revision", revision}, {"createdRevision", created == 0 ? revision : created}};
  return c;
}

Change del(Revision revision, std::string key) {
  Change c;
  c.revision = revision;
  c.kind = "virtual-subnets";
  c.key = std::move(key);
  c.op = ChangeOp::Delete;
  c.object = {{"name", "gone"}, {"revision", revision - 1}, {"createdRevision", 1}};
  return c;
}

TEST_F(SqliteStore, EmptyStoreLoadsRevisionZero) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  auto snap = store->load();
  ASSERT_TRUE(snap.ok()) << snap.error().message();
  EXPECT_EQ(snap->revision, 0u);
  EXPECT_EQ(snap->compactedRevision, 0u);
  EXPECT_TRUE(snap->rows.empty());
  EXPECT_EQ(store->revision(), 0u);
  EXPECT_EQ(store->compactedRevision(), 0u);
}

TEST_F(SqliteStore, CommitThenLoadKeepsObjectsAndRevision) {
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    std::vector<Change> batch = {put(1, "5001", "web"), put(2, "5002", "db")};
    ASSERT_TRUE(store->commit(batch).ok());
    EXPECT_EQ(store->revision(), 2u);
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->revision(), 2u);
  auto snap = store->load();
  ASSERT_TRUE(snap.ok()) << snap.error().message();
  EXPECT_EQ(snap->revision, 2u);
  ASSERT_EQ(snap->rows.size(), 2u);
  const StoredRow& row = snap->rows[0];
  EXPECT_EQ(row.kind, "virtual-subnets");
  EXPECT_EQ(row.key, "5001");
  EXPECT_EQ(row.revision, 1u);
  EXPECT_EQ(row.createdRevision, 1u);
  // The revisions live in columns; the body is the object without them.
  EXPECT_EQ(json::parse(row.body), json::parse(R"({"name":"web"})"));
  EXPECT_EQ(snap->rows[1].key, "5002");
}

TEST_F(SqliteStore, ReplaceKeepsCreatedRevision) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  std::vector<Change> first = {put(1, "5001", "web")};
  std::vector<Change> second = {put(2, "5001", "web2", 1)};
  ASSERT_TRUE(store->commit(first).ok());
  ASSERT_TRUE(store->commit(second).ok());
  auto snap = store->load();
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->rows.size(), 1u);
  EXPECT_EQ(snap->rows[0].revision, 2u);
  EXPECT_EQ(snap->rows[0].createdRevision, 1u);
  EXPECT_EQ(json::parse(snap->rows[0].body), json::parse(R"({"name":"web2"})"));
}

TEST_F(SqliteStore, DeleteRemovesRow) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  std::vector<Change> batch = {put(1, "5001", "web"), put(2, "5002", "db"), del(3, "5001")};
  ASSERT_TRUE(store->commit(batch).ok());
  store.reset();
  store = open();
  ASSERT_NE(store, nullptr);
  auto snap = store->load();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->revision, 3u);
  ASSERT_EQ(snap->rows.size(), 1u);
  EXPECT_EQ(snap->rows[0].key, "5002");
}

TEST_F(SqliteStore, ChangesSinceIsOrderedLimitedAndAfter) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  std::vector<Change> batch = {put(1, "a", "1"), put(2, "b", "2"), del(3, "a"), put(4, "c", "4"), put(5, "d", "5")};
  ASSERT_TRUE(store->commit(batch).ok());

  auto all = store->changesSince(0, 100);
  ASSERT_TRUE(all.ok()) << all.error().message();
  ASSERT_EQ(all->size(), 5u);
  for (std::size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i].revision, i + 1);
  // The history keeps the object as committed, revision fields included.
  EXPECT_EQ((*all)[0].object, batch[0].object);
  EXPECT_EQ((*all)[2].op, ChangeOp::Delete);
  EXPECT_EQ((*all)[2].key, "a");
  EXPECT_EQ((*all)[2].kind, "virtual-subnets");

  auto page = store->changesSince(1, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].revision, 2u);
  EXPECT_EQ((*page)[1].revision, 3u);

  auto none = store->changesSince(5, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto zero = store->changesSince(0, 0);
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(zero->empty());
}

TEST_F(SqliteStore, CompactRemovesHistoryAndPersistsCompacted) {
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    std::vector<Change> batch = {put(1, "a", "1"), put(2, "b", "2"), put(3, "c", "3"), put(4, "d", "4")};
    ASSERT_TRUE(store->commit(batch).ok());
    ASSERT_TRUE(store->compact(2).ok());
    EXPECT_EQ(store->compactedRevision(), 2u);
    // Compacting below the mark never lowers it.
    ASSERT_TRUE(store->compact(1).ok());
    EXPECT_EQ(store->compactedRevision(), 2u);
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->compactedRevision(), 2u);
  auto snap = store->load();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->compactedRevision, 2u);
  EXPECT_EQ(snap->rows.size(), 4u);  // compaction forgets history, never objects
  auto rest = store->changesSince(0, 100);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].revision, 3u);
}

// The policy holds write-only secrets (S2S pre-shared keys): only the
// service may read the database, whatever the umask.
TEST_F(SqliteStore, TheDatabaseAndItsJournalAreTheServicesAlone) {
  const mode_t old = ::umask(022);
  auto store = open();
  ASSERT_NE(store, nullptr);
  std::vector<Change> batch = {put(1, "5001", "web")};
  ASSERT_TRUE(store->commit(batch).ok());
  EXPECT_EQ(fs::status(path_).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  for (const char* side : {"-wal", "-shm"}) {
    if (fs::exists(path_ + side)) {
      EXPECT_EQ(fs::status(path_ + side).permissions() & (fs::perms::group_all | fs::perms::others_all),
                fs::perms::none)
          << side;
    }
  }
  store.reset();
  // A database left readable by others (an older version) is tightened.
  fs::permissions(path_, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(fs::status(path_).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  ::umask(old);
}

TEST_F(SqliteStore, FileThatIsNotADatabaseIsAnError) {
  {
    std::ofstream garbage(path_, std::ios::binary);
    for (int i = 0; i < 4096; ++i) garbage.put(static_cast<char>((i * 7919) & 0xff));
  }
  auto store = Sqlite::open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().where, "store");
  EXPECT_EQ(store.error().what, path_);
  EXPECT_NE(store.error().why.find("not a database"), std::string::npos) << store.error().message();
}

TEST_F(SqliteStore, NewerSchemaIsRefusedNamingTheFile) {
  ASSERT_NE(open(), nullptr);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "UPDATE meta SET value = 99 WHERE name = 'schema'", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = Sqlite::open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::Unsupported);
  EXPECT_EQ(store.error().what, path_);
  EXPECT_NE(store.error().why.find("99"), std::string::npos) << store.error().message();
}

TEST_F(SqliteStore, FailedCommitLeavesNothingAndStoreStaysUsable) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  std::vector<Change> good = {put(1, "a", "1")};
  ASSERT_TRUE(store->commit(good).ok());
  // The second change repeats revision 2: the history's primary key fails
  // after the first change was already written to both tables.
  std::vector<Change> bad = {put(2, "b", "2"), put(2, "c", "2"), del(3, "a")};
  auto failed = store->commit(bad);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::Conflict);
  EXPECT_EQ(failed.error().where, "store");
  EXPECT_EQ(store->revision(), 1u);

  store.reset();
  store = open();
  ASSERT_NE(store, nullptr);
  auto snap = store->load();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->revision, 1u);
  ASSERT_EQ(snap->rows.size(), 1u);
  EXPECT_EQ(snap->rows[0].key, "a");
  auto history = store->changesSince(0, 10);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 1u);

  std::vector<Change> next = {put(2, "b", "2")};
  ASSERT_TRUE(store->commit(next).ok());
  EXPECT_EQ(store->revision(), 2u);
}

TEST_F(SqliteStore, CorruptHistoryBodyIsAnInternalErrorNamingTheRevision) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  std::vector<Change> batch = {put(1, "a", "1"), put(2, "b", "2")};
  ASSERT_TRUE(store->commit(batch).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "UPDATE changes SET body = '{not json' WHERE revision = 2", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto history = store->changesSince(0, 10);
  ASSERT_FALSE(history.ok());
  EXPECT_EQ(history.error().code, Errc::Internal);
  EXPECT_NE(history.error().why.find("revision 2"), std::string::npos) << history.error().message();
}

TEST_F(SqliteStore, LargeBatchCommitsInOneTransaction) {
  auto store = Sqlite::open(path_, SqliteOptions{.synchronousFull = false});
  ASSERT_TRUE(store.ok()) << store.error().message();
  constexpr Revision kCount = 20000;
  std::vector<Change> batch;
  batch.reserve(kCount);
  for (Revision r = 1; r <= kCount; ++r) batch.push_back(put(r, std::to_string(r), "n"));
  ASSERT_TRUE((*store)->commit(batch).ok());
  auto snap = (*store)->load();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->rows.size(), kCount);
  EXPECT_EQ(snap->revision, kCount);
}

}  // namespace
}  // namespace hnv::policy::test
