// The node's local management API: JSON over a Unix stream socket, one
// request per line and one reply per line.
//
//   request:  {"method": "counters", "params": {...}}
//   reply:    {"ok": true, "result": ...}
//          or {"ok": false, "error": {"code": "...", "where": "...", "what": "...", "why": "..."}}
//
// A bad request (not JSON, no method, unknown method, bad params) gets an
// error reply; the connection and the daemon live on.
//
// Thread: the io_context's thread (the control thread).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "hnv/base/result.h"

namespace hnv::service {
class AcceptRetry;
}

namespace hnv::agent {

using Handler = std::function<Result<boost::json::value>(const boost::json::object& params)>;
// A method that answers later (a ping waiting for replies): it calls
// `respond` exactly once, on the io_context's thread. The connection reads
// no further request until then.
using Responder = std::function<void(Result<boost::json::value>)>;
using AsyncHandler = std::function<void(const boost::json::object& params, Responder respond)>;

// Longest request line accepted.
inline constexpr std::size_t kMaxRequestBytes = 64 * 1024;

boost::json::value errorToJson(const Error& e);
Error errorFromJson(const boost::json::value& v);

// Parses one request line and calls its handler; `done` gets the reply (once).
void dispatch(const std::map<std::string, AsyncHandler, std::less<>>& handlers, std::string_view line,
              const std::function<void(boost::json::value)>& done);

// Turns one request line into one reply line (no trailing newline). Public for tests.
std::string handleRequestLine(const std::map<std::string, Handler, std::less<>>& handlers, std::string_view line);

class LocalApiServer {
 public:
  LocalApiServer(boost::asio::io_context& io, std::string socketPath);
  ~LocalApiServer();

  void on(std::string method, Handler handler);
  void onAsync(std::string method, AsyncHandler handler) { handlers_[std::move(method)] = std::move(handler); }
  // Binds the socket (a stale socket file is replaced), mode 0660, and accepts.
  Status listen();
  void close();
  const std::string& path() const { return path_; }

 private:
  void accept();
  boost::asio::io_context& io_;
  std::string path_;
  std::unique_ptr<boost::asio::local::stream_protocol::acceptor> acceptor_;
  std::unique_ptr<service::AcceptRetry> retry_;
  std::map<std::string, AsyncHandler, std::less<>> handlers_;
};

// One request, one reply; errors name the socket and the reason.
Result<boost::json::value> callLocalApi(const std::string& socketPath, std::string_view method,
                                        const boost::json::object& params,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace hnv::agent
