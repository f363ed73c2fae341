// Structured logging. One line per event: a message plus key=value fields.
//
// Under systemd (JOURNAL_STREAM set) each event goes to journald over its
// native protocol (/run/systemd/journal/socket) as a structured entry:
// MESSAGE (the line as below, without timestamp), PRIORITY,
// SYSLOG_IDENTIFIER (the program), HNV_COMPONENT, and one HNV_<KEY> field
// per key=value (key upper-cased, other characters than A-Z, 0-9 and '_'
// made '_'), so `journalctl -u hnvgwd HNV_TENANT=...` selects. When that
// socket cannot be reached the line goes to stderr with the "<N>" syslog
// priority prefix journald understands. Elsewhere lines go to stderr,
// starting with an ISO-8601 UTC timestamp and the level name.
//
// Thread: any thread may log; each event is one write(2) or one datagram.
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
  // One journald native-protocol datagram for the event.
  static std::string journalRecord(LogLevel level, std::string_view identifier, std::string_view component,
                                   std::string_view message, std::initializer_list<LogField> fields);
  // Where journal entries go: journald's socket (the default under
  // systemd), another datagram socket (tests), or "" for stderr lines.
  static void setJournalSocket(std::string path);

 private:
  std::string component_;
};

}  // namespace hnv
