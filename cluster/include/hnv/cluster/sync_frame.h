// The frames of the state sync between two cluster members (TCP on the
// heartbeat link, cluster.syncPort). The active member serves, the standby
// connects. Every frame is
//
//   u32 length of what follows (big-endian, at most kMaxFrameBytes)
//   u8  type
//   ... payload
//
//   Hello          (standby -> active) JSON {"v":1,"cluster","member","epoch"}
//   SnapshotBegin  (active) the standby drops the replicated state it holds
//   Records        (active) u64 seq, u8 stream, u16 record size, u16 count, count records
//   SnapshotEnd    (active) u64 seq: the standby now holds the active's whole state
//   Ack            (standby) u64 seq: every Records frame up to seq is applied
//
// Streams name what the records are: 1 NAT44 sessions (nat::encodeEvent,
// 56 bytes). All integers are big-endian.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hnv/base/result.h"

namespace hnv::cluster {

enum class FrameType : std::uint8_t { Hello = 1, SnapshotBegin = 2, Records = 3, SnapshotEnd = 4, Ack = 5 };
// What a Records frame carries: NAT44 sessions (nat/session_sync.h), the
// sequence numbers of outbound ESP SAs (hnvgwd's cluster code).
enum class SyncStream : std::uint8_t { NatSessions = 1, EspSequences = 2 };

inline constexpr std::size_t kMaxFrameBytes = 1u << 20;
inline constexpr std::size_t kFrameHeaderBytes = 5;

struct Frame {
  FrameType type = FrameType::Hello;
  std::uint64_t seq = 0;           // Records, SnapshotEnd, Ack
  SyncStream stream = SyncStream::NatSessions;  // Records
  std::uint16_t recordSize = 0;    // Records
  std::vector<std::uint8_t> body;  // Records: count x recordSize bytes; Hello: the JSON text
  std::size_t records() const { return recordSize == 0 ? 0 : body.size() / recordSize; }
};

// Appends the frame's bytes to `out`.
void encodeFrame(const Frame& f, std::vector<std::uint8_t>& out);

// Takes one whole frame off the front of `buffer` if it is there: nullopt
// while more bytes are needed, an error (the connection is then dropped)
// for a length beyond kMaxFrameBytes, an unknown type or a payload that
// does not fit its type.
Result<std::optional<Frame>> takeFrame(std::vector<std::uint8_t>& buffer);

}  // namespace hnv::cluster
