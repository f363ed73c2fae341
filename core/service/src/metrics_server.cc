#include "hnv/service/metrics_server.h"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "hnv/base/log.h"

namespace hnv::service {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

const Logger kLog("metrics");

// One connection: read one request, answer, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const MetricsServer::Render& render, const MetricsServer::Health& health)
      : stream_(std::move(socket)), render_(render), health_(health) {}

  void start() {
    parser_.body_limit(0);
    parser_.header_limit(8 * 1024);
    stream_.expires_after(std::chrono::seconds(5));
    http::async_read(stream_, buffer_, parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) self->answer();
    });
  }

 private:
  void answer() {
    const auto& req = parser_.get();
    res_.version(req.version());
    res_.keep_alive(false);
    res_.set(http::field::server, "hnv");
    const std::string target(req.target());
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res_.result(http::status::method_not_allowed);
      res_.set(http::field::allow, "GET, HEAD");
      res_.body() = "only GET and HEAD\n";
    } else if (target == "/metrics") {
      res_.result(http::status::ok);
      res_.set(http::field::content_type, "text/plain; version=0.0.4");
      res_.body() = render_();
    } else if (target == "/health") {
      const std::string problem = health_ ? health_() : std::string();
      res_.result(problem.empty() ? http::status::ok : http::status::service_unavailable);
      res_.set(http::field::content_type, "text/plain");
      res_.body() = problem.empty() ? "ok\n" : "unhealthy: " + problem + "\n";
    } else {
      res_.result(http::status::not_found);
      res_.set(http::field::content_type, "text/plain");
      res_.body() = "no such path: " + target + " (try /metrics or /health)\n";
    }
    if (req.method() == http::verb::head) res_.body().clear();
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code, std::size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request_parser<http::empty_body> parser_;
  http::response<http::string_body> res_;
  MetricsServer::Render render_;
  MetricsServer::Health health_;
};

}  // namespace

std::string MetricsEndpoint::text() const {
  return (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

Result<MetricsEndpoint> parseMetricsEndpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) {
    return makeError(Errc::InvalidArgument, "", std::string(text), "must be address:port, e.g. 127.0.0.1:9470");
  }
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  (void)asio::ip::make_address(host, ec);
  if (ec) return makeError(Errc::InvalidArgument, "", std::string(text), "'" + host + "' is not an IP address");
  unsigned long port = 0;
  const std::string digits(text.substr(colon + 1));
  for (char c : digits) {
    if (c < '0' || c > '9' || port > 65535) {
      return makeError(Errc::InvalidArgument, "", std::string(text), "the port must be a number from 1 to 65535");
    }
    port = port * 10 + static_cast<unsigned long>(c - '0');
  }
  if (port == 0 || port > 65535) {
    return makeError(Errc::InvalidArgument, "", std::string(text), "the port must be a number from 1 to 65535");
  }
  return MetricsEndpoint{host, static_cast<std::uint16_t>(port)};
}

Result<std::optional<MetricsEndpoint>> readMetricsSection(const ConfigNode& metrics) {
  if (!metrics.present()) return std::optional<MetricsEndpoint>();
  if (auto st = metrics.expectObject({"listen"}); !st) return st.error();
  auto listen = metrics["listen"].asString();
  if (!listen) return listen.error();
  auto ep = parseMetricsEndpoint(*listen);
  if (!ep) return metrics["listen"].error(*listen, ep.error().why);
  return std::optional<MetricsEndpoint>(*ep);
}

MetricsServer::MetricsServer(asio::io_context& io, MetricsEndpoint endpoint, Render render, Health health)
    : io_(io),
      endpoint_(std::move(endpoint)),
      render_(std::move(render)),
      health_(std::move(health)),
      retry_(io, "metrics " + endpoint_.text()) {}

MetricsServer::~MetricsServer() { close(); }

Status MetricsServer::listen() {
  boost::system::error_code ec;
  const tcp::endpoint ep(asio::ip::make_address(endpoint_.address, ec), endpoint_.port);
  if (ec) return makeError(Errc::InvalidArgument, "metrics.listen", endpoint_.text(), ec.message());
  auto acceptor = std::make_shared<tcp::acceptor>(io_);
  if (acceptor->open(ep.protocol(), ec); !ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return makeError(Errc::Unavailable, "metrics.listen", endpoint_.text(), "cannot listen: " + ec.message());
  port_ = acceptor->local_endpoint().port();
  acceptor_ = std::move(acceptor);
  kLog.info("metrics endpoint listening", {{"address", endpoint_.text()}});
  accept();
  return okStatus();
}

void MetricsServer::accept() {
  auto acceptor = acceptor_;
  acceptor->async_accept([this, acceptor](boost::system::error_code ec, tcp::socket socket) {
    if (!acceptor->is_open()) return;  // closed
    if (ec) {
      retry_.failed(ec, [this, acceptor] {
        if (acceptor == acceptor_) accept();
      });
      return;
    }
    retry_.accepted();
    std::make_shared<Session>(std::move(socket), render_, health_)->start();
    accept();
  });
}

void MetricsServer::close() {
  retry_.cancel();
  if (!acceptor_) return;
  boost::system::error_code ignored;
  acceptor_->close(ignored);
  acceptor_.reset();
}

}  // namespace hnv::service
