// The HTTP(S) front of hnv-controller: Boost.Beast on one io_context. It
// turns requests into ApiRequest, writes ApiResponse, and pumps watch streams
// as chunked NDJSON with periodic bookmarks.
//
// Thread: the io_context's thread; all sessions and the API run there.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "hnv/base/result.h"
#include "hnv/controller/api.h"
#include "hnv/controller/config.h"
#include "hnv/service/accept_retry.h"

namespace hnv::controller {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  std::size_t maxBodyBytes = 8 * 1024 * 1024;
  std::chrono::seconds heartbeat{10};
  std::optional<TlsConfig> tls;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, ControllerApi& api, ServerOptions options);
  ~HttpServer();
  // Binds and starts accepting; returns the bound port.
  Result<std::uint16_t> listen();
  void stop();
  // Open watch streams (for the status route and tests).
  std::size_t openStreams() const { return *streams_; }

 private:
  void accept();
  boost::asio::io_context& io_;
  ControllerApi& api_;
  ServerOptions options_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  service::AcceptRetry retry_;
  std::shared_ptr<std::size_t> streams_ = std::make_shared<std::size_t>(0);
};

}  // namespace hnv::controller
