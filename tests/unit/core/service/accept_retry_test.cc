// A listener that cannot accept (out of descriptors) keeps listening and
// serves again once descriptors are free; a closed one stops.
#include "hnv/service/accept_retry.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hnv/service/metrics_server.h"

namespace hnv::service {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST(AcceptRetry, ClosedStopsResetConnectionRetriesAtOnceExhaustionAfterThePause) {
  asio::io_context io;
  AcceptRetry retry(io, "test", 50ms);
  int calls = 0;
  EXPECT_FALSE(retry.failed(asio::error::operation_aborted, [&] { ++calls; }));
  io.run();
  io.restart();
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(retry.failures(), 0u);

  EXPECT_TRUE(retry.failed(asio::error::connection_aborted, [&] { ++calls; }));
  io.poll();  // ready at once
  io.restart();
  EXPECT_EQ(calls, 1);

  EXPECT_TRUE(retry.failed(asio::error::no_descriptors, [&] { ++calls; }));
  io.poll();  // not before the pause
  io.restart();
  EXPECT_EQ(calls, 1);
  io.run();  // the timer
  io.restart();
  EXPECT_EQ(calls, 2);

  // A retry cancelled by the owner closing never runs.
  EXPECT_TRUE(retry.failed(asio::error::no_descriptors, [&] { ++calls; }));
  retry.cancel();
  io.run();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(retry.failures(), 3u);
}

// Real descriptors: the process's limit is lowered and used up, so that the
// metrics server's accept fails with EMFILE while a client waits.
TEST(AcceptRetry, AMetricsServerOutOfDescriptorsServesTheWaitingClientOnceSomeAreFree) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  MetricsServer server(io, MetricsEndpoint{"127.0.0.1", 0}, [] { return std::string("hnv_up 1\n"); });
  ASSERT_TRUE(server.listen());
  std::thread thread([&] { io.run(); });
  auto failures = [&] {
    std::promise<std::uint64_t> p;
    asio::post(io, [&] { p.set_value(server.acceptFailures()); });
    return p.get_future().get();
  };

  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(client, 0);
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
  rlimit low = old;
  low.rlim_cur = std::min<rlim_t>(old.rlim_cur, 512);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> filler;
  for (;;) {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) break;
    filler.push_back(fd);
  }
  ASSERT_EQ(errno, EMFILE);

  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(server.port());
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  const std::string req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(client, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  for (int i = 0; i < 500 && failures() < 2; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_GE(failures(), 2u) << "the accept should have failed (EMFILE) and been retried";

  for (int fd : filler) ::close(fd);
  ::setrlimit(RLIMIT_NOFILE, &old);
  std::string reply;
  pollfd p{client, POLLIN, 0};
  while (::poll(&p, 1, 10000) > 0) {
    char buf[1024];
    ssize_t n = ::read(client, buf, sizeof buf);
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
  }
  ::close(client);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << "the waiting client got: '" << reply << "'";
  EXPECT_NE(reply.find("hnv_up 1"), std::string::npos);

  asio::post(io, [&] { server.close(); });
  work.reset();
  thread.join();
}

}  // namespace
}  // namespace hnv::service
