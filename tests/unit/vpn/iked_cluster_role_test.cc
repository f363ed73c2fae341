// hnv-iked's cluster role control without charon: the commands it writes
// to a real FIFO (read back the way strongSwan's ha plugin reads them: open,
// read at most 7 bytes, close, again; each command padded to 7 bytes) and
// the initiations and closings it asks for.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
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

// The ha plugin's side of the FIFO.
class FifoReader {
 public:
  FifoReader() {
    char dir[] = "/tmp/hnv-role-XXXXXX";
    dir_ = ::mkdtemp(dir);
    path_ = dir_ + "/charon.ha";
    EXPECT_EQ(::mkfifo(path_.c_str(), 0600), 0);
    thread_ = std::thread([this] {
      for (;;) {
        const int fd = ::open(path_.c_str(), O_RDONLY);
        if (fd < 0) return;
        char buf[8] = {0};
        const ssize_t n = ::read(fd, buf, sizeof buf - 1);
        ::close(fd);
        if (n <= 0) continue;
        const std::string cmd(buf, static_cast<std::size_t>(n));
        if (cmd == "stop") return;
        std::lock_guard lk(mu_);
        commands_.push_back(cmd);
      }
    });
  }
  ~FifoReader() {
    const int fd = ::open(path_.c_str(), O_WRONLY);
    if (fd >= 0) {
      (void)!::write(fd, "stop", 4);
      ::close(fd);
    }
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
  std::string dir_, path_;
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
