#include "hnv/policy/follower.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "hnv/base/log.h"

namespace hnv::policy {

namespace json = boost::json;

namespace {

const Logger kLog("policy");

}  // namespace

Result<std::optional<ControllerConfig>> parseControllerConfig(const ConfigNode& n) {
  if (!n.present()) return std::optional<ControllerConfig>();
  if (auto st = n.expectObject({"url", "token_file", "ca_file"}); !st) return st.error();
  auto url = n["url"].asString();
  if (!url) return url.error();
  auto endpoint = ControllerEndpoint::parse(*url);
  if (!endpoint) return n["url"].error(*url, endpoint.error().why);
  ControllerConfig c{*endpoint, ""};
  auto token = n["token_file"].asString("");
  if (!token) return token.error();
  c.tokenFile = *token;
  auto ca = n["ca_file"].asString("");
  if (!ca) return ca.error();
  if (!ca->empty() && !c.endpoint.tls) return n["ca_file"].error(*ca, "is for an https:// controller URL only");
  c.endpoint.caFile = *ca;
  return std::optional<ControllerConfig>(std::move(c));
}

Status readControllerToken(ControllerConfig& c) {
  if (c.tokenFile.empty()) return okStatus();
  std::ifstream in(c.tokenFile);
  if (!in || !std::getline(in, c.endpoint.token) || c.endpoint.token.empty()) {
    return makeError(Errc::InvalidArgument, "controller.token_file", c.tokenFile, "cannot read a token from the file");
  }
  return okStatus();
}

Status parseAgentConfig(const ConfigNode& root, AgentConfig& c) {
  auto controller = parseControllerConfig(root["controller"]);
  if (!controller) return controller.error();
  c.controller = std::move(*controller);
  auto stateFile = root["state_file"].asString("");
  if (!stateFile) return stateFile.error();
  c.stateFile = *stateFile;
  return okStatus();
}

Status readAgentToken(AgentConfig& c) { return c.controller ? readControllerToken(*c.controller) : okStatus(); }

PolicyFollower::PolicyFollower(boost::asio::io_context& io, FollowerConfig config, Apply apply)
    : io_(io), config_(std::move(config)), apply_(std::move(apply)) {}

PolicyFollower::~PolicyFollower() { stop(); }

void PolicyFollower::start() {
  restore();
  if (!config_.controller) {
    kLog.warn("no controller configured: the policy stays as restored (or empty)");
    return;
  }
  connection_ = "connecting";
  AgentCallbacks cb;
  // The session's thread only posts; everything happens on the control thread.
  cb.onSnapshot = [this](const json::object& desired) {
    boost::asio::post(io_, [this, desired] { onSnapshot(desired); });
  };
  cb.onChange = [this](const Change& change) { boost::asio::post(io_, [this, change] { onChange(change); }); };
  cb.onConnection = [this](bool connected, const std::string& why) {
    boost::asio::post(io_, [this, connected, why] {
      if (connected != connected_) {
        (connected ? kLog.notice("controller connected", {{"url", config_.controller->endpoint.url()}})
                   : kLog.warn("controller unreachable", {{"url", config_.controller->endpoint.url()}, {"why", why}}));
      }
      connected_ = connected;
      connection_ = why;
    });
  };
  session_ = std::make_unique<AgentSession>(config_.controller->endpoint, config_.node, std::move(cb));
  session_->start();
}

void PolicyFollower::stop() {
  if (session_) session_->stop();
}

bool PolicyFollower::reportLearned(json::object learned) {
  if (!session_) return false;
  session_->reportLearned(std::move(learned));
  return true;
}

void PolicyFollower::restore() {
  if (config_.stateFile.empty()) return;
  std::ifstream in(config_.stateFile);
  if (!in) {
    kLog.info("no saved policy to restore", {{"state_file", config_.stateFile}});
    return;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto doc = parseJson(text.str(), config_.stateFile);
  Status st = okStatus();
  if (!doc) {
    st = doc.error();
  } else if (!doc->is_object()) {
    st = makeError(Errc::Malformed, config_.stateFile, "", "is not a desired-state document (a JSON object)");
  } else if (const auto* node = doc->as_object().if_contains("node");
             node == nullptr || !node->is_string() || node->as_string() != config_.node) {
    st = makeError(Errc::InvalidArgument, config_.stateFile + ": node",
                   node != nullptr && node->is_string() ? std::string(node->as_string()) : "",
                   "the saved policy belongs to another node than " + config_.node);
  } else {
    st = desired_.reset(doc->as_object());
  }
  if (st) st = apply_(desired_.toJson());
  if (!st) {
    lastError_ = st.error().message();
    kLog.error("saved policy not restored; starting without it", {{"state_file", config_.stateFile}, {"error", lastError_}});
    desired_ = DesiredState();
    return;
  }
  applied_ = restored_ = desired_.revision();
  kLog.notice("policy restored from the state file",
              {{"state_file", config_.stateFile}, {"revision", std::to_string(restored_)}});
}

Status PolicyFollower::persist(const json::object& doc) const {
  if (config_.stateFile.empty()) return okStatus();
  const std::string tmp = config_.stateFile + ".tmp";
  const std::string text = json::serialize(doc);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return makeError(Errc::Io, "state_file", tmp, std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return makeError(Errc::Io, "state_file", tmp, why);
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), config_.stateFile.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return makeError(Errc::Io, "state_file", config_.stateFile, why);
  }
  return okStatus();
}

void PolicyFollower::onSnapshot(const json::object& desired) {
  if (auto st = desired_.reset(desired); !st) {
    // Nothing to apply: the document itself is unreadable.
    lastError_ = st.error().message();
    kLog.error("desired state refused", {{"error", lastError_}});
    if (session_) session_->reportApplied(applied_, "error: " + lastError_);
    return;
  }
  scheduleApply();
}

void PolicyFollower::onChange(const Change& change) {
  // A change before any snapshot cannot happen (the session always starts
  // with one); if it did, the next snapshot replaces everything anyway.
  if (desired_.empty()) return;
  desired_.apply(change);
  scheduleApply();
}

void PolicyFollower::scheduleApply() {
  if (applyPending_) return;
  applyPending_ = true;
  boost::asio::post(io_, [this] { applyNow(); });
}

void PolicyFollower::applyNow() {
  applyPending_ = false;
  json::object doc = desired_.toJson();
  if (auto st = apply_(doc); !st) {
    lastError_ = st.error().message();
    kLog.error("policy refused; keeping the previous one",
               {{"revision", std::to_string(desired_.revision())},
                {"applied", std::to_string(applied_)},
                {"error", lastError_}});
    if (session_) {
      session_->reportApplied(applied_, "error: revision " + std::to_string(desired_.revision()) + ": " + lastError_);
    }
    return;
  }
  applied_ = desired_.revision();
  lastError_.clear();
  if (auto st = persist(doc); !st) {
    // The policy is in force; only a restart without the controller would miss it.
    kLog.warn("applied policy not saved", {{"error", st.error().message()}});
  }
  if (session_) session_->reportApplied(applied_);
}

json::object PolicyFollower::toJson() const {
  json::object out{{"desired_revision", desired_.revision()}, {"applied_revision", applied_}};
  if (config_.controller) {
    out["controller"] =
        json::object{{"url", config_.controller->endpoint.url()}, {"connected", connected_}, {"state", connection_}};
  } else {
    out["controller"] = nullptr;
  }
  out["last_error"] = lastError_.empty() ? json::value(nullptr) : json::value(lastError_);
  if (config_.stateFile.empty()) {
    out["state_file"] = nullptr;
  } else {
    out["state_file"] = json::object{{"path", config_.stateFile}, {"restored_revision", restored_}};
  }
  return out;
}

}  // namespace hnv::policy
