// One TCP or TLS connection to the controller, used by one thread at a time.
//
// Every operation runs asynchronously on the transport's own io_context and
// is driven to completion on the calling thread, so that the stream's timer
// applies: an operation that makes no progress for its `idle` time fails with
// boost::beast::error::timeout and the socket is closed. (A blocking Beast
// call ignores expires_after and could wait for ever on a stalled peer.)
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>

#include "hnv/policy/client.h"

namespace hnv::policy::detail {

class Transport {
 public:
  using ErrorCode = boost::system::error_code;

  // Connects (and shakes hands, for TLS) within ep.timeout per step.
  static Result<std::unique_ptr<Transport>> connect(const ControllerEndpoint& ep);
  ~Transport();

  // Writes a whole message; `idle` bounds each partial write.
  template <bool IsRequest, class Body, class Fields>
  ErrorCode write(boost::beast::http::message<IsRequest, Body, Fields>& msg, std::chrono::milliseconds idle) {
    boost::beast::http::serializer<IsRequest, Body, Fields> sr{msg};
    ErrorCode ec;
    while (!ec && !sr.is_done()) {
      ec = run(idle, [&](auto& s, auto&& done) { boost::beast::http::async_write_some(s, sr, std::move(done)); });
    }
    return ec;
  }
  // Reads until the parser is done (or a buffer_body's buffer is full:
  // http::error::need_buffer); `idle` bounds each partial read.
  template <class Parser>
  ErrorCode read(Parser& parser, std::chrono::milliseconds idle) {
    ErrorCode ec;
    while (!ec && !parser.is_done()) ec = readSome(parser, idle);
    return ec;
  }
  template <class Parser>
  ErrorCode readHeader(Parser& parser, std::chrono::milliseconds idle) {
    return run(idle, [&](auto& s, auto&& done) {
      boost::beast::http::async_read_header(s, buffer_, parser, std::move(done));
    });
  }
  template <class Parser>
  ErrorCode readSome(Parser& parser, std::chrono::milliseconds idle) {
    return run(idle, [&](auto& s, auto&& done) {
      boost::beast::http::async_read_some(s, buffer_, parser, std::move(done));
    });
  }

  void close();
  // Ends both directions; an operation in progress on another thread fails
  // at once. Safe from any thread.
  void shutdown();

 private:
  Transport() = default;
  boost::beast::tcp_stream& lowest() { return tls_ ? boost::beast::get_lowest_layer(*tls_) : *plain_; }

  // Starts one asynchronous operation on the plain or the TLS stream and
  // runs the io_context until it completes or `idle` passes.
  template <class Start>
  ErrorCode run(std::chrono::milliseconds idle, Start&& start) {
    ErrorCode result = boost::asio::error::operation_aborted;
    lowest().expires_after(idle);
    auto done = [&result](ErrorCode ec, auto&&...) { result = ec; };
    if (tls_) {
      start(*tls_, done);
    } else {
      start(*plain_, done);
    }
    io_.restart();
    io_.run();
    return result;
  }

  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ssl::context> ctx_;
  std::unique_ptr<boost::beast::tcp_stream> plain_;
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  boost::beast::flat_buffer buffer_;
};

// "no answer within 10000 ms" for a timeout, the error's text otherwise.
std::string describe(const boost::system::error_code& ec, std::chrono::milliseconds idle);

}  // namespace hnv::policy::detail
