// One TCP or TLS connection to the controller, for blocking use.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>

#include "hnv/policy/client.h"

namespace hnv::policy::detail {

class Transport {
 public:
  static Result<std::unique_ptr<Transport>> connect(const ControllerEndpoint& ep);
  ~Transport();

  // Calls f with the plain or the TLS stream.
  template <class F>
  auto withStream(F&& f) {
    return tls_ ? f(*tls_) : f(*plain_);
  }
  boost::beast::tcp_stream& lowest() { return tls_ ? boost::beast::get_lowest_layer(*tls_) : *plain_; }
  boost::beast::flat_buffer& buffer() { return buffer_; }
  void close();
  // Ends both directions; a blocked read returns. Safe from another thread.
  void shutdown();

 private:
  Transport() = default;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ssl::context> ctx_;
  std::unique_ptr<boost::beast::tcp_stream> plain_;
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace hnv::policy::detail
