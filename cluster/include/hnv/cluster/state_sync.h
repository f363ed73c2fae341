// Replication of the active member's state to the standby, continuous and
// batched, over TCP on the heartbeat link (frames: sync_frame.h).
//
// The active member listens on its heartbeat address and the cluster's
// syncPort and serves its peer only: after the standby's Hello it sends a
// snapshot (SnapshotBegin, every record, SnapshotEnd), then every 10 ms
// what changed (Records), and again a whole snapshot when changes were
// lost (the provider's journal overflowed). The standby connects to its
// peer while the peer is active, applies the records in order and acks
// them; it is "synced" from the end of a snapshot until the connection
// drops. What the standby imported stays when it becomes active: that is
// the point.
//
// What the records are is the program's business (SyncProvider,
// SyncConsumer): hnvgwd ships its NAT44 sessions.
//
// Thread: the io_context's.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <span>

#include "hnv/cluster/heartbeat.h"
#include "hnv/cluster/settings.h"
#include "hnv/cluster/sync_frame.h"

namespace hnv::service {
class AcceptRetry;
}

namespace hnv::cluster {

using RecordEmit = std::function<void(SyncStream, std::span<const std::uint8_t>)>;

struct SyncProvider {
  // The whole state, record by record.
  std::function<void(const RecordEmit&)> snapshot;
  // What changed since the last call (or the snapshot); false when changes
  // were lost and a new snapshot is needed.
  std::function<bool(const RecordEmit&)> drain;
};

struct SyncConsumer {
  // Drop the replicated state held (a snapshot begins).
  std::function<void()> reset;
  std::function<Status(SyncStream, std::span<const std::uint8_t>)> apply;
};

class StateSync {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kRecordsPerFrame = 1000;
  static constexpr std::size_t kMaxQueuedBytes = 64u << 20;  // a standby this far behind is dropped and resynced

  StateSync(boost::asio::io_context& io, SyncProvider provider, SyncConsumer consumer);
  ~StateSync();
  StateSync(const StateSync&) = delete;
  StateSync& operator=(const StateSync&) = delete;

  // The addresses and port; (re)opens the listener when they change.
  void configure(const ClusterSettings& settings);
  // Active: serve the peer. Standby with an active peer: follow it. Anything
  // else: no connection. Called on every tick with the member's view.
  void setMode(Role role, bool peerActive, std::uint64_t epoch);
  // Every 10 ms: the active sends what changed; the standby reconnects.
  void tick();
  bool synced() const { return synced_; }
  boost::json::object status() const;

 private:
  struct Conn;
  void listen();
  void accept();
  void connect();
  void startRead(const std::shared_ptr<Conn>& c);
  void onFrame(const std::shared_ptr<Conn>& c, Frame f);
  void send(const std::shared_ptr<Conn>& c, const Frame& f);
  void flushWrites(const std::shared_ptr<Conn>& c);
  void drop(const std::string& why);
  void sendSnapshot();
  void emitRecord(SyncStream stream, std::span<const std::uint8_t> record);
  void flushBatch();
  void onRecords(const Frame& f);

  boost::asio::io_context& io_;
  SyncProvider provider_;
  SyncConsumer consumer_;
  std::optional<ClusterSettings> settings_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<service::AcceptRetry> retry_;
  std::shared_ptr<Conn> conn_;
  Role mode_ = Role::Init;
  bool followPeer_ = false;
  std::uint64_t epoch_ = 0;
  Clock::time_point lastConnect_{};
  std::string lastError_;
  bool listenFailed_ = false;
  // Active side.
  bool serving_ = false;      // the peer said hello: records flow
  Frame batch_;
  std::uint64_t seq_ = 0;
  std::uint64_t acked_ = 0;
  std::deque<std::pair<std::uint64_t, Clock::time_point>> unacked_;  // seq, sent at
  std::uint64_t recordsSent_ = 0, bytesSent_ = 0, snapshotsSent_ = 0;
  std::uint64_t lastSnapshotRecords_ = 0, lastSnapshotBytes_ = 0;
  double lastSnapshotMs_ = 0;
  // Standby side.
  bool synced_ = false;
  std::uint64_t recordsApplied_ = 0, importErrors_ = 0, snapshotsReceived_ = 0;
  std::string lastImportError_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hnv::cluster
