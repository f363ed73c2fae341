#include "hnv/policy/agent_session.h"

#include <algorithm>

namespace hnv::policy {

namespace json = boost::json;

namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);
// The controller sends a bookmark at least every heartbeat (10 s default);
// three missed ones mean the connection is dead even if TCP has not noticed.
constexpr auto kSilenceLimit = std::chrono::seconds(35);

}  // namespace

AgentSession::AgentSession(ControllerEndpoint endpoint, std::string node, AgentCallbacks callbacks)
    : endpoint_(std::move(endpoint)), node_(std::move(node)), callbacks_(std::move(callbacks)) {}

AgentSession::~AgentSession() { stop(); }

void AgentSession::start() {
  if (running_.exchange(true)) return;
  stream_ = std::thread([this] { runStream(); });
  reports_ = std::thread([this] { runReports(); });
}

void AgentSession::stop() {
  if (!running_.exchange(false)) return;
  {
    std::lock_guard lock(mutex_);
    if (reader_) reader_->close();
  }
  wake_.notify_all();
  if (stream_.joinable()) stream_.join();
  if (reports_.joinable()) reports_.join();
}

void AgentSession::reportApplied(Revision applied, std::string health) {
  {
    std::lock_guard lock(mutex_);
    status_ = {applied, std::move(health)};
  }
  wake_.notify_all();
}

void AgentSession::reportLearned(json::object learned) {
  {
    std::lock_guard lock(mutex_);
    learned_.push_back(std::move(learned));
  }
  wake_.notify_all();
}

Error AgentSession::followOnce(bool& needSnapshot) {
  std::string base = "/v1/nodes/" + urlEncode(node_);
  if (needSnapshot) {
    ControllerClient client(endpoint_);
    auto desired = client.call("GET", base + "/desired-state");
    if (!desired) return desired.error();
    if (!desired->is_object()) return makeError(Errc::Malformed, "desired-state", "", "is not an object");
    const auto* rev = desired->as_object().if_contains("revision");
    if (rev == nullptr || !rev->is_number()) return makeError(Errc::Malformed, "desired-state", "", "has no revision");
    if (callbacks_.onSnapshot) callbacks_.onSnapshot(desired->as_object());
    revision_ = rev->to_number<Revision>();
    ++snapshots_;
    needSnapshot = false;
  }
  auto reader = WatchReader::open(endpoint_, base + "/watch?from=" + std::to_string(revision_.load()));
  if (!reader) return reader.error();
  {
    std::lock_guard lock(mutex_);
    reader_ = std::move(*reader);
    if (lastStatus_ && !status_) status_ = lastStatus_;
  }
  wake_.notify_all();
  if (callbacks_.onConnection) callbacks_.onConnection(true, "connected");
  Error why = makeError(Errc::Unavailable, "watch", "", "stopped");
  while (running_) {
    auto line = reader_->next(kSilenceLimit);
    if (!line) {
      why = line.error();
      break;
    }
    if (!*line) {
      why = makeError(Errc::Unavailable, "watch", "", "the controller ended the stream");
      break;
    }
    const auto& o = **line;
    const auto* type = o.if_contains("type");
    std::string_view t = type != nullptr && type->is_string() ? std::string_view(type->as_string()) : "";
    if (t == "change") {
      auto c = changeFromJson(json::object{{"revision", o.at("revision")}, {"kind", o.at("kind")}, {"key", o.at("key")},
                                           {"op", o.at("op")}, {"object", o.at("object")}});
      if (!c) return c.error();
      if (c->revision <= revision_) continue;  // never deliver a change twice
      if (callbacks_.onChange) callbacks_.onChange(*c);
      revision_ = c->revision;
    } else if (t == "bookmark") {
      // Everything up to the bookmark that concerns this node has been sent.
      const auto* r = o.if_contains("revision");
      if (r != nullptr && r->is_number()) revision_ = std::max(revision_.load(), r->to_number<Revision>());
    } else if (t == "resync") {
      needSnapshot = true;
      why = makeError(Errc::OutOfRange, "watch", "", "the controller asked for a resync");
      break;
    }
  }
  std::lock_guard lock(mutex_);
  reader_.reset();
  return why;
}

void AgentSession::runStream() {
  bool needSnapshot = true;
  auto backoff = kFirstBackoff;
  while (running_) {
    Error why = followOnce(needSnapshot);
    if (!running_) break;
    if (callbacks_.onConnection) callbacks_.onConnection(false, why.message());
    if (why.code == Errc::OutOfRange) {
      backoff = kFirstBackoff;  // a resync is not a failure; do it at once
      continue;
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, backoff, [this] { return !running_; });
    backoff = std::min(backoff * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kMaxBackoff));
  }
}

void AgentSession::runReports() {
  ControllerClient client(endpoint_);
  std::string base = "/v1/nodes/" + urlEncode(node_);
  while (running_) {
    std::optional<std::pair<Revision, std::string>> status;
    std::optional<json::object> learned;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return !running_ || status_ || !learned_.empty(); });
      if (!running_) return;
      std::swap(status, status_);
      if (!learned_.empty()) {
        learned = std::move(learned_.front());
        learned_.pop_front();
      }
    }
    bool failed = false;
    if (learned) {
      json::value body = *learned;
      auto r = client.request("POST", base + "/learned", &body);
      // Refused reports (4xx) are dropped: retrying cannot make them valid.
      failed = !r || r->status >= 500;
      if (failed) {
        std::lock_guard lock(mutex_);
        learned_.push_front(std::move(*learned));
      }
    }
    if (status) {
      json::value body = json::object{{"appliedRevision", status->first}, {"health", status->second}};
      auto r = client.request("PUT", base + "/status", &body);
      std::lock_guard lock(mutex_);
      if (!r || r->status >= 500) {
        failed = true;
        if (!status_) status_ = status;
      } else {
        lastStatus_ = status;
      }
    }
    if (failed) {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kFirstBackoff * 5, [this] { return !running_; });
    }
  }
}

}  // namespace hnv::policy
