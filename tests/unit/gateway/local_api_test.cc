// The local JSON API: request handling as a pure function, then a real server
// on a Unix socket in a fresh directory, driven by callLocalApi and by a raw
// socket. The server's io_context runs on its own thread; the test thread
// waits on sockets with poll() and a deadline, never with sleeps.
#include "hnv/agent/local_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

namespace hnv::agent {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

const Error kConflict = makeError(Errc::Conflict, "vrf[3]", "10.0.0.0/8", "overlaps 10.1.0.0/16 of vrf[1]");

std::map<std::string, Handler, std::less<>> testHandlers() {
  std::map<std::string, Handler, std::less<>> h;
  h["echo"] = [](const json::object& p) -> Result<json::value> { return json::object{{"params", p}}; };
  h["fail"] = [](const json::object&) -> Result<json::value> { return kConflict; };
  h["status"] = [](const json::object&) -> Result<json::value> { return json::object{{"node", "gw1"}, {"up", true}}; };
  return h;
}

json::object parseReply(const std::string& line) {
  json::value v = json::parse(line);
  EXPECT_TRUE(v.is_object()) << line;
  return v.as_object();
}

// --- handleRequestLine -------------------------------------------------------

struct BadRequest {
  const char* name;
  std::string line;
  const char* code;
  const char* where;
  const char* why;
};

class HandleBadRequest : public ::testing::TestWithParam<BadRequest> {};

TEST_P(HandleBadRequest, AnswersWithAnError) {
  const auto& c = GetParam();
  std::string out = handleRequestLine(testHandlers(), c.line);
  EXPECT_EQ(out.find('\n'), std::string::npos) << "one line, without its newline";
  json::object reply = parseReply(out);
  ASSERT_TRUE(reply.contains("ok"));
  EXPECT_EQ(reply.at("ok"), false);
  EXPECT_FALSE(reply.contains("result"));
  ASSERT_TRUE(reply.contains("error")) << out;
  const auto& e = reply.at("error").as_object();
  EXPECT_EQ(e.at("code").as_string(), c.code) << out;
  EXPECT_EQ(e.at("where").as_string(), c.where) << out;
  EXPECT_THAT(std::string(e.at("why").as_string()), HasSubstr(c.why)) << out;
}

INSTANTIATE_TEST_SUITE_P(
    LocalApi, HandleBadRequest,
    ::testing::Values(BadRequest{"NotJson", "{\"method\": ", "malformed", "request", "not JSON"},
                      BadRequest{"Garbage", "status please", "malformed", "request", "not JSON"},
                      BadRequest{"Empty", "", "malformed", "request", "not JSON"},
                      BadRequest{"Array", "[\"status\"]", "invalid-argument", "request", "must be a JSON object"},
                      BadRequest{"String", "\"status\"", "invalid-argument", "request", "must be a JSON object"},
                      BadRequest{"MissingMethod", "{\"params\": {}}", "invalid-argument", "request.method",
                                 "a string is required"},
                      BadRequest{"NumberMethod", "{\"method\": 5}", "invalid-argument", "request.method",
                                 "a string is required"},
                      BadRequest{"NullMethod", "{\"method\": null}", "invalid-argument", "request.method",
                                 "a string is required"},
                      BadRequest{"ParamsArray", "{\"method\": \"echo\", \"params\": [1]}", "invalid-argument",
                                 "request.params", "must be an object"},
                      BadRequest{"ParamsString", "{\"method\": \"echo\", \"params\": \"x\"}", "invalid-argument",
                                 "request.params", "must be an object"},
                      BadRequest{"UnknownMethod", "{\"method\": \"reboot\"}", "not-found", "request.method",
                                 "unknown method (known: echo, fail, status)"}),
    [](const ::testing::TestParamInfo<BadRequest>& i) { return std::string(i.param.name); });

TEST(LocalApi, UnknownMethodNamesItAsWhat) {
  json::object reply = parseReply(handleRequestLine(testHandlers(), R"({"method": "reboot"})"));
  EXPECT_EQ(reply.at("error").at("what").as_string(), "reboot");
}

TEST(LocalApi, UnknownMethodWithNoHandlersListsNone) {
  json::object reply = parseReply(handleRequestLine({}, R"({"method": "status"})"));
  EXPECT_EQ(reply.at("error").at("why").as_string(), "unknown method (known: )");
}

TEST(LocalApi, HandlerValueIsTheResult) {
  std::string out = handleRequestLine(testHandlers(), R"({"method": "status"})");
  EXPECT_EQ(json::parse(out), json::parse(R"({"ok": true, "result": {"node": "gw1", "up": true}})")) << out;
}

TEST(LocalApi, ParamsReachTheHandler) {
  json::object reply = parseReply(handleRequestLine(testHandlers(), R"({"method": "echo", "params": {"n": 3}})"));
  EXPECT_EQ(reply.at("result"), json::parse(R"({"params": {"n": 3}})"));
  // Absent params are an empty object.
  json::object none = parseReply(handleRequestLine(testHandlers(), R"({"method": "echo"})"));
  EXPECT_EQ(none.at("result"), json::parse(R"({"params": {}})"));
}

TEST(LocalApi, HandlerErrorRoundTrips) {
  json::object reply = parseReply(handleRequestLine(testHandlers(), R"({"method": "fail"})"));
  EXPECT_EQ(reply.at("ok"), false);
  EXPECT_EQ(reply.at("error"),
            json::parse(R"({"code": "conflict", "where": "vrf[3]", "what": "10.0.0.0/8",
                            "why": "overlaps 10.1.0.0/16 of vrf[1]"})"));
  Error back = errorFromJson(reply.at("error"));
  EXPECT_EQ(back.code, kConflict.code);
  EXPECT_EQ(back.where, kConflict.where);
  EXPECT_EQ(back.what, kConflict.what);
  EXPECT_EQ(back.why, kConflict.why);
}

TEST(LocalApi, EveryErrorCodeRoundTrips) {
  for (int c = 0; c <= static_cast<int>(Errc::Internal); ++c) {
    Error e = makeError(static_cast<Errc>(c), "w" + std::to_string(c), "x", "y");
    Error back = errorFromJson(errorToJson(e));
    EXPECT_EQ(back.code, e.code) << errcName(e.code);
    EXPECT_EQ(back.where, e.where);
  }
}

TEST(LocalApi, ErrorFromJsonToleratesJunk) {
  Error unknown = errorFromJson(json::parse(R"({"code": "exploded", "where": "w", "why": 5})"));
  EXPECT_EQ(unknown.code, Errc::Internal);
  EXPECT_EQ(unknown.where, "w");
  EXPECT_EQ(unknown.why, "") << "a non-string field is left empty";
  Error notObject = errorFromJson(json::value("boom"));
  EXPECT_EQ(notObject.code, Errc::Internal);
  EXPECT_EQ(notObject.where, "reply");
  EXPECT_EQ(notObject.what, "\"boom\"");
}

// --- a real server -------------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hnv-api-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A blocking-free client socket for what callLocalApi cannot do.
class RawClient {
 public:
  explicit RawClient(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }

  // Sends everything or fails at the deadline.
  bool sendAll(const std::string& data, Clock::time_point deadline) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EAGAIN) {
        if (!waitFor(POLLOUT, deadline)) return false;
      } else if (!(n < 0 && errno == EINTR)) {
        return false;
      }
    }
    return true;
  }

  // One line without its newline; nullopt on close, error or deadline.
  std::optional<std::string> readLine(Clock::time_point deadline) {
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n > 0) {
        buf_.append(tmp, static_cast<std::size_t>(n));
      } else if (n < 0 && errno == EAGAIN) {
        if (!waitFor(POLLIN, deadline)) return std::nullopt;
      } else if (!(n < 0 && errno == EINTR)) {
        return std::nullopt;
      }
    }
  }

  // True once the peer has closed (end of stream or reset) before the deadline.
  bool closedByPeer(Clock::time_point deadline) {
    for (;;) {
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
      if (n < 0 && errno == EAGAIN) {
        if (!waitFor(POLLIN, deadline)) return false;
      } else if (n < 0 && errno != EINTR) {
        return false;
      }
    }
  }

 private:
  bool waitFor(short events, Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, events, 0};
    return ::poll(&p, 1, static_cast<int>(left)) > 0;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

Clock::time_point in5s() { return Clock::now() + std::chrono::seconds(5); }

class LocalApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty()) << "mkdtemp failed";
    path_ = dir_.path() + "/api.sock";
  }
  void TearDown() override { stopServer(); }

  void startServer() {
    server_.emplace(io_, path_);
    for (auto& [name, h] : testHandlers()) server_->on(name, h);
    auto st = server_->listen();
    ASSERT_TRUE(st.ok()) << st.error().message();
    thread_ = std::thread([this] { io_.run(); });
  }
  void stopServer() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  TempDir dir_;
  std::string path_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::optional<LocalApiServer> server_;
  std::thread thread_;
};

TEST_F(LocalApiServerTest, ListenCreatesTheSocketWithMode0660) {
  startServer();
  struct stat st {};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_EQ(server_->path(), path_);
}

TEST_F(LocalApiServerTest, CallSucceeds) {
  startServer();
  auto r = callLocalApi(path_, "echo", json::object{{"n", 42}});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, json::parse(R"({"params": {"n": 42}})"));
  auto s = callLocalApi(path_, "status", {});
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->at("node").as_string(), "gw1");
}

TEST_F(LocalApiServerTest, CallReturnsTheHandlersError) {
  startServer();
  auto r = callLocalApi(path_, "fail", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::Conflict);
  EXPECT_EQ(r.error().where, kConflict.where);
  EXPECT_EQ(r.error().what, kConflict.what);
  EXPECT_EQ(r.error().why, kConflict.why);
}

TEST_F(LocalApiServerTest, CallOfAnUnknownMethodListsTheKnownOnes) {
  startServer();
  auto r = callLocalApi(path_, "reboot", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::NotFound);
  EXPECT_EQ(r.error().where, "request.method");
  EXPECT_EQ(r.error().what, "reboot");
  EXPECT_EQ(r.error().why, "unknown method (known: echo, fail, status)");
}

TEST_F(LocalApiServerTest, OneConnectionServesSeveralRequests) {
  startServer();
  RawClient c(path_);
  ASSERT_TRUE(c.connected());
  // Two requests in one write, then a bad one: each gets its reply, in order.
  ASSERT_TRUE(c.sendAll("{\"method\": \"status\"}\n{\"method\": \"echo\", \"params\": {\"a\": 1}}\nnot json\n", in5s()));
  auto first = c.readLine(in5s());
  auto second = c.readLine(in5s());
  auto third = c.readLine(in5s());
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(json::parse(*first), json::parse(R"({"ok": true, "result": {"node": "gw1", "up": true}})"));
  EXPECT_EQ(json::parse(*second), json::parse(R"({"ok": true, "result": {"params": {"a": 1}}})"));
  EXPECT_EQ(parseReply(*third).at("error").at("code").as_string(), "malformed");
  // The connection lives on after a bad request.
  ASSERT_TRUE(c.sendAll("{\"method\": \"status\"}\r\n", in5s()));
  auto fourth = c.readLine(in5s());
  ASSERT_TRUE(fourth);
  EXPECT_EQ(parseReply(*fourth).at("ok"), true);
}

TEST_F(LocalApiServerTest, RequestOfExactlyTheLimitIsServed) {
  startServer();
  RawClient c(path_);
  ASSERT_TRUE(c.connected());
  std::string line = "{\"method\": \"status\"}";
  line.resize(kMaxRequestBytes - 1, ' ');  // JSON allows trailing white space
  ASSERT_TRUE(c.sendAll(line + "\n", in5s()));
  auto reply = c.readLine(in5s());
  ASSERT_TRUE(reply);
  EXPECT_EQ(parseReply(*reply).at("ok"), true) << *reply;
}

TEST_F(LocalApiServerTest, OverlongRequestGetsAnErrorAndTheConnectionCloses) {
  startServer();
  RawClient c(path_);
  ASSERT_TRUE(c.connected());
  std::string line = "{\"method\": \"status\"}";
  line.resize(kMaxRequestBytes, ' ');
  ASSERT_TRUE(c.sendAll(line + "\n", in5s()));
  auto reply = c.readLine(in5s());
  ASSERT_TRUE(reply) << "no reply";
  json::object r = parseReply(*reply);
  EXPECT_EQ(r.at("ok"), false);
  EXPECT_EQ(r.at("error").at("code").as_string(), "invalid-argument");
  EXPECT_EQ(r.at("error").at("where").as_string(), "request");
  EXPECT_EQ(r.at("error").at("why").as_string(), "longer than 65536 bytes");
  EXPECT_TRUE(c.closedByPeer(in5s()));
  // The server still serves others.
  auto after = callLocalApi(path_, "status", {});
  EXPECT_TRUE(after.ok()) << after.error().message();
}

TEST_F(LocalApiServerTest, MissingSocketIsUnavailableAndNamesThePath) {
  std::string missing = dir_.path() + "/nobody.sock";
  auto r = callLocalApi(missing, "status", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::Unavailable);
  EXPECT_EQ(r.error().where, missing);
  EXPECT_THAT(r.error().message(), StartsWith(missing + ": "));
  EXPECT_THAT(r.error().why, HasSubstr("cannot connect"));
}

TEST_F(LocalApiServerTest, OverlongSocketPathIsAnErrorNotAnException) {
  std::string longPath = dir_.path() + "/" + std::string(200, 's') + ".sock";
  Result<json::value> r = makeError(Errc::Internal, "", "", "not called");
  ASSERT_NO_THROW(r = callLocalApi(longPath, "status", {}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, longPath);
  EXPECT_THAT(r.error().why, HasSubstr("too long"));

  LocalApiServer server(io_, longPath);
  Status st = okStatus();
  ASSERT_NO_THROW(st = server.listen());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().what, longPath);
  EXPECT_THAT(st.error().why, HasSubstr("too long"));
}

TEST_F(LocalApiServerTest, StaleSocketFileIsReplaced) {
  // A socket file left behind by a process that died: bound, never unlinked.
  {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  auto before = callLocalApi(path_, "status", {});
  ASSERT_FALSE(before.ok()) << "the stale socket must refuse connections";
  EXPECT_EQ(before.error().code, Errc::Unavailable);

  startServer();
  auto r = callLocalApi(path_, "status", {});
  ASSERT_TRUE(r.ok()) << r.error().message();
}

TEST_F(LocalApiServerTest, ARegularFileIsNotReplaced) {
  std::ofstream(path_) << "precious";
  server_.emplace(io_, path_);
  Status st = server_->listen();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().where, "api.socket");
  EXPECT_EQ(st.error().what, path_);
  EXPECT_THAT(st.error().why, HasSubstr("not a socket"));
  std::ifstream in(path_);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(LocalApiServerTest, ListenInAMissingDirectoryFails) {
  server_.emplace(io_, dir_.path() + "/no/such/dir/api.sock");
  Status st = server_->listen();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::Io);
  EXPECT_THAT(st.error().why, HasSubstr("cannot listen"));
}

TEST_F(LocalApiServerTest, CloseRemovesTheSocketAndRefusesCalls) {
  startServer();
  ASSERT_TRUE(callLocalApi(path_, "status", {}).ok());
  // close() runs on the io thread, as the class requires.
  std::promise<void> closed;
  boost::asio::post(io_, [&] {
    server_->close();
    closed.set_value();
  });
  ASSERT_EQ(closed.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(std::filesystem::exists(path_));
  auto r = callLocalApi(path_, "status", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::Unavailable);
}

TEST_F(LocalApiServerTest, ReplyTimeoutIsUnavailable) {
  // A listening socket nobody answers on.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  auto r = callLocalApi(path_, "status", {}, std::chrono::milliseconds(50));
  ::close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::Unavailable);
  EXPECT_EQ(r.error().where, path_);
  EXPECT_EQ(r.error().what, "status");
  EXPECT_THAT(r.error().why, HasSubstr("no reply within the timeout"));
}

}  // namespace
}  // namespace hnv::agent
