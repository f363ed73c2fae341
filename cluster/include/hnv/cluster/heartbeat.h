// The heartbeat two members of a gateway cluster send each other over the
// dedicated heartbeat link every interval (UDP, one datagram each): who
// sends it, in which role and term (epoch), whether it hears its peer,
// whether its state is in sync, and whether it is handing the active role
// over. A JSON object, readable in a capture and extensible:
//
//   {"v":2,"cluster":"gw1","member":"gw1-a","role":"active","epoch":7,
//    "boot":8124505316721,"seq":1234,"time_ms":1796280000123,"priority":100,
//    "sees_peer":true,"synced":true,"handover_to":""}
//
// and "ike_resync":N once the sender has asked for its first IKE state
// resync (left out before, so that older members still understand it).
//
// Unknown fields are refused (a newer peer speaks another version number).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hnv/base/result.h"

namespace hnv::cluster {

// Init: not yet a member (no cluster in the policy); Standby: silent on the
// data plane, ready to take over; Active: owns the node's addresses and forwards.
enum class Role : std::uint8_t { Init, Standby, Active };

std::string_view roleName(Role r);

inline constexpr std::uint64_t kHeartbeatVersion = 2;  // 2: boot and time_ms (replay protection)
inline constexpr std::size_t kMaxHeartbeatBytes = 1024;

struct Heartbeat {
  std::string cluster;
  std::string member;
  Role role = Role::Init;
  std::uint64_t epoch = 0;  // the witness's term of the last active member the sender knows
  std::uint64_t boot = 0;   // random, chosen when the sending process started
  std::uint64_t seq = 0;    // grows by one per heartbeat of one process
  std::int64_t timeMs = 0;  // the sender's clock (ms since 1970) when it sent it
  std::uint32_t priority = 0;
  bool seesPeer = false;    // the sender hears the receiver
  bool synced = false;      // a standby holding the active's full state
  std::string handoverTo;   // non-empty: the sender yields the active role to this member
  // Grows each time the sender's hnv-iked lacks IKE state its peer has: the
  // active member's hnv-iked then sends its IKE state sync again.
  std::uint32_t ikeResync = 0;
};

// With a secret (the cluster's sharedSecret) the JSON text is followed by a
// newline and the hex HMAC-SHA256 of the text under the secret.
std::string encodeHeartbeat(const Heartbeat& hb, std::string_view secret = {});
// Refuses anything but one such JSON object of at most kMaxHeartbeatBytes,
// naming the field and why; with a secret, also a datagram without its
// authentication code or with a wrong one.
Result<Heartbeat> decodeHeartbeat(std::span<const std::uint8_t> datagram, std::string_view secret = {});

// Refuses a heartbeat seen before: one of a known process (boot) whose
// sequence number is not above the highest seen of that process, or, with
// `checkTime`, the first of a process not seen yet that was sent more than
// kMaxSkewMs away from the receiver's clock (an old capture of an earlier
// process; or the members' clocks disagree, which the reason says). With
// the cluster's sharedSecret a heartbeat cannot be forged, and so none can
// be replayed either (without it, checking the time would add nothing).
// Remembers the last 8 processes of the peer.
class ReplayGuard {
 public:
  static constexpr std::int64_t kMaxSkewMs = 5000;
  Status admit(const Heartbeat& hb, std::int64_t nowMs, bool checkTime = true);

 private:
  struct Seen {
    std::uint64_t boot = 0, seq = 0;
  };
  std::vector<Seen> seen_;  // newest last
};

// Lower-case hex HMAC-SHA256 of `text` under `secret`, and its constant-time check.
std::string authCode(std::string_view secret, std::string_view text);
bool authCodeMatches(std::string_view secret, std::string_view text, std::string_view code);

}  // namespace hnv::cluster
