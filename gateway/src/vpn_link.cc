#include "hnv/gateway/vpn_link.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <istream>

#include "hnv/base/log.h"
#include "hnv/service/accept_retry.h"

namespace hnv::gateway {
namespace {

const Logger kLog("vpn");
namespace asio = boost::asio;
using Local = asio::local::stream_protocol;

}  // namespace

VpnLink::VpnLink(asio::io_context& io, std::string path, Handler onMessage, std::function<void()> onConnect)
    : io_(io),
      path_(std::move(path)),
      onMessage_(std::move(onMessage)),
      onConnect_(std::move(onConnect)),
      retry_(std::make_unique<service::AcceptRetry>(io, "hnv-iked link " + path_)) {}

VpnLink::~VpnLink() { close(); }

Status VpnLink::listen() {
  ::unlink(path_.c_str());
  boost::system::error_code ec;
  acceptor_ = std::make_unique<Local::acceptor>(io_);
  acceptor_->open(Local(), ec);
  if (!ec) acceptor_->bind(Local::endpoint(path_), ec);
  if (!ec) acceptor_->listen(4, ec);
  if (ec) return makeError(Errc::Unavailable, "vpn.ike_socket", path_, ec.message());
  ::chmod(path_.c_str(), 0600);  // keys cross it
  accept();
  return okStatus();
}

void VpnLink::accept() {
  auto s = std::make_shared<Local::socket>(io_);
  acceptor_->async_accept(*s, [this, s](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;  // closed: `this` may be gone
    if (ec) {
      retry_->failed(ec, [this] {
        if (acceptor_) accept();
      });
      return;
    }
    retry_->accepted();
    if (socket_) drop("replaced by a new connection");
    socket_ = s;
    in_.consume(in_.size());
    out_.clear();
    writing_ = false;
    kLog.info("hnv-iked connected", {{"socket", path_}});
    if (onConnect_) onConnect_();
    read();
    accept();
  });
}

void VpnLink::read() {
  auto s = socket_;
  asio::async_read_until(*s, in_, '\n', [this, s](const boost::system::error_code& ec, std::size_t) {
    if (s != socket_) return;
    if (ec) return drop(ec == asio::error::eof ? "closed" : ec.message());
    std::istream is(&in_);
    std::string line;
    std::getline(is, line);
    if (!line.empty()) {
      auto m = ikeipc::decode(line);
      if (m) {
        onMessage_(*m);
      } else {
        kLog.warn("ignoring a message from hnv-iked", {{"why", m.error().message()}});
      }
    }
    if (socket_ == s) read();
  });
}

void VpnLink::send(const ikeipc::Message& m) {
  if (!socket_) return;
  out_.push_back(ikeipc::encode(m) + "\n");
  if (!writing_) write();
}

void VpnLink::write() {
  if (out_.empty() || !socket_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  auto s = socket_;
  asio::async_write(*s, asio::buffer(out_.front()), [this, s](const boost::system::error_code& ec, std::size_t) {
    if (s != socket_) return;
    if (ec) return drop(ec.message());
    out_.pop_front();
    write();
  });
}

void VpnLink::drop(const std::string& why) {
  if (!socket_) return;
  kLog.warn("hnv-iked disconnected", {{"why", why}});
  boost::system::error_code ignored;
  socket_->close(ignored);
  socket_.reset();
  out_.clear();
  writing_ = false;
}

void VpnLink::close() {
  retry_->cancel();
  if (acceptor_) {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    acceptor_.reset();
    ::unlink(path_.c_str());
  }
  drop("closing");
}

}  // namespace hnv::gateway
