// One controller, assembled: SQLite store, engine, watch hub, REST API and
// HTTP server on one io_context. Assembly and teardown happen here only,
// because their order matters: open sessions live in the io_context's
// handlers and reach the hub and the API when destroyed, so the io_context
// goes before them and after the server's acceptor.
//
// hnv-controller's main runs it on its own thread (run()); tests and
// benchmarks run it on a background thread (runInThread()).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hnv/controller/api.h"
#include "hnv/controller/auth.h"
#include "hnv/controller/server.h"
#include "hnv/controller/watch.h"
#include "hnv/policy/engine.h"
#include "hnv/policy/sqlite_store.h"

namespace hnv::controller {

struct InstanceOptions {
  std::string database;
  std::vector<TokenEntry> tokens;
  policy::EngineLimits limits;
  ServerOptions server;
  std::string version = "0.1.0";
};

class ControllerInstance {
 public:
  // Opens the store, loads the policy and starts listening.
  static Result<std::unique_ptr<ControllerInstance>> open(InstanceOptions options);
  ~ControllerInstance();
  ControllerInstance(const ControllerInstance&) = delete;
  ControllerInstance& operator=(const ControllerInstance&) = delete;

  // Serves on the calling thread until stop().
  void run();
  // Serves on a background thread; the destructor joins it.
  void runInThread();
  // Any thread.
  void stop();

  boost::asio::io_context& io() { return *io_; }
  std::uint16_t port() const { return port_; }
  policy::PolicyEngine& engine() { return *engine_; }
  ControllerApi& api() { return *api_; }

 private:
  ControllerInstance() = default;

  std::unique_ptr<policy::SqliteStore> store_;
  std::unique_ptr<policy::PolicyEngine> engine_;
  std::unique_ptr<TokenTable> tokens_;
  std::unique_ptr<WatchHub> hub_;
  std::unique_ptr<ControllerApi> api_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<HttpServer> server_;
  // Ages out Dynamic records once a second (PolicyEngine::expireDynamic).
  std::unique_ptr<boost::asio::steady_timer> agingTimer_;
  void scheduleAging();
  std::thread thread_;
  std::uint16_t port_ = 0;
};

}  // namespace hnv::controller
