#include "hnv/service/watchdog.h"

#include <systemd/sd-daemon.h>

namespace hnv::service {

namespace {
// The status line READY set, put back when a problem is over.
std::string& readyStatus() {
  static std::string status;
  return status;
}
}  // namespace

void notifyReady(std::string_view status) {
  readyStatus() = std::string(status);
  const std::string text = "READY=1\nSTATUS=" + std::string(status);
  sd_notify(0, text.c_str());
}

void notifyStopping() { sd_notify(0, "STOPPING=1"); }

Watchdog::Watchdog(boost::asio::io_context& io, Probe probe, Logger log)
    : timer_(io), probe_(std::move(probe)), log_(std::move(log)) {}

Watchdog::~Watchdog() { stop(); }

std::chrono::microseconds Watchdog::start() {
  std::uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is ours).
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::chrono::microseconds(0);
  period_ = std::chrono::microseconds(usec / 2);
  log_.info("systemd watchdog armed", {{"timeout_ms", std::to_string(usec / 1000)}});
  check();
  return std::chrono::microseconds(usec);
}

void Watchdog::stop() {
  period_ = std::chrono::microseconds(0);
  timer_.cancel();
}

void Watchdog::arm() {
  timer_.expires_after(period_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && period_.count() > 0) check();
  });
}

void Watchdog::check() {
  std::string problem = probe_ ? probe_() : std::string();
  if (problem.empty()) {
    sd_notify(0, "WATCHDOG=1");
    ++pets_;
    if (!problem_.empty()) {
      log_.notice("healthy again; systemd watchdog petted");
      const std::string status = "STATUS=" + readyStatus();
      sd_notify(0, status.c_str());
    }
  } else {
    ++withheld_;
    if (problem != problem_) {
      // Said once per problem (probes word a lasting problem the same way):
      // systemd restarts us when the timeout passes.
      log_.error("unhealthy; systemd watchdog not petted", {{"why", problem}});
      const std::string status = "STATUS=unhealthy: " + problem;
      sd_notify(0, status.c_str());
    }
  }
  problem_ = std::move(problem);
  arm();
}

}  // namespace hnv::service
