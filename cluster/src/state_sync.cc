#include "hnv/cluster/state_sync.h"

#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "hnv/base/log.h"
#include "hnv/service/accept_retry.h"

namespace hnv::cluster {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::ip::tcp;

namespace {

const Logger kLog("cluster-sync");
constexpr auto kReconnect = std::chrono::milliseconds(200);

// What a member's hello authenticates (with the cluster's sharedSecret).
std::string helloText(const ClusterSettings& s, const std::string& member) {
  return "hnv-cluster-sync-hello " + s.cluster + " " + member;
}

std::int64_t msSince(StateSync::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(StateSync::Clock::now() - t).count();
}

}  // namespace

struct StateSync::Conn {
  explicit Conn(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  std::array<std::uint8_t, 65536> chunk{};
  std::vector<std::uint8_t> in;
  std::vector<std::uint8_t> out;      // queued
  std::vector<std::uint8_t> writing;  // under way
  bool open = true;
};

StateSync::StateSync(asio::io_context& io, SyncProvider provider, SyncConsumer consumer)
    : io_(io),
      provider_(std::move(provider)),
      consumer_(std::move(consumer)),
      retry_(std::make_unique<service::AcceptRetry>(io, "state sync")) {}

StateSync::~StateSync() {
  *alive_ = false;
  boost::system::error_code ec;
  if (acceptor_) acceptor_->close(ec);
  if (conn_) conn_->socket.close(ec);
}

void StateSync::configure(const ClusterSettings& settings) {
  const bool relisten = !settings_ || settings_->self.address != settings.self.address ||
                        settings_->syncPort != settings.syncPort;
  settings_ = settings;
  if (relisten) {
    if (conn_) drop("the cluster's addresses changed");
    listen();
  }
}

void StateSync::listen() {
  retry_->cancel();
  boost::system::error_code ec;
  if (acceptor_) acceptor_->close(ec);
  acceptor_ = std::make_unique<tcp::acceptor>(io_);
  const tcp::endpoint at(asio::ip::address_v4(settings_->self.address.host()), settings_->syncPort);
  acceptor_->open(at.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(at, ec);
  if (!ec) acceptor_->listen(4, ec);
  if (ec) {
    if (!listenFailed_) kLog.error("cannot listen for the state sync; retrying", {{"address", settings_->self.address.toString()}, {"why", ec.message()}});
    listenFailed_ = true;
    lastError_ = "listen: " + ec.message();
    acceptor_.reset();
    return;
  }
  listenFailed_ = false;
  accept();
}

void StateSync::accept() {
  auto c = std::make_shared<Conn>(io_);
  acceptor_->async_accept(c->socket, [this, c, alive = alive_](boost::system::error_code ec) {
    if (!*alive || ec == asio::error::operation_aborted) return;
    if (ec) {
      retry_->failed(ec, [this, alive, failed = acceptor_.get()] {
        // Not on a new acceptor (listen() again): that one accepts already.
        if (*alive && acceptor_ && acceptor_.get() == failed && acceptor_->is_open()) accept();
      });
      return;
    }
    retry_->accepted();
    boost::system::error_code e2;
    const auto from = c->socket.remote_endpoint(e2);
    const bool fromPeer = !e2 && settings_->peer && from.address() == asio::ip::address_v4(settings_->peer->address.host());
    if (mode_ != Role::Active || !fromPeer) {
      c->socket.close(e2);  // only the peer, and only while we are active
    } else {
      if (conn_) drop("the peer connected again");
      conn_ = c;
      serving_ = false;
      startRead(c);
    }
    if (acceptor_ && acceptor_->is_open()) accept();
  });
}

void StateSync::connect() {
  lastConnect_ = Clock::now();
  auto c = std::make_shared<Conn>(io_);
  conn_ = c;
  const tcp::endpoint to(asio::ip::address_v4(settings_->peer->address.host()), settings_->syncPort);
  // From this member's heartbeat address: the active serves only that.
  boost::system::error_code bec;
  c->socket.open(tcp::v4(), bec);
  if (!bec) c->socket.bind(tcp::endpoint(asio::ip::address_v4(settings_->self.address.host()), 0), bec);
  if (bec) {
    lastError_ = "connect: " + bec.message();
    conn_.reset();
    return;
  }
  c->socket.async_connect(to, [this, c, alive = alive_](boost::system::error_code ec) {
    if (!*alive || !c->open) return;
    if (ec) {
      lastError_ = "connect: " + ec.message();
      c->open = false;
      if (conn_ == c) conn_.reset();
      return;
    }
    c->socket.set_option(tcp::no_delay(true), ec);
    Frame hello;
    hello.type = FrameType::Hello;
    json::object o{{"v", 1}, {"cluster", settings_->cluster}, {"member", settings_->self.name}, {"epoch", epoch_}};
    if (!settings_->secret.empty()) o["auth"] = authCode(settings_->secret, helloText(*settings_, settings_->self.name));
    const std::string text = json::serialize(o);
    hello.body.assign(text.begin(), text.end());
    send(c, hello);
    startRead(c);
  });
}

void StateSync::setMode(Role role, bool peerActive, std::uint64_t epoch) {
  epoch_ = epoch;
  const bool follow = role == Role::Standby && peerActive && settings_ && settings_->peer;
  if (role != mode_ || follow != followPeer_) {
    if (conn_) drop(role == Role::Active ? "this member became active" : "the peer is no longer active");
    if (role != Role::Standby || !follow) synced_ = false;
  }
  mode_ = role;
  followPeer_ = follow;
}

void StateSync::tick() {
  if (!settings_) return;
  if (!acceptor_) listen();
  if (mode_ == Role::Standby && followPeer_ && !conn_ && Clock::now() - lastConnect_ >= kReconnect) connect();
  if (mode_ == Role::Active && conn_ && serving_) {
    const bool complete = provider_.drain([this](SyncStream s, std::span<const std::uint8_t> r) { emitRecord(s, r); });
    flushBatch();
    if (!complete) {
      kLog.warn("changes were lost (journal overflow): sending the whole state again");
      sendSnapshot();
    }
  } else if (mode_ == Role::Active) {
    // Nobody to send to: the changes are dropped (a standby starts with a snapshot).
    provider_.drain([](SyncStream, std::span<const std::uint8_t>) {});
  }
}

void StateSync::startRead(const std::shared_ptr<Conn>& c) {
  c->socket.async_read_some(asio::buffer(c->chunk), [this, c, alive = alive_](boost::system::error_code ec, std::size_t n) {
    if (!*alive || !c->open) return;
    if (ec) {
      if (conn_ == c) drop(ec == asio::error::eof ? std::string("the peer closed the connection") : ec.message());
      return;
    }
    c->in.insert(c->in.end(), c->chunk.begin(), c->chunk.begin() + static_cast<std::ptrdiff_t>(n));
    for (;;) {
      auto f = takeFrame(c->in);
      if (!f) {
        if (conn_ == c) drop(f.error().message());
        return;
      }
      if (!*f) break;
      onFrame(c, std::move(**f));
      if (!c->open) return;
    }
    startRead(c);
  });
}

void StateSync::onFrame(const std::shared_ptr<Conn>& c, Frame f) {
  if (mode_ == Role::Active) {
    if (f.type == FrameType::Hello && !serving_) {
      boost::system::error_code jec;
      auto v = json::parse(std::string_view(reinterpret_cast<const char*>(f.body.data()), f.body.size()), jec);
      const auto* o = jec ? nullptr : v.if_object();
      const auto* cl = o != nullptr ? o->if_contains("cluster") : nullptr;
      const auto* m = o != nullptr ? o->if_contains("member") : nullptr;
      if (cl == nullptr || m == nullptr || !cl->is_string() || !m->is_string() || cl->as_string() != settings_->cluster ||
          m->as_string() != settings_->peer->name) {
        return drop("a hello that is not from this cluster's peer");
      }
      if (!settings_->secret.empty()) {
        const auto* auth = o->if_contains("auth");
        if (auth == nullptr || !auth->is_string() ||
            !authCodeMatches(settings_->secret, helloText(*settings_, settings_->peer->name), auth->as_string())) {
          return drop("a hello without the cluster's authentication code");
        }
      }
      serving_ = true;
      kLog.notice("standby connected for the state sync", {{"peer", settings_->peer->name}});
      sendSnapshot();
    } else if (f.type == FrameType::Ack) {
      acked_ = std::max(acked_, f.seq);
      while (!unacked_.empty() && unacked_.front().first <= acked_) unacked_.pop_front();
    } else {
      drop("an unexpected frame from the standby");
    }
    return;
  }
  switch (f.type) {
    case FrameType::SnapshotBegin:
      synced_ = false;
      consumer_.reset();
      break;
    case FrameType::Records:
      onRecords(f);
      break;
    case FrameType::SnapshotEnd:
      synced_ = true;
      ++snapshotsReceived_;
      kLog.notice("state sync: holding the active's whole state", {{"records", std::to_string(recordsApplied_)}});
      break;
    default:
      return drop("an unexpected frame from the active");
  }
  if (f.type == FrameType::Records || f.type == FrameType::SnapshotEnd) {
    Frame ack;
    ack.type = FrameType::Ack;
    ack.seq = f.seq;
    send(c, ack);
  }
}

void StateSync::onRecords(const Frame& f) {
  const std::span<const std::uint8_t> all(f.body);
  for (std::size_t i = 0; i < f.records(); ++i) {
    auto st = consumer_.apply(f.stream, all.subspan(i * f.recordSize, f.recordSize));
    if (st) {
      ++recordsApplied_;
    } else {
      ++importErrors_;
      lastImportError_ = st.error().message();
    }
  }
}

void StateSync::emitRecord(SyncStream stream, std::span<const std::uint8_t> record) {
  if (!batch_.body.empty() && (batch_.stream != stream || batch_.recordSize != record.size() ||
                               batch_.records() >= kRecordsPerFrame)) {
    flushBatch();
  }
  batch_.stream = stream;
  batch_.recordSize = static_cast<std::uint16_t>(record.size());
  batch_.body.insert(batch_.body.end(), record.begin(), record.end());
}

void StateSync::flushBatch() {
  if (batch_.body.empty() || !conn_) {
    batch_.body.clear();
    return;
  }
  batch_.type = FrameType::Records;
  batch_.seq = ++seq_;
  recordsSent_ += batch_.records();
  unacked_.emplace_back(batch_.seq, Clock::now());
  send(conn_, batch_);
  batch_.body.clear();
}

void StateSync::sendSnapshot() {
  const auto start = Clock::now();
  const std::uint64_t records0 = recordsSent_, bytes0 = bytesSent_;
  Frame begin;
  begin.type = FrameType::SnapshotBegin;
  send(conn_, begin);
  provider_.snapshot([this](SyncStream s, std::span<const std::uint8_t> r) { emitRecord(s, r); });
  flushBatch();
  Frame end;
  end.type = FrameType::SnapshotEnd;
  end.seq = ++seq_;
  unacked_.emplace_back(end.seq, Clock::now());
  send(conn_, end);
  ++snapshotsSent_;
  lastSnapshotRecords_ = recordsSent_ - records0;
  lastSnapshotBytes_ = bytesSent_ - bytes0;
  lastSnapshotMs_ = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  kLog.info("state snapshot sent", {{"records", std::to_string(lastSnapshotRecords_)},
                                    {"bytes", std::to_string(lastSnapshotBytes_)}});
}

void StateSync::send(const std::shared_ptr<Conn>& c, const Frame& f) {
  if (!c || !c->open) return;
  const std::size_t before = c->out.size();
  encodeFrame(f, c->out);
  bytesSent_ += c->out.size() - before;
  if (c->out.size() + c->writing.size() > kMaxQueuedBytes) return drop("the standby fell more than 64 MiB behind");
  flushWrites(c);
}

void StateSync::flushWrites(const std::shared_ptr<Conn>& c) {
  if (!c->writing.empty() || c->out.empty()) return;
  c->writing.swap(c->out);
  asio::async_write(c->socket, asio::buffer(c->writing), [this, c, alive = alive_](boost::system::error_code ec, std::size_t) {
    if (!*alive || !c->open) return;
    c->writing.clear();
    if (ec) {
      if (conn_ == c) drop("write: " + ec.message());
      return;
    }
    flushWrites(c);
  });
}

void StateSync::drop(const std::string& why) {
  if (!conn_) return;
  auto c = conn_;
  conn_.reset();
  c->open = false;
  boost::system::error_code ec;
  c->socket.close(ec);
  lastError_ = why;
  if (serving_ || synced_) kLog.warn("state sync connection closed", {{"why", why}});
  serving_ = false;
  synced_ = false;
  unacked_.clear();
  batch_.body.clear();
}

json::object StateSync::status() const {
  json::object o;
  o["connected"] = conn_ != nullptr && (mode_ != Role::Active || serving_);
  o["last_error"] = lastError_;
  if (mode_ == Role::Active) {
    o["direction"] = "sending";
    o["records_sent"] = recordsSent_;
    o["bytes_sent"] = bytesSent_;
    o["unacked_frames"] = unacked_.size();
    o["lag_ms"] = unacked_.empty() ? 0 : msSince(unacked_.front().second);
    o["snapshots_sent"] = snapshotsSent_;
    o["last_snapshot"] = json::object{{"records", lastSnapshotRecords_},
                                      {"bytes", lastSnapshotBytes_},
                                      {"ms", lastSnapshotMs_}};
  } else {
    o["direction"] = "receiving";
    o["synced"] = synced_;
    o["records_applied"] = recordsApplied_;
    o["import_errors"] = importErrors_;
    o["last_import_error"] = lastImportError_;
    o["snapshots_received"] = snapshotsReceived_;
  }
  return o;
}

}  // namespace hnv::cluster
