#include <sys/un.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "hnv/agent/local_api.h"

namespace hnv::agent {

namespace json = boost::json;
using boost::asio::local::stream_protocol;

Result<json::value> callLocalApi(const std::string& socketPath, std::string_view method, const json::object& params,
                                 std::chrono::milliseconds timeout) {
  // asio's endpoint throws on a path that does not fit in sun_path; say so instead.
  if (socketPath.size() >= sizeof(sockaddr_un::sun_path)) {
    return makeError(Errc::InvalidArgument, socketPath, "",
                     "the path is too long for a Unix socket (at most " +
                         std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes)");
  }
  boost::asio::io_context io;
  stream_protocol::socket s(io);
  boost::system::error_code ec;
  s.connect(stream_protocol::endpoint(socketPath), ec);
  if (ec) {
    return makeError(Errc::Unavailable, socketPath, "",
                     "cannot connect: " + ec.message() + " (is the daemon running, and is this its api.socket?)");
  }
  std::string line = json::serialize(json::object{{"method", method}, {"params", params}}) + "\n";
  boost::asio::streambuf buf(kMaxRequestBytes * 64);
  bool done = false;
  std::size_t got = 0;
  boost::asio::async_write(s, boost::asio::buffer(line), [&](boost::system::error_code wec, std::size_t) {
    if (wec) {
      ec = wec;
      done = true;
      return;
    }
    boost::asio::async_read_until(s, buf, '\n', [&](boost::system::error_code rec, std::size_t n) {
      ec = rec;
      got = n;
      done = true;
    });
  });
  io.run_for(timeout);
  if (!done) return makeError(Errc::Unavailable, socketPath, std::string(method), "no reply within the timeout");
  if (ec) return makeError(Errc::Io, socketPath, std::string(method), "connection failed: " + ec.message());
  std::string text(boost::asio::buffers_begin(buf.data()),
                   boost::asio::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(got));
  json::value reply = json::parse(text, ec);
  if (ec || !reply.is_object()) return makeError(Errc::Malformed, socketPath, "", "the reply is not a JSON object");
  const auto& o = reply.as_object();
  const auto* ok = o.if_contains("ok");
  if (ok != nullptr && ok->is_bool() && ok->as_bool()) {
    const auto* r = o.if_contains("result");
    return r ? *r : json::value();
  }
  const auto* err = o.if_contains("error");
  return err ? errorFromJson(*err) : makeError(Errc::Malformed, socketPath, "", "the reply has neither result nor error");
}

}  // namespace hnv::agent
