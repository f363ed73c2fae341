// The systemd watchdog against a real notification socket (the datagram
// protocol systemd itself listens with): pets while the probe is healthy,
// none while it names a problem, and nothing at all unless asked.
#include "hnv/service/watchdog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace hnv::service {
namespace {

using ::testing::HasSubstr;

// A bound AF_UNIX datagram socket named by NOTIFY_SOCKET while it lives.
class NotifySocket {
 public:
  NotifySocket() {
    char dir[] = "/tmp/hnv-notify-XXXXXX";
    if (::mkdtemp(dir) == nullptr) return;
    dir_ = dir;
    path_ = dir_ + "/notify";
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  bool ok() const { return fd_ >= 0 && std::getenv("NOTIFY_SOCKET") != nullptr; }
  // Every datagram received so far.
  std::vector<std::string> drain() {
    std::vector<std::string> out;
    char buf[1024];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0) break;
      out.emplace_back(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  std::string dir_, path_;
  int fd_ = -1;
};

long count(const std::vector<std::string>& v, const std::string& what) {
  long n = 0;
  for (const auto& s : v) n += s == what ? 1 : 0;
  return n;
}

TEST(Watchdog, PetsOnlyWhileTheProbeSaysHealthy) {
  NotifySocket sock;
  ASSERT_TRUE(sock.ok());
  ::setenv("WATCHDOG_USEC", "100000", 1);  // 100 ms: a pet every 50 ms
  notifyReady("serving");
  ASSERT_EQ(sock.drain(), std::vector<std::string>{"READY=1\nSTATUS=serving"});
  boost::asio::io_context io;
  std::string problem;
  Watchdog dog(io, [&] { return problem; }, Logger("test"));
  EXPECT_EQ(dog.start(), std::chrono::microseconds(100000));

  io.run_for(std::chrono::milliseconds(300));
  const auto healthy = sock.drain();
  EXPECT_GE(count(healthy, "WATCHDOG=1"), 2);
  EXPECT_EQ(static_cast<std::size_t>(count(healthy, "WATCHDOG=1")), healthy.size());

  problem = "data-plane worker 0 has not walked its graph for 2000 ms";
  io.restart();
  io.run_for(std::chrono::milliseconds(300));
  const auto sick = sock.drain();
  EXPECT_EQ(count(sick, "WATCHDOG=1"), 0);
  ASSERT_EQ(sick.size(), 1u) << "the problem is told once, as STATUS";
  EXPECT_EQ(sick[0], "STATUS=unhealthy: " + problem);
  EXPECT_GE(dog.withheld(), 2u);
  EXPECT_EQ(dog.problem(), problem);

  problem.clear();
  io.restart();
  io.run_for(std::chrono::milliseconds(200));
  const auto healed = sock.drain();
  EXPECT_GE(count(healed, "WATCHDOG=1"), 1);
  EXPECT_EQ(count(healed, "STATUS=serving"), 1) << "the status READY set is back";
  dog.stop();
}

TEST(Watchdog, SendsNothingUnlessTheServiceManagerAskedForIt) {
  NotifySocket sock;
  ASSERT_TRUE(sock.ok());
  boost::asio::io_context io;
  Watchdog dog(io, [] { return std::string(); }, Logger("test"));
  EXPECT_EQ(dog.start(), std::chrono::microseconds(0));
  io.run_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(sock.drain().empty());

  // Asked for another process (WATCHDOG_PID not ours): not armed either.
  ::setenv("WATCHDOG_USEC", "100000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  Watchdog other(io, [] { return std::string(); }, Logger("test"));
  EXPECT_EQ(other.start(), std::chrono::microseconds(0));
  io.restart();
  io.run_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(sock.drain().empty());
}

TEST(Watchdog, ReadyAndStoppingAreSentAsSystemdExpectsThem) {
  NotifySocket sock;
  ASSERT_TRUE(sock.ok());
  notifyReady("serving on /run/hnv/hnvgwd.sock");
  notifyStopping();
  const auto got = sock.drain();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "READY=1\nSTATUS=serving on /run/hnv/hnvgwd.sock");
  EXPECT_EQ(got[1], "STOPPING=1");
}

}  // namespace
}  // namespace hnv::service
