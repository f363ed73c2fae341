// A daemon's Prometheus endpoint: plain HTTP/1.1 on the configured
// address ("metrics": {"listen": "127.0.0.1:9470"}), answering
//   GET /metrics  200, text/plain; version=0.0.4 (what `render` returns)
//   GET /health   200 "ok", or 503 "unhealthy: <why>" when the health
//                 probe (the one the systemd watchdog uses) names a problem
// and 404 or 405 otherwise. One request per connection; requests above
// 8 KiB or slower than 5 s are cut off. Rendering runs on the control
// thread (the io_context), like every other read of the counters.
//
// Thread: control.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "hnv/base/config_node.h"
#include "hnv/base/result.h"
#include "hnv/service/accept_retry.h"

namespace hnv::service {

struct MetricsEndpoint {
  std::string address = "127.0.0.1";
  std::uint16_t port = 9470;
  std::string text() const;
};

// "address:port" or "[v6]:port".
Result<MetricsEndpoint> parseMetricsEndpoint(std::string_view text);
// A configuration file's "metrics": {"listen": "address:port"} section (every
// daemon's); nullopt when absent. Errors name the key and the value.
Result<std::optional<MetricsEndpoint>> readMetricsSection(const ConfigNode& metrics);

class MetricsServer {
 public:
  using Render = std::function<std::string()>;
  // "" when healthy, otherwise what is wrong (one line).
  using Health = std::function<std::string()>;
  MetricsServer(boost::asio::io_context& io, MetricsEndpoint endpoint, Render render, Health health = {});
  ~MetricsServer();
  // Binds and starts accepting; the error names the address.
  Status listen();
  void close();
  std::uint16_t port() const { return port_; }
  // Accepts that failed (out of descriptors, ...) and were retried.
  std::uint64_t acceptFailures() const { return retry_.failures(); }

 private:
  void accept();
  boost::asio::io_context& io_;
  MetricsEndpoint endpoint_;
  Render render_;
  Health health_;
  std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  AcceptRetry retry_;
  std::uint16_t port_ = 0;
};

}  // namespace hnv::service
