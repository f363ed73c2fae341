#include "hnv/base/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

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

}  // namespace

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
  std::string line = format(level, component_, message, fields, journal);
  // One write per line keeps lines whole when threads log at once.
  ssize_t rc = ::write(STDERR_FILENO, line.data(), line.size());
  (void)rc;
}

}  // namespace hnv
