// A real hnv-controller in the test process: SQLite store in a temporary
// directory, the engine, the REST API and the HTTP server on a loopback port,
// running on its own io thread. Tests talk to it over HTTP with the client
// library, as agents and hnvctl do; onIo() runs code on the io thread when a
// test must look inside.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include "hnv/controller/api.h"
#include "hnv/controller/auth.h"
#include "hnv/controller/server.h"
#include "hnv/policy/client.h"
#include "hnv/policy/sqlite_store.h"

namespace hnv::controller::test {

inline constexpr const char* kAdminToken = "admin-secret";
inline constexpr const char* kHostToken = "host1-secret";
inline constexpr const char* kRdidA = "aaaaaaaa-0000-4000-8000-000000000001";
inline constexpr const char* kRdidB = "bbbbbbbb-0000-4000-8000-000000000002";

class ControllerServer {
 public:
  explicit ControllerServer(std::size_t historyLimit = 200000, std::optional<TlsConfig> tls = {})
      : historyLimit_(historyLimit), tls_(std::move(tls)) {
    char tmpl[] = "/tmp/hnv-ctl-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    tokens_ = std::make_unique<TokenTable>(std::vector<TokenEntry>{
        {"ops", sha256Hex(kAdminToken), "admin", {}, {}},
        {"host1", sha256Hex(kHostToken), "node", {}, "host1"},
    });
    start(0);
  }
  ~ControllerServer() {
    stop();
    std::filesystem::remove_all(dir_);
  }

  void start(std::uint16_t port) {
    auto store = policy::SqliteStore::open(dir_ + "/policy.db");
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
    engine_ = std::make_unique<policy::PolicyEngine>(*store_, policy::EngineLimits{historyLimit_, 100000});
    ASSERT_TRUE(engine_->open().ok());
    io_ = std::make_unique<boost::asio::io_context>(1);
    hub_ = std::make_unique<WatchHub>(*engine_);
    api_ = std::make_unique<ControllerApi>(*engine_, *tokens_, *hub_, "test");
    server_ = std::make_unique<HttpServer>(*io_, *api_, ServerOptions{"127.0.0.1", port, 8 << 20, std::chrono::seconds(1), tls_});
    auto bound = server_->listen();
    ASSERT_TRUE(bound.ok()) << bound.error().message();
    port_ = *bound;
    thread_ = std::thread([this] { io_->run(); });
  }

  // Stops serving; open connections break, as when the process dies.
  void stop() {
    if (!io_) return;
    io_->stop();
    thread_.join();
    // Sessions live in the io_context's pending handlers and use the hub and
    // the API when destroyed, so the io_context goes before them.
    server_.reset();
    io_.reset();
    api_.reset();
    hub_.reset();
    engine_.reset();
    store_.reset();
  }
  void restart() {
    auto port = port_;
    stop();
    start(port);
  }

  template <class F>
  auto onIo(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    boost::asio::post(*io_, [&task] { task(); });
    return fut.get();
  }

  policy::ControllerEndpoint endpoint(const std::string& token = kAdminToken) const {
    policy::ControllerEndpoint ep;
    ep.port = port_;
    ep.token = token;
    ep.timeout = std::chrono::seconds(10);
    ep.tls = tls_.has_value();
    return ep;
  }
  policy::PolicyEngine& engine() { return *engine_; }
  const std::string& dir() const { return dir_; }

 private:
  std::size_t historyLimit_;
  std::optional<TlsConfig> tls_;
  std::string dir_;
  std::unique_ptr<TokenTable> tokens_;
  std::unique_ptr<policy::SqliteStore> store_;
  std::unique_ptr<policy::PolicyEngine> engine_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<WatchHub> hub_;
  std::unique_ptr<ControllerApi> api_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

// POSTs or fails the test.
inline boost::json::value mustCall(policy::ControllerClient& c, std::string_view method, std::string_view target,
                                   std::string_view body = {}) {
  boost::json::value b = body.empty() ? boost::json::value() : boost::json::parse(body);
  auto r = c.call(method, target, body.empty() ? nullptr : &b);
  EXPECT_TRUE(r.ok()) << method << " " << target << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() ? *r : boost::json::value();
}

}  // namespace hnv::controller::test
