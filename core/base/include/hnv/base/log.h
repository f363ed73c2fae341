// Structured logging. One line per event: a message plus key=value fields.
// Under systemd (JOURNAL_STREAM set) lines carry the "<N>" syslog priority
// prefix that journald understands and no timestamp; otherwise they start with
// an ISO-8601 UTC timestamp and the level name.
//
// Thread: any thread may log; each line is written with one write(2).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace hnv {

enum class LogLevel : int { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

struct LogField {
  std::string_view key;
  std::string value;
};

class Logger {
 public:
  // component: the module or program that speaks ("dp", "hnvgwd", "config").
  explicit Logger(std::string component) : component_(std::move(component)) {}

  void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {}) const;
  void error(std::string_view m, std::initializer_list<LogField> f = {}) const { log(LogLevel::Error, m, f); }
  void warn(std::string_view m, std::initializer_list<LogField> f = {}) const { log(LogLevel::Warning, m, f); }
  void notice(std::string_view m, std::initializer_list<LogField> f = {}) const { log(LogLevel::Notice, m, f); }
  void info(std::string_view m, std::initializer_list<LogField> f = {}) const { log(LogLevel::Info, m, f); }
  void debug(std::string_view m, std::initializer_list<LogField> f = {}) const { log(LogLevel::Debug, m, f); }

  // Process-wide threshold; messages above it are dropped cheaply.
  static void setLevel(LogLevel level);
  static LogLevel level();
  static bool parseLevel(std::string_view text, LogLevel& out);

  // Formats one line without writing it (used by tests and by log()).
  static std::string format(LogLevel level, std::string_view component, std::string_view message,
                            std::initializer_list<LogField> fields, bool journal);

 private:
  std::string component_;
};

}  // namespace hnv
