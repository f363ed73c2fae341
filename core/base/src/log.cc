#include "hnv/base/log.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

namespace hnv {
namespace {

std::atomic<int> gLevel{static_cast<int>(LogLevel::Info)};

std::string_view levelName(LogLevel l) {
  switch (l) {
    case LogLevel::Error: return "ERROR";
    case LogLevel::Warning: return "WARN";
    case LogLevel::Notice: return "NOTICE";
    case LogLevel::Info: return "INFO";
    case LogLevel::Debug: return "DEBUG";
  }
  return "INFO";
}

bool needsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

void appendValue(std::string& out, std::string_view v) {
  if (!needsQuotes(v)) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  }
  out += '"';
}

// Journal field name for a key: upper case, [A-Z0-9_] only, HNV_ prefixed.
std::string journalKey(std::string_view key) {
  std::string out = "HNV_";
  for (char c : key) {
    if (c >= 'a' && c <= 'z') out += static_cast<char>(c - 'a' + 'A');
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') out += c;
    else out += '_';
  }
  return out;
}

// KEY=value\n, or for a value with a newline the protocol's binary form:
// KEY\n, 64-bit little-endian length, value, \n.
void appendJournalField(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  if (value.find('\n') == std::string_view::npos) {
    out += '=';
    out += value;
  } else {
    out += '\n';
    std::uint64_t n = value.size();
    for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
    out += value;
  }
  out += '\n';
}

struct JournalSink {
  std::mutex mutex;
  bool configured = false;
  std::string path;
  int fd = -1;
};

JournalSink& journalSink() {
  static JournalSink sink;
  return sink;
}

void configureOnce(JournalSink& sink) {
  if (sink.configured) return;
  sink.configured = true;
  if (std::getenv("JOURNAL_STREAM") != nullptr) sink.path = "/run/systemd/journal/socket";
}

bool journalWanted() {
  auto& sink = journalSink();
  std::lock_guard lock(sink.mutex);
  configureOnce(sink);
  return !sink.path.empty();
}

// Sends one datagram to the journal socket; false when there is none or it
// failed. Never waits: with journald's queue full (it is slow or stopped)
// the caller writes the line to stderr instead of stalling every thread
// that logs.
bool sendToJournal(const std::string& record) {
  auto& sink = journalSink();
  std::lock_guard lock(sink.mutex);
  configureOnce(sink);
  if (sink.path.empty()) return false;
  if (sink.fd < 0) sink.fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sink.fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (sink.path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, sink.path.data(), sink.path.size());
  const ssize_t rc = ::sendto(sink.fd, record.data(), record.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                              reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  return rc == static_cast<ssize_t>(record.size());
}

}  // namespace

std::string Logger::journalRecord(LogLevel level, std::string_view identifier, std::string_view component,
                                  std::string_view message, std::initializer_list<LogField> fields) {
  std::string line = format(level, component, message, fields, true);
  line.pop_back();  // the newline
  std::string out;
  out.reserve(line.size() + 128);
  appendJournalField(out, "MESSAGE", std::string_view(line).substr(3));  // without "<N>"
  appendJournalField(out, "PRIORITY", std::string(1, static_cast<char>('0' + static_cast<int>(level))));
  appendJournalField(out, "SYSLOG_IDENTIFIER", identifier);
  appendJournalField(out, "HNV_COMPONENT", component);
  for (const auto& f : fields) appendJournalField(out, journalKey(f.key), f.value);
  return out;
}

void Logger::setJournalSocket(std::string path) {
  auto& sink = journalSink();
  std::lock_guard lock(sink.mutex);
  sink.configured = true;
  sink.path = std::move(path);
}

void Logger::setLevel(LogLevel level) { gLevel.store(static_cast<int>(level), std::memory_order_relaxed); }
LogLevel Logger::level() { return static_cast<LogLevel>(gLevel.load(std::memory_order_relaxed)); }

bool Logger::parseLevel(std::string_view text, LogLevel& out) {
  if (text == "error") out = LogLevel::Error;
  else if (text == "warning" || text == "warn") out = LogLevel::Warning;
  else if (text == "notice") out = LogLevel::Notice;
  else if (text == "info") out = LogLevel::Info;
  else if (text == "debug") out = LogLevel::Debug;
  else return false;
  return true;
}

std::string Logger::format(LogLevel level, std::string_view component, std::string_view message,
                           std::initializer_list<LogField> fields, bool journal) {
  std::string line;
  line.reserve(128);
  if (journal) {
    line += '<';
    line += static_cast<char>('0' + static_cast<int>(level));
    line += '>';
  } else {
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    line += buf;
    line += levelName(level);
    line += ' ';
  }
  line += component;
  line += ": ";
  line += message;
  for (const auto& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    appendValue(line, f.value);
  }
  line += '\n';
  return line;
}

void Logger::log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) const {
  if (static_cast<int>(level) > gLevel.load(std::memory_order_relaxed)) return;
  static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
  if (journalWanted() && sendToJournal(journalRecord(level, program_invocation_short_name, component_, message, fields))) return;
  std::string line = format(level, component_, message, fields, journal);
  // One write per line keeps lines whole when threads log at once.
  ssize_t rc = ::write(STDERR_FILENO, line.data(), line.size());
  (void)rc;
}

}  // namespace hnv
