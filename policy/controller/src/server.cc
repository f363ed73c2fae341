#include "hnv/controller/server.h"

#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "hnv/base/log.h"

namespace hnv::controller {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kRequestTimeout = std::chrono::seconds(60);
constexpr std::size_t kStreamBatch = 512;

ApiRequest toApiRequest(const http::request<http::string_body>& req, Error& bad) {
  ApiRequest out;
  out.method = std::string(req.method_string());
  std::string_view target = req.target();
  auto q = target.find('?');
  auto path = percentDecode(target.substr(0, q));
  if (!path) bad = makeError(Errc::InvalidArgument, "path", std::string(target), "has a bad percent escape");
  out.path = path.value_or("");
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      auto part = query.substr(0, amp);
      auto eq = part.find('=');
      auto key = percentDecode(part.substr(0, eq));
      auto value = eq == std::string_view::npos ? std::optional<std::string>("") : percentDecode(part.substr(eq + 1));
      if (!key || !value) {
        bad = makeError(Errc::InvalidArgument, "query", std::string(part), "has a bad percent escape");
      } else if (!key->empty()) {
        if (out.query.count(*key) != 0) bad = makeError(Errc::InvalidArgument, *key, "", "is given twice");
        out.query[*key] = *value;
      }
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    }
  }
  out.body = req.body();
  out.authorization = std::string(req[http::field::authorization]);
  out.ifMatch = std::string(req[http::field::if_match]);
  return out;
}

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, ControllerApi& api, const ServerOptions& options, std::shared_ptr<std::size_t> streams)
      : stream_(std::move(stream)), api_(api), options_(options), streams_(std::move(streams)),
        timer_(stream_.get_executor()) {}

  ~Session() {
    if (watch_) {
      if (waitId_ != 0) watch_->hub().cancelWait(waitId_);
      --*streams_;
    }
  }

  void start() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(kRequestTimeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read();
                              });
    } else {
      read();
    }
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(options_.maxBodyBytes);
    beast::get_lowest_layer(stream_).expires_after(kRequestTimeout);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->onRead(ec);
    });
  }

  void onRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      auto r = errorResponse(makeError(Errc::OutOfRange, "body", "",
                                       "is larger than the limit of " + std::to_string(options_.maxBodyBytes) + " bytes"));
      r.status = 413;
      send(std::move(r), false);
      return;
    }
    if (ec) return;  // closed, timed out or not HTTP: nothing to answer
    auto req = parser_->release();
    Error bad;
    ApiRequest api = toApiRequest(req, bad);
    ApiResponse resp = bad.why.empty() ? api_.handle(api) : errorResponse(bad);
    if (resp.stream) {
      startStream(std::move(resp.stream));
      return;
    }
    send(std::move(resp), req.keep_alive());
  }

  void send(ApiResponse r, bool keepAlive) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::content_type, "application/json");
    res->set(http::field::server, "hnv-controller");
    if (!r.allow.empty()) res->set(http::field::allow, r.allow);
    res->keep_alive(keepAlive);
    res->body() = std::move(r.body);
    res->prepare_payload();
    http::async_write(stream_, *res, [self = this->shared_from_this(), res, keepAlive](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (keepAlive) {
        self->read();
      } else {
        self->close();
      }
    });
  }

  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // --- watch streams: chunked NDJSON ---

  void startStream(std::unique_ptr<WatchStream> w) {
    watch_ = std::move(w);
    ++*streams_;
    beast::get_lowest_layer(stream_).expires_never();
    header_.emplace(http::status::ok, 11);
    header_->set(http::field::content_type, "application/x-ndjson");
    header_->set(http::field::server, "hnv-controller");
    header_->set(http::field::cache_control, "no-store");
    header_->chunked(true);
    serializer_.emplace(*header_);
    http::async_write_header(stream_, *serializer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->watchForClose();
      self->pump();
    });
  }

  // The client sends nothing while watching; a read completing means it left.
  void watchForClose() {
    stream_.async_read_some(asio::buffer(sink_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->closed_ = true;
        self->timer_.cancel();
        if (self->waitId_ != 0) {
          self->watch_->hub().cancelWait(self->waitId_);
          self->waitId_ = 0;
        }
        return;
      }
      self->watchForClose();
    });
  }

  void pump() {
    if (closed_) return;
    auto p = watch_->poll(kStreamBatch);
    if (!p.data.empty()) {
      writeChunk(std::move(p.data), p.done);
      return;
    }
    if (p.done) {
      finish();
      return;
    }
    // Caught up: wait for the next commit or the heartbeat, whichever first.
    std::weak_ptr<Session> weak = this->shared_from_this();
    waitId_ = watch_->hub().waitForChange([weak]() {
      if (auto self = weak.lock()) {
        self->waitId_ = 0;
        self->timer_.cancel();
      }
    });
    timer_.expires_after(options_.heartbeat);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (self->closed_) return;
      if (!ec) {
        // Heartbeat: a bookmark proves the stream is alive and current.
        if (self->waitId_ != 0) self->watch_->hub().cancelWait(self->waitId_);
        self->waitId_ = 0;
        self->writeChunk(self->watch_->heartbeat(), false);
        return;
      }
      self->pump();
    });
  }

  void writeChunk(std::string data, bool last) {
    auto buf = std::make_shared<std::string>(std::move(data));
    asio::async_write(stream_, http::make_chunk(asio::buffer(*buf)),
                      [self = this->shared_from_this(), buf, last](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (last) {
                          self->finish();
                        } else {
                          self->pump();
                        }
                      });
  }

  void finish() {
    asio::async_write(stream_, http::make_chunk_last(), [self = this->shared_from_this()](beast::error_code, std::size_t) {
      self->close();
    });
  }

  Stream stream_;
  ControllerApi& api_;
  ServerOptions options_;  // a copy: a session may outlive the server object
  std::shared_ptr<std::size_t> streams_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::unique_ptr<WatchStream> watch_;
  std::optional<http::response<http::empty_body>> header_;
  std::optional<http::response_serializer<http::empty_body>> serializer_;
  asio::steady_timer timer_;
  int waitId_ = 0;
  bool closed_ = false;
  char sink_[256];
};

}  // namespace

HttpServer::HttpServer(asio::io_context& io, ControllerApi& api, ServerOptions options)
    : io_(io),
      api_(api),
      options_(std::move(options)),
      retry_(io, "api " + options_.address + ":" + std::to_string(options_.port)) {}

HttpServer::~HttpServer() { stop(); }

Result<std::uint16_t> HttpServer::listen() {
  std::string where = options_.address + ":" + std::to_string(options_.port);
  if (options_.tls) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    beast::error_code ec;
    tls_->use_certificate_chain_file(options_.tls->certificate, ec);
    if (ec) return makeError(Errc::InvalidArgument, "tls.certificate", options_.tls->certificate, ec.message());
    tls_->use_private_key_file(options_.tls->privateKey, asio::ssl::context::pem, ec);
    if (ec) return makeError(Errc::InvalidArgument, "tls.privateKey", options_.tls->privateKey, ec.message());
  }
  beast::error_code ec;
  auto addr = asio::ip::make_address(options_.address, ec);
  if (ec) return makeError(Errc::InvalidArgument, "listen", options_.address, "is not an IP address");
  acceptor_ = std::make_unique<tcp::acceptor>(io_);
  tcp::endpoint ep(addr, options_.port);
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return makeError(Errc::Io, "listen", where, "cannot listen: " + ec.message());
  accept();
  return acceptor_->local_endpoint().port();
}

void HttpServer::stop() {
  retry_.cancel();
  if (acceptor_) {
    beast::error_code ec;
    acceptor_->close(ec);
  }
}

void HttpServer::accept() {
  acceptor_->async_accept(io_, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;  // stopped: `this` may be gone
    if (ec) {
      retry_.failed(ec, [this] {
        if (acceptor_ && acceptor_->is_open()) accept();
      });
      return;
    }
    retry_.accepted();
    socket.set_option(tcp::no_delay(true), ec);
    if (tls_) {
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
          beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls_), api_, options_, streams_)
          ->start();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), api_, options_, streams_)
          ->start();
    }
    accept();
  });
}

}  // namespace hnv::controller
