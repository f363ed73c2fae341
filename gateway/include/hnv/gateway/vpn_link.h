// hnvgwd's end of the IKE socket: listens on a Unix socket (mode 0600) for
// hnv-iked, one client at a time (a new one replaces the old), and carries
// one JSON message per line each way (hnv/ike_ipc/messages.h). Messages to
// send while no hnv-iked is connected are dropped (the state it needs is
// sent again at its hello: see onConnect).
//
// Thread: control (the io_context's).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/streambuf.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "hnv/base/result.h"
#include "hnv/ike_ipc/messages.h"

namespace hnv::service {
class AcceptRetry;
}

namespace hnv::gateway {

class VpnLink {
 public:
  using Handler = std::function<void(const ikeipc::Message&)>;
  VpnLink(boost::asio::io_context& io, std::string path, Handler onMessage, std::function<void()> onConnect);
  ~VpnLink();
  Status listen();
  void send(const ikeipc::Message& m);
  bool connected() const { return socket_ != nullptr; }
  void close();

 private:
  void accept();
  void read();
  void write();
  void drop(const std::string& why);
  boost::asio::io_context& io_;
  std::string path_;
  Handler onMessage_;
  std::function<void()> onConnect_;
  std::unique_ptr<boost::asio::local::stream_protocol::acceptor> acceptor_;
  std::unique_ptr<service::AcceptRetry> retry_;
  std::shared_ptr<boost::asio::local::stream_protocol::socket> socket_;
  boost::asio::streambuf in_{1u << 20};  // a line longer than 1 MiB drops the connection
  std::deque<std::string> out_;
  bool writing_ = false;
};

}  // namespace hnv::gateway
