// How an agent (hnvgwd, hnv-hostd) keeps its policy in step with the
// controller and survives without it.
//
// A PolicyFollower owns the node's AgentSession and the DesiredState
// document. The session's thread posts every snapshot and change to the
// control thread (the io_context), which applies it to the document and
// schedules one application; changes that arrive before it runs are folded
// into it. The program's `Apply` compiles the whole document and publishes
// it; on success the revision is reported applied and the document is
// written to the state file (atomically: a temporary file, fsync, rename);
// on failure the error is logged with the revision, the program keeps its
// previous policy, and the report carries the previous revision with the
// error as health.
//
// Restart without a controller: start() reads the state file first and
// applies it, so the node forwards from its last applied state at once; the
// session's first snapshot replaces it when the controller answers. A state
// file that cannot be read, or that belongs to another node, is reported
// and ignored (the node starts empty), never fatal.
//
// Thread: control (the io_context's thread); the session's callbacks only post.
// Teardown: stop() (or the destructor) stops the session first; handlers
// already posted capture `this`, so the io_context must not run again after
// the follower is gone.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "hnv/base/config_node.h"
#include "hnv/base/result.h"
#include "hnv/policy/agent_session.h"
#include "hnv/policy/desired_state.h"

namespace hnv::policy {

// The "controller" section of an agent's configuration.
struct ControllerConfig {
  ControllerEndpoint endpoint;  // url, ca_file; the token from token_file
  std::string tokenFile;        // empty: no token
};

// {"url", "token_file"?, "ca_file"?}; absent: no controller. Reads no file.
Result<std::optional<ControllerConfig>> parseControllerConfig(const ConfigNode& n);
// Reads the token (the file's first line, as hnvctl --token-file does).
Status readControllerToken(ControllerConfig& c);

// What an agent's configuration file says about following the controller:
// its "controller" and "state_file" sections (both daemons inherit it).
struct AgentConfig {
  std::optional<ControllerConfig> controller;
  std::string stateFile;  // empty: the applied policy is not persisted
};
// Reads "controller" and "state_file" of the file's root; reads no file.
Status parseAgentConfig(const ConfigNode& root, AgentConfig& c);
// The controller's token file, when one is configured.
Status readAgentToken(AgentConfig& c);

struct FollowerConfig {
  std::string node;
  std::optional<ControllerConfig> controller;
  std::string stateFile;  // empty: the applied state is not persisted
};

class PolicyFollower {
 public:
  // Compiles and publishes a whole desired-state document, or says why not
  // (the previous policy must then stay in force).
  using Apply = std::function<Status(const boost::json::object& desired)>;

  PolicyFollower(boost::asio::io_context& io, FollowerConfig config, Apply apply);
  ~PolicyFollower();
  PolicyFollower(const PolicyFollower&) = delete;
  PolicyFollower& operator=(const PolicyFollower&) = delete;

  // Restores the state file (if any), then starts the session (if a
  // controller is configured).
  void start();
  void stop();

  bool hasController() const { return config_.controller.has_value(); }
  // Queues a learned address for the controller; false without a controller.
  bool reportLearned(boost::json::object learned);
  // {"controller": {url, connected, state} | null, "desired_revision",
  //  "applied_revision", "last_error", "state_file": {path, restored_revision} | null}
  boost::json::object toJson() const;
  Revision appliedRevision() const { return applied_; }

 private:
  void onSnapshot(const boost::json::object& desired);
  void onChange(const Change& change);
  void scheduleApply();
  void applyNow();
  void restore();
  Status persist(const boost::json::object& doc) const;

  boost::asio::io_context& io_;
  FollowerConfig config_;
  Apply apply_;
  DesiredState desired_;
  std::unique_ptr<AgentSession> session_;
  Revision applied_ = 0;
  Revision restored_ = 0;  // the revision read from the state file (0: none)
  bool applyPending_ = false;
  bool connected_ = false;
  std::string connection_ = "no controller configured";
  std::string lastError_;  // the last refusal, empty after a success
};

}  // namespace hnv::policy
