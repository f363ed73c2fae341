#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "hnv/agent/local_api.h"
#include "hnv/base/log.h"
#include "hnv/service/accept_retry.h"

namespace hnv::agent {
namespace {

namespace json = boost::json;
using boost::asio::local::stream_protocol;

const Logger kLog("api");

json::value reply(Result<json::value> r) {
  json::object o;
  o["ok"] = r.ok();
  if (r.ok()) {
    o["result"] = std::move(r).value();
  } else {
    o["error"] = errorToJson(r.error());
  }
  return o;
}

// One connection: reads lines, answers each, until the peer closes.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(stream_protocol::socket s, const std::map<std::string, AsyncHandler, std::less<>>& h)
      : socket_(std::move(s)), handlers_(h), buf_(kMaxRequestBytes) {}
  void start() { read(); }

 private:
  void read() {
    auto self = shared_from_this();
    boost::asio::async_read_until(socket_, buf_, '\n', [self](boost::system::error_code ec, std::size_t n) {
      if (ec == boost::asio::error::not_found) {
        // The line is longer than allowed: say so, then close.
        self->out_ = json::serialize(reply(makeError(Errc::InvalidArgument, "request", "",
                                                     "longer than " + std::to_string(kMaxRequestBytes) + " bytes"))) +
                     "\n";
        boost::asio::async_write(self->socket_, boost::asio::buffer(self->out_),
                                 [self](boost::system::error_code, std::size_t) {});
        return;
      }
      if (ec) return;
      std::string line(boost::asio::buffers_begin(self->buf_.data()),
                       boost::asio::buffers_begin(self->buf_.data()) + static_cast<std::ptrdiff_t>(n - 1));
      self->buf_.consume(n);
      dispatch(self->handlers_, line, [self](json::value r) {
        self->out_ = json::serialize(r) + "\n";
        boost::asio::async_write(self->socket_, boost::asio::buffer(self->out_),
                                 [self](boost::system::error_code wec, std::size_t) {
                                   if (!wec) self->read();
                                 });
      });
    });
  }

  stream_protocol::socket socket_;
  const std::map<std::string, AsyncHandler, std::less<>>& handlers_;
  boost::asio::streambuf buf_;
  std::string out_;
};

}  // namespace

json::value errorToJson(const Error& e) {
  return json::object{{"code", std::string(errcName(e.code))}, {"where", e.where}, {"what", e.what}, {"why", e.why}};
}

Error errorFromJson(const json::value& v) {
  Error e;
  e.code = Errc::Internal;
  if (!v.is_object()) return makeError(Errc::Internal, "reply", json::serialize(v), "not an error object");
  const auto& o = v.as_object();
  auto str = [&](const char* k) {
    const auto* p = o.if_contains(k);
    return p && p->is_string() ? std::string(p->as_string()) : std::string();
  };
  std::string code = str("code");
  e.code = errcFromName(code).value_or(Errc::Internal);
  e.where = str("where");
  e.what = str("what");
  e.why = str("why");
  return e;
}

namespace {

// Parses one request line and calls the method's handler, or `done` with the
// error reply. `call(handler, params, done)` runs a found handler.
template <class Map, class Call>
void dispatchWith(const Map& handlers, std::string_view line, const std::function<void(json::value)>& done, Call call) {
  boost::system::error_code ec;
  json::value req = json::parse(line, ec);
  if (ec) return done(reply(makeError(Errc::Malformed, "request", "", "not JSON: " + ec.message())));
  if (!req.is_object()) return done(reply(makeError(Errc::InvalidArgument, "request", "", "must be a JSON object")));
  const auto& o = req.as_object();
  const auto* method = o.if_contains("method");
  if (method == nullptr || !method->is_string()) {
    return done(reply(makeError(Errc::InvalidArgument, "request.method", "", "a string is required")));
  }
  const auto* params = o.if_contains("params");
  static const json::object kNoParams;
  if (params != nullptr && !params->is_object()) {
    return done(reply(makeError(Errc::InvalidArgument, "request.params", "", "must be an object")));
  }
  auto it = handlers.find(std::string_view(method->as_string()));
  if (it == handlers.end()) {
    std::string known;
    for (const auto& [name, h] : handlers) known += (known.empty() ? "" : ", ") + name;
    return done(reply(makeError(Errc::NotFound, "request.method", std::string(method->as_string()),
                                "unknown method (known: " + known + ")")));
  }
  call(it->second, params ? params->as_object() : kNoParams, done);
}

}  // namespace

void dispatch(const std::map<std::string, AsyncHandler, std::less<>>& handlers, std::string_view line,
              const std::function<void(json::value)>& done) {
  dispatchWith(handlers, line, done, [](const AsyncHandler& h, const json::object& params, const auto& finish) {
    h(params, [finish](Result<json::value> r) { finish(reply(std::move(r))); });
  });
}

std::string handleRequestLine(const std::map<std::string, Handler, std::less<>>& handlers, std::string_view line) {
  std::string out;
  dispatchWith(handlers, line, [&out](json::value r) { out = json::serialize(r); },
               [](const Handler& h, const json::object& params, const auto& finish) { finish(reply(h(params))); });
  return out;
}

void LocalApiServer::on(std::string method, Handler handler) {
  handlers_[std::move(method)] = [h = std::move(handler)](const json::object& params, Responder respond) {
    respond(h(params));
  };
}

LocalApiServer::LocalApiServer(boost::asio::io_context& io, std::string socketPath)
    : io_(io), path_(std::move(socketPath)), retry_(std::make_unique<service::AcceptRetry>(io, "api " + path_)) {}

LocalApiServer::~LocalApiServer() { close(); }

Status LocalApiServer::listen() {
  // asio's endpoint throws on a path that does not fit in sun_path; say so instead.
  if (path_.size() >= sizeof(sockaddr_un::sun_path)) {
    return makeError(Errc::InvalidArgument, "api.socket", path_,
                     "the path is too long for a Unix socket (at most " +
                         std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes)");
  }
  // Replace a stale socket, but never delete a file of another kind (a mistyped path).
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return makeError(Errc::AlreadyExists, "api.socket", path_, "exists and is not a socket; not replacing it");
    }
    ::unlink(path_.c_str());
  }
  boost::system::error_code ec;
  auto a = std::make_unique<stream_protocol::acceptor>(io_);
  a->open(stream_protocol(), ec);
  if (!ec) a->bind(stream_protocol::endpoint(path_), ec);
  if (!ec) a->listen(16, ec);
  if (ec) return makeError(Errc::Io, "api.socket", path_, "cannot listen: " + ec.message());
  ::chmod(path_.c_str(), 0660);
  acceptor_ = std::move(a);
  accept();
  return okStatus();
}

void LocalApiServer::accept() {
  acceptor_->async_accept([this](boost::system::error_code ec, stream_protocol::socket s) {
    if (ec == boost::asio::error::operation_aborted) return;  // closed: `this` may be gone
    if (ec) {
      retry_->failed(ec, [this] {
        if (acceptor_) accept();
      });
      return;
    }
    retry_->accepted();
    std::make_shared<Session>(std::move(s), handlers_)->start();
    accept();
  });
}

void LocalApiServer::close() {
  retry_->cancel();
  if (!acceptor_) return;
  boost::system::error_code ec;
  acceptor_->close(ec);
  acceptor_.reset();
  ::unlink(path_.c_str());
}

}  // namespace hnv::agent
