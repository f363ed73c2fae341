// A running cluster member: the Membership rules on an io_context, with
// the heartbeat socket (UDP on the heartbeat link, bound to this member's
// address), a timer ticking four times per heartbeat interval and the
// WitnessClient. Every role change is handed to `onTransition` (hnvgwd
// fences or unfences its data plane and announces its addresses).
//
// A heartbeat is accepted only from the peer's address and with this
// cluster's and the peer's names, and only once (ReplayGuard); anything
// else is counted and logged (at most once per 10 s), never acted on. Until the heartbeat address can be
// bound (the link is not up yet), binding is retried every second and the
// member stays standby.
//
// Thread: the io_context's.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <functional>
#include <memory>
#include <optional>

#include "hnv/cluster/membership.h"
#include "hnv/cluster/state_sync.h"
#include "hnv/cluster/witness_client.h"

namespace hnv::cluster {

class ClusterMember {
 public:
  using OnTransition = std::function<void(const Transition&)>;

  // `witness`: the controller; none: this member can never become active
  // (said in the log and the status).
  // `provider` and `consumer`: the state this member replicates (StateSync).
  ClusterMember(boost::asio::io_context& io, ClusterSettings settings,
                std::optional<policy::ControllerEndpoint> witness, OnTransition onTransition,
                SyncProvider provider = {}, SyncConsumer consumer = {});
  ~ClusterMember();
  ClusterMember(const ClusterMember&) = delete;
  ClusterMember& operator=(const ClusterMember&) = delete;

  void start();
  // New settings of the same cluster and member; the socket is rebound if
  // the address or port changed, the witness client replaced if the cluster did.
  void reconfigure(ClusterSettings settings);
  Status switchover(bool force = false);
  Role role() const { return membership_.role(); }
  // This member's hnv-iked lacks IKE state: the peer is asked (heartbeats).
  void requestPeerIkeResync() { membership_.requestIkeResync(); }
  // Called when the peer asks for an IKE state resync.
  void onPeerIkeResync(std::function<void()> f) { onPeerIkeResync_ = std::move(f); }
  boost::json::object status() const;

 private:
  void scheduleTick();
  void tick();
  void bindSocket();
  void receive();
  void onDatagram(std::size_t bytes);
  void sendHeartbeat(Membership::Time now);
  void callWitness(Membership::Time now);
  void deliverTransitions();

  boost::asio::io_context& io_;
  Membership membership_;
  std::optional<policy::ControllerEndpoint> witnessEndpoint_;
  std::unique_ptr<WitnessClient> witness_;
  std::unique_ptr<StateSync> sync_;  // none without a provider
  OnTransition onTransition_;
  std::function<void()> onPeerIkeResync_;
  const std::uint64_t boot_;  // this process, in its heartbeats
  ReplayGuard replay_;
  std::optional<std::uint32_t> peerIkeResync_;  // the peer's last request count seen
  boost::asio::ip::udp::socket socket_;
  boost::asio::steady_timer timer_;
  std::array<std::uint8_t, 2048> buffer_{};
  boost::asio::ip::udp::endpoint from_;
  std::string bindError_;
  Membership::Time lastBindTry_{};
  std::uint64_t sent_ = 0, received_ = 0, rejected_ = 0, sendErrors_ = 0;
  std::string lastRejection_;
  Membership::Time lastRejectLog_{};
  // Posted witness replies check it: the member may be gone when they run.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hnv::cluster
