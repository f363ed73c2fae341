// The client side of hnv-controller's REST API: one blocking HTTP(S)
// connection with keep-alive, and watch streams read line by line. hnvctl,
// the agents (AgentSession) and the benchmarks use it.
//
// Thread: an object is used by one thread at a time.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "hnv/base/result.h"

namespace hnv::policy {

struct ControllerEndpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8470;
  bool tls = false;
  std::string caFile;  // TLS: trust anchors; empty: the system's
  std::string token;
  std::chrono::milliseconds timeout{10000};

  // "http://host:port" or "https://host:port" (IPv6 hosts in brackets).
  static Result<ControllerEndpoint> parse(std::string_view url);
  std::string url() const;
};

struct Reply {
  unsigned status = 0;
  boost::json::value body;
};

class ControllerClient {
 public:
  explicit ControllerClient(ControllerEndpoint endpoint);
  ~ControllerClient();
  ControllerClient(ControllerClient&&) noexcept;
  ControllerClient& operator=(ControllerClient&&) noexcept;

  // Any status; an Error only when the controller could not be reached or
  // the reply was not JSON.
  Result<Reply> request(std::string_view method, std::string_view target, const boost::json::value* body = nullptr,
                        std::string_view ifMatch = {});
  // 2xx gives the body; an error reply becomes the Error it describes.
  Result<boost::json::value> call(std::string_view method, std::string_view target,
                                  const boost::json::value* body = nullptr);

  const ControllerEndpoint& endpoint() const { return endpoint_; }

 private:
  class Connection;
  ControllerEndpoint endpoint_;
  std::unique_ptr<Connection> conn_;
};

// An error reply's {"error": {...}} as an Error (code, field, value, reason).
Error errorFromReply(const Reply& r);

// A watch stream: GET a watch route, then one JSON object per line.
class WatchReader {
 public:
  static Result<std::unique_ptr<WatchReader>> open(const ControllerEndpoint& endpoint, std::string_view target);
  ~WatchReader();
  // The next line; nullopt when the server ended the stream. An Error on a
  // broken connection or when nothing (not even a bookmark) arrives within
  // `timeout`.
  Result<std::optional<boost::json::object>> next(std::chrono::milliseconds timeout);
  void close();

 private:
  class Impl;
  explicit WatchReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes a URL path segment or query value.
std::string urlEncode(std::string_view s, bool keepSlash = false);

}  // namespace hnv::policy
