// Watch streams: the changes after a revision, in order, as JSON lines.
//
// The hub keeps the most recent changes serialised once (a ring indexed by
// revision, which is dense: every change has the next revision) and falls
// back to the store's history for older ones. A stream is a cursor: the
// server pulls the next lines when its socket can take them, so a slow
// reader holds no queue of its own and loses nothing; it simply lags, and
// resumes from its cursor.
//
// Thread: the controller's io thread.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "hnv/policy/engine.h"

namespace hnv::controller {

class WatchHub {
 public:
  struct Entry {
    policy::Change change;
    std::string line;        // {"type":"change",...}\n, for nodes (with write-only fields)
    std::string publicLine;  // the same without write-only fields (policy::redactSecrets), for the API
  };

  WatchHub(policy::PolicyEngine& engine, std::size_t ringSize = 65536);
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Changes after `after`, at most `max`. Errc::OutOfRange if compacted.
  Result<std::vector<std::shared_ptr<const Entry>>> since(policy::Revision after, std::size_t max) const;

  // Called once at the next commit (a stream that has caught up waits here).
  int waitForChange(std::function<void()> wake);
  void cancelWait(int id);

  policy::PolicyEngine& engine() { return engine_; }

 private:
  void onCommit(std::span<const policy::Change> changes);

  policy::PolicyEngine& engine_;
  std::size_t ringSize_;
  std::deque<std::shared_ptr<const Entry>> ring_;
  std::map<int, std::function<void()>> waiters_;
  int nextWaiter_ = 1;
  int subscription_ = 0;
};

// redact: without the kinds' write-only fields (for the API; nodes get them).
std::string changeLine(const policy::Change& c, bool redact);
std::string bookmarkLine(policy::Revision r);

class WatchStream {
 public:
  // Northbound: every change `access` may see, optionally of one kind.
  WatchStream(WatchHub& hub, policy::Access access, policy::Revision from, std::string kind);
  // Southbound: the changes that concern `node`.
  WatchStream(WatchHub& hub, policy::NodeEntry node, policy::Revision from);

  struct Poll {
    std::string data;  // zero or more lines
    bool done = false; // the stream has ended (after a resync line)
  };
  // The next lines, at most `max` changes' worth.
  Poll poll(std::size_t max);
  std::string heartbeat() const { return bookmarkLine(cursor_); }
  policy::Revision cursor() const { return cursor_; }
  WatchHub& hub() { return hub_; }

 private:
  bool scopeSensitive(const policy::Change& c) const;
  std::string resync(const std::string& reason);

  WatchHub& hub_;
  policy::Access access_;
  std::string kind_;
  std::optional<policy::NodeEntry> node_;
  std::set<Rdid> scope_;
  std::set<IpAddr> nodePas_;
  policy::Revision cursor_;
  policy::Revision startHead_;  // the engine's revision when the stream began
  policy::Revision lastBookmark_ = 0;
  bool bookmarked_ = false;
  bool done_ = false;
};

}  // namespace hnv::controller
