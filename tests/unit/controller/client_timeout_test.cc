// The controller client against a controller that accepts connections and
// then stalls: every request, handshake and watch fails after the endpoint's
// timeout instead of waiting for ever, and an agent session stops.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hnv/policy/agent_session.h"
#include "hnv/policy/client.h"

namespace hnv::policy::test {
namespace {

using namespace std::chrono_literals;

// A TCP listener on 127.0.0.1 that accepts, reads what it is sent, writes
// `reply` (in pieces `gap` apart when gap > 0) and then holds the
// connection open without another byte.
class StalledController {
 public:
  explicit StalledController(std::string reply = {}, std::chrono::milliseconds gap = 0ms, std::size_t piece = 0)
      : reply_(std::move(reply)), gap_(gap), piece_(piece) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener_, 16) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    }
    socklen_t len = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~StalledController() {
    stop_ = true;
    thread_.join();
    hangUp();
    ::close(listener_);
  }

  ControllerEndpoint endpoint(std::chrono::milliseconds timeout) const {
    ControllerEndpoint ep;
    ep.port = port_;
    ep.timeout = timeout;
    return ep;
  }
  // Closes every accepted connection: a client blocked on one wakes up.
  void hangUp() {
    std::lock_guard l(m_);
    for (int fd : conns_) ::close(fd);
    conns_.clear();
  }
  int accepted() const { return accepted_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++accepted_;
      {
        std::lock_guard l(m_);
        conns_.push_back(fd);
      }
      if (reply_.empty()) continue;
      // Reads the request's head, then answers.
      char buf[4096];
      std::string got;
      while (!stop_ && got.find("\r\n\r\n") == std::string::npos) {
        pollfd q{fd, POLLIN, 0};
        if (::poll(&q, 1, 10) <= 0) continue;
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
      }
      std::size_t step = piece_ == 0 ? reply_.size() : piece_;
      for (std::size_t off = 0; off < reply_.size() && !stop_; off += step) {
        if (off > 0) std::this_thread::sleep_for(gap_);
        if (::send(fd, reply_.data() + off, std::min(step, reply_.size() - off), MSG_NOSIGNAL) < 0) break;
      }
    }
  }

  std::string reply_;
  std::chrono::milliseconds gap_;
  std::size_t piece_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::mutex m_;
  std::vector<int> conns_;
  std::thread thread_;
};

// Runs f on another thread. If it has not returned after 30 s (a hang, not a
// slow machine: the timeouts below are a few hundred ms) the test fails and
// the controller hangs up so that the thread can end.
template <class F>
auto within30s(StalledController& c, F f) {
  auto fut = std::async(std::launch::async, std::move(f));
  if (fut.wait_for(30s) != std::future_status::ready) {
    ADD_FAILURE() << "the client was still waiting after 30 s";
    c.hangUp();
  }
  return fut.get();
}

TEST(ClientTimeout, ARequestThatIsNeverAnsweredFailsAfterTheTimeout) {
  StalledController c;
  ControllerClient client(c.endpoint(300ms));
  auto r = within30s(c, [&] { return client.request("GET", "/v1/status"); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::Unavailable);
  EXPECT_NE(r.error().message().find("no answer within 300 ms"), std::string::npos) << r.error().message();
  EXPECT_EQ(c.accepted(), 1) << "a stalled controller is not asked twice";
}

TEST(ClientTimeout, AStalledTlsHandshakeFailsAfterTheTimeout) {
  StalledController c;
  auto ep = c.endpoint(300ms);
  ep.tls = true;
  ControllerClient client(ep);
  auto r = within30s(c, [&] { return client.request("GET", "/v1/status"); });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("TLS handshake failed: no answer within 300 ms"), std::string::npos)
      << r.error().message();
}

TEST(ClientTimeout, AReplyThatStopsHalfwayFailsAfterTheTimeout) {
  StalledController c("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"revis");
  ControllerClient client(c.endpoint(300ms));
  auto r = within30s(c, [&] { return client.request("GET", "/v1/status"); });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("no answer within 300 ms"), std::string::npos) << r.error().message();
}

// The timeout bounds silence, not the whole transfer: a large reply that
// keeps arriving is read to its end.
TEST(ClientTimeout, AReplyThatKeepsArrivingIsReadWholeEvenPastTheTimeout) {
  std::string body = R"({"pad":")" + std::string(400, 'x') + R"("})";
  std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
  // About 25 pieces 60 ms apart: 1.5 s in all, never 600 ms of silence.
  StalledController c(reply, 60ms, reply.size() / 24);
  ControllerClient client(c.endpoint(600ms));
  auto r = within30s(c, [&] { return client.request("GET", "/v1/status"); });
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body.at("pad").as_string().size(), 400u);
}

TEST(ClientTimeout, AWatchThatFallsSilentFailsNextAfterItsTimeout) {
  StalledController c("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "14\r\n{\"type\":\"bookmark\"}\n\r\n");
  auto reader = within30s(c, [&] { return WatchReader::open(c.endpoint(300ms), "/v1/watch?from=1"); });
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  auto first = within30s(c, [&] { return (*reader)->next(300ms); });
  ASSERT_TRUE(first.ok() && first->has_value()) << (first.ok() ? "ended" : first.error().message());
  EXPECT_EQ((**first).at("type"), "bookmark");
  auto silent = within30s(c, [&] { return (*reader)->next(300ms); });
  ASSERT_FALSE(silent.ok());
  EXPECT_NE(silent.error().message().find("nothing arrived for 300 ms"), std::string::npos) << silent.error().message();
}

TEST(ClientTimeout, AWatchThatNeverAnswersFailsToOpenAfterTheTimeout) {
  StalledController c;
  auto reader = within30s(c, [&] { return WatchReader::open(c.endpoint(300ms), "/v1/watch?from=1"); });
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.error().message().find("watch failed: no answer within 300 ms"), std::string::npos)
      << reader.error().message();
}

// An agent whose controller stalls reports why it is disconnected and still
// stops: hnvgwd and hnv-hostd shut down with a controller that hangs.
TEST(ClientTimeout, AnAgentSessionWithAStalledControllerReportsItAndStops) {
  StalledController c;
  std::mutex m;
  std::vector<std::string> reasons;
  AgentCallbacks cb;
  cb.onConnection = [&](bool up, const std::string& why) {
    std::lock_guard l(m);
    if (!up) reasons.push_back(why);
  };
  auto session = std::make_unique<AgentSession>(c.endpoint(300ms), "host1", cb);
  session->start();
  session->reportApplied(7, "ok");  // the report thread has a request in flight too
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::lock_guard l(m);
    if (!reasons.empty()) break;
    std::this_thread::sleep_for(10ms);
  }
  {
    std::lock_guard l(m);
    ASSERT_FALSE(reasons.empty()) << "no disconnection was reported in 20 s";
    EXPECT_NE(reasons.front().find("no answer within 300 ms"), std::string::npos) << reasons.front();
  }
  within30s(c, [&] {
    session->stop();
    return 0;
  });
}

}  // namespace
}  // namespace hnv::policy::test
