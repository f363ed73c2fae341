#include "hnv/service/accept_retry.h"

#include "hnv/base/log.h"

namespace hnv::service {

namespace asio = boost::asio;

namespace {
const Logger kLog("listener");
}  // namespace

AcceptRetry::AcceptRetry(asio::io_context& io, std::string listener, std::chrono::milliseconds pause)
    : timer_(io), listener_(std::move(listener)), pause_(pause) {}

bool AcceptRetry::failed(const boost::system::error_code& ec, std::function<void()> again) {
  if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) return false;
  ++failures_;
  // A connection reset before it was taken: that client is gone, the next
  // one is not affected (asio normally retries these itself). Through the
  // timer all the same, so that cancel() stops it.
  const bool reset = ec == asio::error::connection_aborted;
  if (!reset && !logged_) {
    kLog.warn("cannot accept a connection: retrying", {{"listener", listener_},
                                                        {"error", ec.message()},
                                                        {"retry_ms", std::to_string(pause_.count())}});
    logged_ = true;
  }
  timer_.expires_after(reset ? std::chrono::milliseconds(0) : pause_);
  timer_.async_wait([again = std::move(again)](const boost::system::error_code& tec) {
    if (!tec) again();
  });
  return true;
}

}  // namespace hnv::service
