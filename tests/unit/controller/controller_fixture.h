// A real hnv-controller in the test process (ControllerInstance): SQLite
// store in a temporary directory, on a loopback port, on its own io thread. Tests talk to it over HTTP with the client
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

#include "hnv/controller/instance.h"
#include "hnv/policy/client.h"

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
    tokens_ = {
        {"ops", sha256Hex(kAdminToken), "admin", {}, {}},
        {"host1", sha256Hex(kHostToken), "node", {}, "host1"},
    };
    start(0);
  }
  ~ControllerServer() {
    stop();
    std::filesystem::remove_all(dir_);
  }

  void start(std::uint16_t port) {
    auto ctl = ControllerInstance::open({dir_ + "/policy.db", tokens_, policy::EngineLimits{historyLimit_, 100000},
                                         ServerOptions{"127.0.0.1", port, 8 << 20, std::chrono::seconds(1), tls_},
                                         "test"});
    ASSERT_TRUE(ctl.ok()) << ctl.error().message();
    ctl_ = std::move(*ctl);
    port_ = ctl_->port();
    ctl_->runInThread();
  }

  // Stops serving; open connections break, as when the process dies.
  void stop() { ctl_.reset(); }
  void restart() {
    auto port = port_;
    stop();
    start(port);
  }

  template <class F>
  auto onIo(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    boost::asio::post(ctl_->io(), [&task] { task(); });
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
  policy::PolicyEngine& engine() { return ctl_->engine(); }
  ControllerApi& api() { return ctl_->api(); }
  const std::string& dir() const { return dir_; }

 private:
  std::size_t historyLimit_;
  std::optional<TlsConfig> tls_;
  std::string dir_;
  std::vector<TokenEntry> tokens_;
  std::unique_ptr<ControllerInstance> ctl_;
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
