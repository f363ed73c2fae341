#include "hnv/base/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <future>
#include <string>

namespace hnv {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST(LoggerFormat, JournalLineHasPriorityPrefix) {
  EXPECT_EQ(Logger::format(LogLevel::Info, "comp", "msg", {{"k", "v"}}, true), "<6>comp: msg k=v\n");
  EXPECT_EQ(Logger::format(LogLevel::Error, "dp", "port down", {}, true), "<3>dp: port down\n");
  EXPECT_EQ(Logger::format(LogLevel::Warning, "a", "b", {}, true), "<4>a: b\n");
  EXPECT_EQ(Logger::format(LogLevel::Notice, "a", "b", {}, true), "<5>a: b\n");
  EXPECT_EQ(Logger::format(LogLevel::Debug, "a", "b", {}, true), "<7>a: b\n");
  EXPECT_EQ(Logger::format(LogLevel::Info, "gw", "up", {{"port", "ul0"}, {"mtu", "1500"}}, true),
            "<6>gw: up port=ul0 mtu=1500\n");
}

TEST(LoggerFormat, QuotesValuesThatNeedIt) {
  auto f = [](std::string v) { return Logger::format(LogLevel::Info, "c", "m", {{"k", std::move(v)}}, true); };
  EXPECT_EQ(f("plain-value_1.2"), "<6>c: m k=plain-value_1.2\n");
  EXPECT_EQ(f("two words"), "<6>c: m k=\"two words\"\n");
  EXPECT_EQ(f(""), "<6>c: m k=\"\"\n");
  EXPECT_EQ(f("say \"hi\""), "<6>c: m k=\"say \\\"hi\\\"\"\n");
  EXPECT_EQ(f("a=b"), "<6>c: m k=\"a=b\"\n");
  EXPECT_EQ(f("C:\\dir"), "<6>c: m k=\"C:\\\\dir\"\n");
  // A newline never splits the line.
  EXPECT_EQ(f("line1\nline2"), "<6>c: m k=\"line1\\nline2\"\n");
  // Other control characters are replaced.
  EXPECT_EQ(f("a\tb\x01"), "<6>c: m k=\"a?b?\"\n");
  // Bytes above 0x7f (UTF-8) pass through unquoted.
  EXPECT_EQ(f("caf\xc3\xa9"), "<6>c: m k=caf\xc3\xa9\n");
}

TEST(LoggerFormat, PlainLineStartsWithUtcTimestampAndLevel) {
  std::string line = Logger::format(LogLevel::Warning, "cfg", "odd", {{"k", "v"}}, false);
  EXPECT_THAT(line, MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z WARN cfg: odd k=v\n"))
      << line;
  EXPECT_THAT(Logger::format(LogLevel::Error, "c", "m", {}, false), EndsWith("Z ERROR c: m\n"));
  EXPECT_THAT(Logger::format(LogLevel::Notice, "c", "m", {}, false), EndsWith("Z NOTICE c: m\n"));
  EXPECT_THAT(Logger::format(LogLevel::Info, "c", "m", {}, false), EndsWith("Z INFO c: m\n"));
  EXPECT_THAT(Logger::format(LogLevel::Debug, "c", "m", {}, false), EndsWith("Z DEBUG c: m\n"));
}

TEST(Logger, ParseLevel) {
  struct Case {
    const char* text;
    LogLevel level;
  };
  for (auto c : {Case{"error", LogLevel::Error}, Case{"warning", LogLevel::Warning}, Case{"warn", LogLevel::Warning},
                 Case{"notice", LogLevel::Notice}, Case{"info", LogLevel::Info}, Case{"debug", LogLevel::Debug}}) {
    LogLevel out = c.level == LogLevel::Debug ? LogLevel::Error : LogLevel::Debug;
    ASSERT_TRUE(Logger::parseLevel(c.text, out)) << c.text;
    EXPECT_EQ(out, c.level) << c.text;
  }
  for (const char* bad : {"", "loud", "INFO", "Info", "info ", "3", "err"}) {
    LogLevel out = LogLevel::Notice;
    EXPECT_FALSE(Logger::parseLevel(bad, out)) << bad;
    EXPECT_EQ(out, LogLevel::Notice) << "unchanged on failure: " << bad;
  }
}

TEST(Logger, ThresholdDropsMoreVerboseMessages) {
  LogLevel saved = Logger::level();
  Logger log("unit");
  Logger::setLevel(LogLevel::Warning);
  EXPECT_EQ(Logger::level(), LogLevel::Warning);

  ::testing::internal::CaptureStderr();
  log.info("dropped-info");
  log.debug("dropped-debug");
  log.warn("kept-warning", {{"k", "v"}});
  log.error("kept-error");
  std::string out = ::testing::internal::GetCapturedStderr();
  Logger::setLevel(saved);

  EXPECT_THAT(out, HasSubstr("unit: kept-warning k=v\n"));
  EXPECT_THAT(out, HasSubstr("unit: kept-error\n"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("dropped")));
}

// The journald native protocol: one field per line, the message as the
// stderr line without timestamp, each key=value as its own HNV_ field.
TEST(Logger, JournalRecordCarriesEveryFieldStructured) {
  const std::string r = Logger::journalRecord(LogLevel::Warning, "hnvgwd", "nat",
                                              "quota reached", {{"tenant", "5001"}, {"src-port", "40000"}});
  EXPECT_EQ(r,
            "MESSAGE=nat: quota reached tenant=5001 src-port=40000\n"
            "PRIORITY=4\n"
            "SYSLOG_IDENTIFIER=hnvgwd\n"
            "HNV_COMPONENT=nat\n"
            "HNV_TENANT=5001\n"
            "HNV_SRC_PORT=40000\n");
}

TEST(Logger, JournalValueWithANewlineUsesTheBinaryForm) {
  const std::string r = Logger::journalRecord(LogLevel::Error, "x", "c", "m", {{"why", "a\nb"}});
  const std::string binary = std::string("HNV_WHY\n") + std::string("\x03\0\0\0\0\0\0\0", 8) + "a\nb\n";
  EXPECT_NE(r.find(binary), std::string::npos);
  EXPECT_NE(r.find("MESSAGE=c: m why=\"a\\nb\"\n"), std::string::npos) << r;  // the message keeps it escaped
}

// A bound datagram socket in a new directory, standing in for journald's.
struct FakeJournal {
  FakeJournal() {
    char tmpl[] = "/tmp/hnv-journal-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) dir = tmpl;
    path = dir + "/socket";
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    bound = !dir.empty() && fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  // Closes and removes the socket (journald gone).
  void remove() {
    if (fd >= 0) ::close(fd);
    fd = -1;
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
  }
  ~FakeJournal() { remove(); }
  std::string dir, path;
  int fd = -1;
  bool bound = false;
};

// A real datagram socket in place of journald's: what log() sends arrives
// whole, and nothing goes to stderr; without the socket, stderr again.
TEST(Logger, EventsGoToTheJournalSocketAsOneDatagramEach) {
  FakeJournal journal;
  ASSERT_TRUE(journal.bound);
  Logger::setJournalSocket(journal.path);
  ::testing::internal::CaptureStderr();
  Logger("unit").error("to the journal", {{"k", "v"}});
  const std::string err = ::testing::internal::GetCapturedStderr();
  char buf[4096];
  const ssize_t n = ::recv(journal.fd, buf, sizeof buf, MSG_DONTWAIT);
  journal.remove();

  ::testing::internal::CaptureStderr();
  Logger("unit").error("journal gone");  // the socket no longer exists: stderr
  const std::string fallback = ::testing::internal::GetCapturedStderr();
  Logger::setJournalSocket("");

  ASSERT_GT(n, 0);
  const std::string got(buf, static_cast<std::size_t>(n));
  EXPECT_THAT(got, HasSubstr("MESSAGE=unit: to the journal k=v\n"));
  EXPECT_THAT(got, HasSubstr("PRIORITY=3\n"));
  EXPECT_THAT(got, HasSubstr("HNV_K=v\n"));
  EXPECT_EQ(err, "");
  EXPECT_THAT(fallback, HasSubstr("unit: journal gone\n"));
}

// journald that does not read (slow or stopped): its queue fills and the
// events that do not fit go to stderr at once; no thread waits and no event
// is lost.
TEST(Logger, AJournalThatDoesNotReadNeverStallsTheLoggerAndNothingIsLost) {
  FakeJournal journal;
  ASSERT_TRUE(journal.bound);
  Logger::setJournalSocket(journal.path);

  constexpr int kEvents = 200;  // far more than the queue of a datagram socket (10 by default)
  ::testing::internal::CaptureStderr();
  auto logging = std::async(std::launch::async, [] {
    for (int i = 0; i < kEvents; ++i) Logger("unit").warn("event", {{"i", std::to_string(i)}});
  });
  const bool finished = logging.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  int datagrams = 0;
  char buf[4096];
  // Drain: frees a logger that is stuck (without the fix) so the test ends.
  for (;;) {
    ssize_t n = ::recv(journal.fd, buf, sizeof buf, finished ? MSG_DONTWAIT : 0);
    if (n <= 0) break;
    ++datagrams;
    if (!finished && logging.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) break;
  }
  logging.get();
  const std::string err = ::testing::internal::GetCapturedStderr();
  Logger::setJournalSocket("");
  journal.remove();

  ASSERT_TRUE(finished) << "logging waited for the journal for 30 s";
  int lines = 0;
  for (std::size_t at = 0; (at = err.find("unit: event", at)) != std::string::npos; ++at) ++lines;
  EXPECT_GT(datagrams, 0);
  EXPECT_GT(lines, 0);
  EXPECT_EQ(datagrams + lines, kEvents) << datagrams << " to the journal, " << lines << " to stderr";
}

}  // namespace
}  // namespace hnv
