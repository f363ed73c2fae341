// An in-memory Store for the engine's unit tests. It keeps what a real store
// keeps (one row per object, the change history, the compacted revision) and
// applies a commit all or nothing, so that a test can reopen an engine on it
// and compare. It can be told to fail the next commit (to test rollback) and
// counts the commits it accepted and refused.
#pragma once

#include <boost/json/serialize.hpp>
#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hnv/policy/kinds.h"
#include "hnv/policy/store.h"

namespace hnv::policy::testing {

class MemoryStore : public Store {
 public:
  Result<StoreSnapshot> load() override {
    ++loads_;
    if (failLoad_) return makeError(Errc::Io, "memory-store", "", "told to fail the load");
    StoreSnapshot snap;
    snap.revision = revision_;
    snap.compactedRevision = compacted_;
    for (const auto& [k, row] : rows_) snap.rows.push_back(row);
    return snap;
  }

  Status commit(std::span<const Change> changes) override {
    ++attempts_;
    if (failNext_) {
      failNext_ = false;
      ++refused_;
      return makeError(Errc::Io, "memory-store", "", "told to fail this commit");
    }
    if (changes.empty()) return makeError(Errc::Internal, "memory-store", "", "empty commit");
    // Validate the whole batch before touching anything: all or nothing.
    Revision expect = revision_;
    for (const auto& c : changes) {
      if (c.revision != expect + 1) {
        return makeError(Errc::Internal, "memory-store", std::to_string(c.revision),
                         "revisions must follow " + std::to_string(expect) + " one by one");
      }
      expect = c.revision;
    }
    auto rows = rows_;
    for (const auto& c : changes) {
      auto id = std::make_pair(c.kind, c.key);
      if (c.op == ChangeOp::Delete) {
        if (rows.erase(id) == 0) {
          return makeError(Errc::Internal, "memory-store", c.kind + "/" + c.key, "deleting a row that is not stored");
        }
        continue;
      }
      boost::json::object body = c.object;
      StoredRow row;
      row.kind = c.kind;
      row.key = c.key;
      row.revision = readRevision(body, kRevisionField).value_or(c.revision);
      row.createdRevision = readRevision(body, kCreatedRevisionField).value_or(c.revision);
      body.erase(kRevisionField);
      body.erase(kCreatedRevisionField);
      row.body = boost::json::serialize(body);
      rows[id] = std::move(row);
    }
    rows_ = std::move(rows);
    history_.insert(history_.end(), changes.begin(), changes.end());
    revision_ = changes.back().revision;
    ++commits_;
    return okStatus();
  }

  Result<std::vector<Change>> changesSince(Revision after, std::size_t limit) override {
    if (after < compacted_) {
      return makeError(Errc::OutOfRange, "from", std::to_string(after), "compacted");
    }
    std::vector<Change> out;
    for (const auto& c : history_) {
      if (out.size() >= limit) break;
      if (c.revision > after) out.push_back(c);
    }
    return out;
  }

  Status compact(Revision upTo) override {
    ++compactCalls_;
    if (upTo > revision_) return makeError(Errc::InvalidArgument, "memory-store", "", "compacting the future");
    if (upTo <= compacted_) return okStatus();
    std::erase_if(history_, [&](const Change& c) { return c.revision <= upTo; });
    compacted_ = upTo;
    return okStatus();
  }

  Revision compactedRevision() const override { return compacted_; }

  // --- test controls and observations ---
  void failNextCommit() { failNext_ = true; }
  void failLoad(bool fail) { failLoad_ = fail; }
  // Puts a row as if an older or foreign writer had stored it.
  void putRow(StoredRow row, Revision storeRevision) {
    auto id = std::make_pair(row.kind, row.key);
    rows_[id] = std::move(row);
    revision_ = storeRevision;
  }

  Revision revision() const { return revision_; }
  std::size_t commits() const { return commits_; }    // accepted
  std::size_t attempts() const { return attempts_; }  // accepted + refused
  std::size_t refused() const { return refused_; }
  std::size_t compactCalls() const { return compactCalls_; }
  std::size_t loads() const { return loads_; }
  const std::vector<Change>& history() const { return history_; }
  std::size_t rowCount() const { return rows_.size(); }
  const StoredRow* row(const std::string& kind, const std::string& key) const {
    auto it = rows_.find({kind, key});
    return it == rows_.end() ? nullptr : &it->second;
  }

 private:
  static std::optional<Revision> readRevision(const boost::json::object& o, std::string_view field) {
    const auto* v = o.if_contains(field);
    if (v == nullptr) return std::nullopt;
    if (v->is_uint64()) return v->as_uint64();
    if (v->is_int64() && v->as_int64() >= 0) return static_cast<Revision>(v->as_int64());
    return std::nullopt;
  }

  std::map<std::pair<std::string, std::string>, StoredRow> rows_;
  std::vector<Change> history_;
  Revision revision_ = 0;
  Revision compacted_ = 0;
  bool failNext_ = false;
  bool failLoad_ = false;
  std::size_t commits_ = 0;
  std::size_t attempts_ = 0;
  std::size_t refused_ = 0;
  std::size_t compactCalls_ = 0;
  std::size_t loads_ = 0;
};

}  // namespace hnv::policy::testing
