// What a daemon's listening socket does when an accept fails.
//
// An acceptor its owner closed (operation_aborted) stops. Any other failure
// keeps the listener alive: a connection reset before it was taken is
// skipped at once; running out of descriptors or memory (EMFILE, ENFILE,
// ENOBUFS, ENOMEM) is logged once per burst and accepting resumes after a
// pause, so that the listener neither stops serving for good nor spins on a
// connection it cannot take yet. MetricsServer, the controller's API,
// hnvgwd's local API, its hnv-iked link and the cluster's state sync use it.
//
// Thread: the io_context's.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace hnv::service {

class AcceptRetry {
 public:
  // listener: how logs name it ("metrics 127.0.0.1:9470").
  AcceptRetry(boost::asio::io_context& io, std::string listener,
              std::chrono::milliseconds pause = std::chrono::milliseconds(100));

  // After async_accept failed with ec: false when the acceptor was closed
  // (stop accepting); otherwise `again` runs, at once or after the pause.
  bool failed(const boost::system::error_code& ec, std::function<void()> again);
  // After an accept succeeded: the next failure is logged again.
  void accepted() { logged_ = false; }
  // The owner closes the acceptor: a pending retry never runs.
  void cancel() { timer_.cancel(); }
  // Accepts that failed, other than by the acceptor closing.
  std::uint64_t failures() const { return failures_; }

 private:
  boost::asio::steady_timer timer_;
  std::string listener_;
  std::chrono::milliseconds pause_;
  bool logged_ = false;
  std::uint64_t failures_ = 0;
};

}  // namespace hnv::service
