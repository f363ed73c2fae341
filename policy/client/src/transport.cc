#include "transport.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>

namespace hnv::policy::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

std::string describe(const boost::system::error_code& ec, std::chrono::milliseconds idle) {
  if (ec == beast::error::timeout) return "no answer within " + std::to_string(idle.count()) + " ms";
  return ec.message();
}

Result<std::unique_ptr<Transport>> Transport::connect(const ControllerEndpoint& ep) {
  std::unique_ptr<Transport> t(new Transport());
  std::string where = ep.url();
  beast::error_code ec;
  tcp::resolver resolver(t->io_);
  auto results = resolver.resolve(ep.host, std::to_string(ep.port), ec);
  if (ec) return makeError(Errc::Unavailable, where, ep.host, "cannot resolve: " + ec.message());
  t->plain_ = std::make_unique<beast::tcp_stream>(t->io_);
  ec = t->run(ep.timeout, [&](auto& s, auto&& done) { beast::get_lowest_layer(s).async_connect(results, std::move(done)); });
  if (ec) return makeError(Errc::Unavailable, where, "", "cannot connect: " + describe(ec, ep.timeout));
  t->plain_->socket().set_option(tcp::no_delay(true), ec);
  if (!ep.tls) return t;

  t->ctx_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  t->ctx_->set_verify_mode(asio::ssl::verify_peer);
  if (ep.caFile.empty()) {
    t->ctx_->set_default_verify_paths(ec);
  } else {
    t->ctx_->load_verify_file(ep.caFile, ec);
  }
  if (ec) return makeError(Errc::InvalidArgument, where, ep.caFile, "cannot load the CA file: " + ec.message());
  t->tls_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*t->plain_), *t->ctx_);
  t->plain_.reset();
  // SNI and host name verification.
  // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
  SSL_ctrl(t->tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(ep.host.c_str()));
  t->tls_->set_verify_callback(asio::ssl::host_name_verification(ep.host));
  ec = t->run(ep.timeout, [&](auto& s, auto&& done) {
    // run() instantiates this for the plain stream too, which has no handshake.
    if constexpr (requires { s.async_handshake(asio::ssl::stream_base::client, std::move(done)); }) {
      s.async_handshake(asio::ssl::stream_base::client, std::move(done));
    }
  });
  if (ec) return makeError(Errc::Unavailable, where, "", "TLS handshake failed: " + describe(ec, ep.timeout));
  return t;
}

Transport::~Transport() { close(); }

void Transport::shutdown() {
  // Run on the thread that drives io_ (now, or at its next operation), so
  // that it never races with the stream's own timer closing the socket.
  asio::post(io_, [this] {
    beast::error_code ec;
    if (tls_ || plain_) lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
  });
}

void Transport::close() {
  beast::error_code ec;
  if (tls_ || plain_) lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
  if (tls_ || plain_) lowest().socket().close(ec);
}

}  // namespace hnv::policy::detail
