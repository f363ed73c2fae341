#include "hnv/policy/client.h"

#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "transport.h"

namespace hnv::policy {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

namespace {

constexpr std::uint64_t kMaxReplyBytes = 4ull << 30;

std::string stringField(const json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

http::request<http::string_body> makeRequest(const ControllerEndpoint& ep, std::string_view method,
                                             std::string_view target) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, ep.host);
  req.set(http::field::user_agent, "hnv-client");
  if (!ep.token.empty()) req.set(http::field::authorization, "Bearer " + ep.token);
  req.keep_alive(true);
  return req;
}

}  // namespace

Result<ControllerEndpoint> ControllerEndpoint::parse(std::string_view url) {
  ControllerEndpoint ep;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
    ep.tls = true;
    ep.port = 443;
  } else {
    return makeError(Errc::InvalidArgument, "controller", std::string(url), "must start with http:// or https://");
  }
  while (rest.ends_with("/")) rest.remove_suffix(1);
  std::string_view host = rest, port;
  if (rest.starts_with("[")) {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return makeError(Errc::InvalidArgument, "controller", std::string(url), "has an unclosed [");
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty() || host.find('/') != std::string_view::npos) {
    return makeError(Errc::InvalidArgument, "controller", std::string(url), "must be SCHEME://HOST[:PORT] with no path");
  }
  ep.host = std::string(host);
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos || std::stoul(std::string(port)) > 65535) {
      return makeError(Errc::InvalidArgument, "controller", std::string(url), "has a bad port");
    }
    ep.port = static_cast<std::uint16_t>(std::stoul(std::string(port)));
  }
  return ep;
}

std::string ControllerEndpoint::url() const {
  bool v6 = host.find(':') != std::string::npos;
  return std::string(tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string urlEncode(std::string_view s, bool keepSlash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                 c == '_' || c == '~' || c == ':' || (keepSlash && c == '/');
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

Error errorFromReply(const Reply& r) {
  if (r.body.is_object()) {
    if (const auto* e = r.body.as_object().if_contains("error"); e != nullptr && e->is_object()) {
      const auto& o = e->as_object();
      Errc fallback = r.status >= 500 ? Errc::Internal : Errc::InvalidArgument;
      return makeError(errcFromName(stringField(o, "code")).value_or(fallback), stringField(o, "field"), stringField(o, "value"),
                       stringField(o, "reason"));
    }
  }
  return makeError(r.status >= 500 ? Errc::Internal : Errc::InvalidArgument, "controller", std::to_string(r.status),
                   "the controller answered with an unexpected reply");
}

// A kept-alive connection; reconnects once when the server closed it.
class ControllerClient::Connection {
 public:
  std::unique_ptr<detail::Transport> transport;
};

ControllerClient::ControllerClient(ControllerEndpoint endpoint)
    : endpoint_(std::move(endpoint)), conn_(std::make_unique<Connection>()) {}
ControllerClient::~ControllerClient() = default;
ControllerClient::ControllerClient(ControllerClient&&) noexcept = default;
ControllerClient& ControllerClient::operator=(ControllerClient&&) noexcept = default;

Result<Reply> ControllerClient::request(std::string_view method, std::string_view target, const json::value* body,
                                        std::string_view ifMatch) {
  auto req = makeRequest(endpoint_, method, target);
  if (body != nullptr) {
    req.set(http::field::content_type, "application/json");
    req.body() = json::serialize(*body);
  }
  if (!ifMatch.empty()) req.set(http::field::if_match, ifMatch);
  req.prepare_payload();
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = conn_->transport != nullptr;
    if (!reused) {
      auto t = detail::Transport::connect(endpoint_);
      if (!t) return t.error();
      conn_->transport = std::move(*t);
    }
    auto& t = *conn_->transport;
    http::response_parser<http::string_body> parser;
    // A node's whole desired state can be hundreds of MB (1 M records).
    parser.body_limit(kMaxReplyBytes);
    beast::error_code ec = t.write(req, endpoint_.timeout);
    if (!ec) ec = t.read(parser, endpoint_.timeout);
    auto& res = parser.get();
    if (ec) {
      conn_->transport.reset();
      // A kept-alive connection the server has since closed: retry once on
      // a new one. A controller that stopped answering is not asked twice.
      if (reused && attempt == 0 && ec != beast::error::timeout) continue;
      return makeError(Errc::Unavailable, endpoint_.url() + std::string(target), "",
                       "request failed: " + detail::describe(ec, endpoint_.timeout));
    }
    if (!res.keep_alive()) conn_->transport.reset();
    Reply r;
    r.status = res.result_int();
    if (!res.body().empty()) {
      boost::system::error_code jec;
      r.body = json::parse(res.body(), jec);
      if (jec) {
        return makeError(Errc::Malformed, endpoint_.url() + std::string(target), std::to_string(r.status),
                         "the reply is not JSON: " + jec.message());
      }
    }
    return r;
  }
  return makeError(Errc::Unavailable, endpoint_.url(), "", "request failed");
}

Result<json::value> ControllerClient::call(std::string_view method, std::string_view target, const json::value* body) {
  auto r = request(method, target, body);
  if (!r) return r.error();
  if (r->status >= 200 && r->status < 300) return std::move(r->body);
  return errorFromReply(*r);
}

// --- watch streams ---

class WatchReader::Impl {
 public:
  std::unique_ptr<detail::Transport> transport;
  http::response_parser<http::buffer_body> parser;
  std::string pending;  // bytes of an unfinished line
  bool ended = false;
};

WatchReader::WatchReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WatchReader::~WatchReader() { close(); }

void WatchReader::close() {
  // Only a shutdown: it is safe while another thread is blocked reading and
  // wakes it; the descriptor is closed when the reader is destroyed.
  if (impl_ && impl_->transport) impl_->transport->shutdown();
}

Result<std::unique_ptr<WatchReader>> WatchReader::open(const ControllerEndpoint& ep, std::string_view target) {
  auto t = detail::Transport::connect(ep);
  if (!t) return t.error();
  auto impl = std::make_unique<Impl>();
  impl->transport = std::move(*t);
  impl->parser.body_limit(boost::none);
  auto req = makeRequest(ep, "GET", target);
  auto& tr = *impl->transport;
  beast::error_code ec = tr.write(req, ep.timeout);
  if (!ec) ec = tr.readHeader(impl->parser, ep.timeout);
  if (ec) return makeError(Errc::Unavailable, ep.url() + std::string(target), "", "watch failed: " + detail::describe(ec, ep.timeout));
  unsigned status = impl->parser.get().result_int();
  if (status != 200) {
    // An error reply has an ordinary JSON body; read it whole.
    std::string body;
    char buf[4096];
    while (!impl->parser.is_done() && !ec) {
      impl->parser.get().body().data = buf;
      impl->parser.get().body().size = sizeof buf;
      ec = tr.read(impl->parser, ep.timeout);
      if (ec == http::error::need_buffer) ec = {};
      body.append(buf, sizeof buf - impl->parser.get().body().size);
    }
    Reply r{status, {}};
    boost::system::error_code jec;
    r.body = json::parse(body, jec);
    return errorFromReply(r);
  }
  return std::unique_ptr<WatchReader>(new WatchReader(std::move(impl)));
}

Result<std::optional<json::object>> WatchReader::next(std::chrono::milliseconds timeout) {
  auto& p = *impl_;
  for (;;) {
    if (auto nl = p.pending.find('\n'); nl != std::string::npos) {
      std::string line = p.pending.substr(0, nl);
      p.pending.erase(0, nl + 1);
      boost::system::error_code jec;
      auto v = json::parse(line, jec);
      if (jec || !v.is_object()) return makeError(Errc::Malformed, "watch", line.substr(0, 80), "is not a JSON object");
      return std::optional<json::object>(std::move(v.as_object()));
    }
    if (p.ended || p.parser.is_done()) return std::optional<json::object>();
    char buf[16384];
    p.parser.get().body().data = buf;
    p.parser.get().body().size = sizeof buf;
    beast::error_code ec = p.transport->readSome(p.parser, timeout);
    if (ec == http::error::need_buffer) ec = {};
    p.pending.append(buf, sizeof buf - p.parser.get().body().size);
    if (ec == http::error::end_of_stream || (!ec && p.parser.is_done())) {
      p.ended = true;
      continue;
    }
    if (ec == beast::error::timeout) {
      return makeError(Errc::Unavailable, "watch", "", "nothing arrived for " + std::to_string(timeout.count()) + " ms");
    }
    if (ec) return makeError(Errc::Unavailable, "watch", "", "the stream broke: " + ec.message());
  }
}

}  // namespace hnv::policy
