// hnv-iked's cluster role control without charon: the commands it writes
// to a real FIFO (read back the way strongSwan's ha plugin reads them: open,
// read at most 7 bytes, close, again; each command padded to 7 bytes) and
// the initiations and closings it asks for.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hnv/iked/cluster_role.h"

namespace hnv::iked {
namespace {

using namespace std::chrono_literals;

// The ha plugin's side of the FIFO. Opened without blocking and polled, so
// that stopping never depends on a last write arriving: a "stop" written
// while the reader was between a read and its close would be dropped with
// the pipe, and a reader blocked in open() for the next writer would never
// return.
class FifoReader {
 public:
  FifoReader() {
    char dir[] = "/tmp/hnv-role-XXXXXX";
    dir_ = ::mkdtemp(dir);
    path_ = dir_ + "/charon.ha";
    EXPECT_EQ(::mkfifo(path_.c_str(), 0600), 0);
    thread_ = std::thread([this] {
      while (!stop_) {
        const int fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) return;
        readOne(fd);
        ::close(fd);
      }
    });
  }
  ~FifoReader() {
    stop_ = true;
    thread_.join();
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  const std::string& path() const { return path_; }
  std::vector<std::string> commands() {
    std::lock_guard lk(mu_);
    return commands_;
  }

 private:
  // One command (or the end of the writers) from an open FIFO, until stopped.
  void readOne(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      char buf[8] = {0};
      const ssize_t n = ::read(fd, buf, sizeof buf - 1);
      if (n < 0 && errno == EAGAIN) continue;
      if (n <= 0) return;
      std::lock_guard lk(mu_);
      commands_.emplace_back(buf, static_cast<std::size_t>(n));
      return;
    }
  }

  std::string dir_, path_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> commands_;
};

struct Calls {
  std::mutex mu;
  std::map<std::string, int> initiated;
  int closed = 0;
  int forgot = 0;
  ClusterRoleControl::Actions actions() {
    return {[this](const std::string& name) {
              std::lock_guard lk(mu);
              ++initiated[name];
              return 1;
            },
            [this] {
              std::lock_guard lk(mu);
              ++closed;
              return 2;
            },
            [this] {
              std::lock_guard lk(mu);
              ++forgot;
              return 3;
            }};
  }
  int forgettings() {
    std::lock_guard lk(mu);
    return forgot;
  }
  int initiations(const std::string& name) {
    std::lock_guard lk(mu);
    return initiated[name];
  }
  int closings() {
    std::lock_guard lk(mu);
    return closed;
  }
};

template <class F>
bool eventually(F f) {
  for (int i = 0; i < 400; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

TEST(IkedClusterRole, WithAnIkeStateSyncTheSegmentFollowsTheRoleAndOnlyTheActiveInitiates) {
  FifoReader fifo;
  Calls calls;
  ClusterRoleControl role(fifo.path(), calls.actions(), 20ms);
  role.start();
  std::this_thread::sleep_for(60ms);
  EXPECT_TRUE(fifo.commands().empty()) << "no role given: this hnv-iked serves no cluster member";

  role.set({false, {}});
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(fifo.commands().empty()) << "a member that never was active gives up no segment";
  // A standby about to ask for a resync drops its passive copies first.
  role.forgetPassive();
  ASSERT_TRUE(eventually([&] { return calls.forgettings() == 1; }));

  role.set({true, {"100_site-a", "200_site-b"}});
  ASSERT_TRUE(eventually([&] { return fifo.commands().size() == 1; }));
  EXPECT_EQ(fifo.commands()[0], "+1\n    ");
  // Initiated at once, then again at each recheck (an IKE SA that failed or was closed).
  ASSERT_TRUE(eventually([&] { return calls.initiations("100_site-a") >= 3; }));
  EXPECT_GE(calls.initiations("200_site-b"), 3);
  // The standby lacks IKE state: the active sends it again.
  role.resyncPeer();
  ASSERT_TRUE(eventually([&] { return fifo.commands().size() == 2; }));
  EXPECT_EQ(fifo.commands()[1], "*1\n    ");
  role.forgetPassive();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.forgettings(), 1) << "the active's SAs are its own, never forgotten";

  role.set({false, {}});
  ASSERT_TRUE(eventually([&] { return fifo.commands().size() == 3; }));
  EXPECT_EQ(fifo.commands()[2], "-1\n    ");
  const int before = calls.initiations("100_site-a");
  role.resyncPeer();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.initiations("100_site-a"), before) << "a standby initiates nothing";
  EXPECT_EQ(fifo.commands().size(), 3u) << "nor resyncs: the active has the state";

  // Active again, then hnvgwd goes away: not active any more.
  role.set({true, {"100_site-a"}});
  ASSERT_TRUE(eventually([&] { return fifo.commands().size() == 4; }));
  // A reconnect within the grace is no loss: nothing written.
  role.dataplaneLost();
  std::this_thread::sleep_for(100ms);
  role.set({true, {"100_site-a"}});
  std::this_thread::sleep_for(ClusterRoleControl::kLossGrace + 200ms);
  EXPECT_EQ(fifo.commands().size(), 4u);
  role.dataplaneLost();
  ASSERT_TRUE(eventually([&] { return fifo.commands().size() == 5; }));
  EXPECT_EQ(fifo.commands()[4], "-1\n    ");
  EXPECT_EQ(calls.closings(), 0) << "with the sync the IKE SAs stay, passive";
  role.stop();
}

TEST(IkedClusterRole, WithoutOneAMemberThatStopsBeingActiveClosesItsIkeSas) {
  Calls calls;
  ClusterRoleControl role("", calls.actions(), 20ms);
  role.start();
  role.set({false, {}});
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(calls.closings(), 0) << "never active: nothing of its own to close";
  role.set({true, {"100_site-a"}});
  ASSERT_TRUE(eventually([&] { return calls.initiations("100_site-a") >= 1; }));
  role.set({false, {}});
  ASSERT_TRUE(eventually([&] { return calls.closings() == 1; }));
  role.set({false, {}});
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(calls.closings(), 1) << "once per step down";
  const int before = calls.initiations("100_site-a");
  role.set({true, {"100_site-a"}});
  ASSERT_TRUE(eventually([&] { return calls.initiations("100_site-a") > before; }));
  role.dataplaneLost();
  ASSERT_TRUE(eventually([&] { return calls.closings() == 2; }));
  role.stop();
}

}  // namespace
}  // namespace hnv::iked
