// The service manager's view of a daemon (systemd, Type=notify): READY=1 when
// it serves, STOPPING=1 when it stops, and the watchdog.
//
// The watchdog pets systemd (WATCHDOG=1) every half of WatchdogSec, on the
// daemon's io_context, only while the daemon's health probe says healthy:
// for hnvgwd and hnv-hostd the probe checks that every data-plane worker
// still walks its graph (daemon::WorkerProgress), so a stuck worker, like a
// stuck control loop, ends in systemd's restart. The same probe answers the
// metrics endpoint's /health. Outside systemd (no WATCHDOG_USEC) nothing is
// sent and start() returns 0.
//
// Thread: the io_context's.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "hnv/base/log.h"

namespace hnv::service {

// sd_notify wrappers; harmless without NOTIFY_SOCKET.
void notifyReady(std::string_view status);
void notifyStopping();

class Watchdog {
 public:
  // "" when healthy, otherwise one line saying what is wrong.
  using Probe = std::function<std::string()>;

  Watchdog(boost::asio::io_context& io, Probe probe, Logger log);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Starts petting when the service manager asked for a watchdog for this
  // process; returns its timeout (zero: none asked).
  std::chrono::microseconds start();
  void stop();

  std::uint64_t pets() const { return pets_; }
  std::uint64_t withheld() const { return withheld_; }  // checks that found a problem
  const std::string& problem() const { return problem_; }

 private:
  void arm();
  void check();

  boost::asio::steady_timer timer_;
  Probe probe_;
  Logger log_;
  std::chrono::microseconds period_{0};
  std::uint64_t pets_ = 0;
  std::uint64_t withheld_ = 0;
  std::string problem_;
};

}  // namespace hnv::service
