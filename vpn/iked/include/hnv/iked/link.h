// hnv-iked's connection to hnvgwd: a Unix stream socket carrying one JSON
// message per line (hnv/ike_ipc/messages.h). Connects, says hello, and
// reconnects every second after a loss; a reader thread hands every message
// received to the handler. Without a path (standalone: a test or a trial
// run) nothing is sent and send() reports success.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "hnv/ike_ipc/messages.h"

namespace hnv::iked {

class Link {
 public:
  using Handler = std::function<void(const ikeipc::Message&)>;
  Link(std::string path, Handler onMessage) : path_(std::move(path)), onMessage_(std::move(onMessage)) {}
  // Called on the reader thread after each connection's hello (before any
  // message is read): the place to send the state the other side needs.
  void onConnect(std::function<void()> f) { onConnect_ = std::move(f); }
  // Called on the reader thread when a connection is lost.
  void onDisconnect(std::function<void()> f) { onDisconnect_ = std::move(f); }
  // What the hello says of the IKE state sync (ikeipc::Hello::ha); before start().
  void helloHa(std::string ha) { helloHa_ = std::move(ha); }
  ~Link() { stop(); }
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  void start();
  void stop();
  // False when there is a data plane to talk to and it is not connected (or
  // the write failed): the caller must not believe it was delivered.
  bool send(const ikeipc::Message& m);
  bool standalone() const { return path_.empty(); }
  bool connected() const { return fd_.load() >= 0; }

 private:
  void run();
  void closeFd();
  std::string path_;
  Handler onMessage_;
  std::function<void()> onConnect_;
  std::function<void()> onDisconnect_;
  std::string helloHa_;
  std::atomic<int> fd_{-1};
  std::atomic<bool> stopping_{false};
  std::mutex writeMu_;
  std::thread thread_;
};

}  // namespace hnv::iked
