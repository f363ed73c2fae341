// The agent side of the southbound API, for hnvgwd and hnv-hostd.
//
// A session keeps a node in step with the controller: it fetches the node's
// desired state, then follows the node's watch stream from that revision.
// After a disconnect it resumes from the last revision it delivered, so no
// change is lost or repeated; when the controller says "resync" (the node's
// scope changed, or the history it needs was compacted) it fetches the whole
// desired state again. Between attempts it backs off (100 ms doubling to
// 5 s). The agent keeps serving its last applied state meanwhile: the session
// only ever delivers newer state.
//
// Reports (applied revision and health, learned addresses) go out on a
// second connection from a second thread, so they never wait behind the
// stream; the newest status report replaces an unsent older one.
//
// Threads: the callbacks run on the session's own thread; an agent posts
// them to its control thread. start/stop/report* may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "hnv/policy/change.h"
#include "hnv/policy/client.h"

namespace hnv::policy {

struct AgentCallbacks {
  // The whole desired state (GET /v1/nodes/{name}/desired-state): replaces
  // everything the agent had.
  std::function<void(const boost::json::object& desired)> onSnapshot;
  // One change after the snapshot, in revision order.
  std::function<void(const Change& change)> onChange;
  // Connection state, for logs and health ("connected", or the error).
  std::function<void(bool connected, const std::string& why)> onConnection;
};

class AgentSession {
 public:
  AgentSession(ControllerEndpoint endpoint, std::string node, AgentCallbacks callbacks);
  ~AgentSession();
  AgentSession(const AgentSession&) = delete;
  AgentSession& operator=(const AgentSession&) = delete;

  void start();
  void stop();

  // The last revision delivered to the callbacks (0 before the first snapshot).
  Revision revision() const { return revision_.load(); }
  std::uint64_t snapshots() const { return snapshots_.load(); }

  // Queue a status report; only the newest unsent one is sent.
  void reportApplied(Revision applied, std::string health = "ok");
  // Queue a learned address ({"vsid","ca","mac"}).
  void reportLearned(boost::json::object learned);

 private:
  void runStream();
  void runReports();
  // One snapshot-then-watch attempt; returns why it ended.
  Error followOnce(bool& needSnapshot);

  ControllerEndpoint endpoint_;
  std::string node_;
  AgentCallbacks callbacks_;
  std::atomic<bool> running_{false};
  std::atomic<Revision> revision_{0};
  std::atomic<std::uint64_t> snapshots_{0};
  std::thread stream_;
  std::thread reports_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<std::pair<Revision, std::string>> status_;
  // The last status sent; sent again after each reconnect, because the
  // controller keeps reports in memory only and may have restarted.
  std::optional<std::pair<Revision, std::string>> lastStatus_;
  std::deque<boost::json::object> learned_;
  std::unique_ptr<WatchReader> reader_;  // guarded by mutex_ for stop()
};

}  // namespace hnv::policy
