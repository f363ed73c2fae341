#include "hnv/cluster/sync_frame.h"

namespace hnv::cluster {

namespace {

void put(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint64_t get(std::span<const std::uint8_t> in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | in[at + static_cast<std::size_t>(i)];
  return v;
}

Error bad(std::string what, std::string why) { return makeError(Errc::Malformed, "sync frame", std::move(what), std::move(why)); }

}  // namespace

void encodeFrame(const Frame& f, std::vector<std::uint8_t>& out) {
  std::vector<std::uint8_t> payload;
  switch (f.type) {
    case FrameType::Hello:
      payload = f.body;
      break;
    case FrameType::SnapshotBegin:
      break;
    case FrameType::Records:
      put(payload, f.seq, 8);
      payload.push_back(static_cast<std::uint8_t>(f.stream));
      put(payload, f.recordSize, 2);
      put(payload, f.records(), 2);
      payload.insert(payload.end(), f.body.begin(), f.body.end());
      break;
    case FrameType::SnapshotEnd:
    case FrameType::Ack:
      put(payload, f.seq, 8);
      break;
  }
  put(out, payload.size() + 1, 4);
  out.push_back(static_cast<std::uint8_t>(f.type));
  out.insert(out.end(), payload.begin(), payload.end());
}

Result<std::optional<Frame>> takeFrame(std::vector<std::uint8_t>& buffer) {
  if (buffer.size() < 4) return std::optional<Frame>();
  const std::uint64_t length = get(buffer, 0, 4);
  if (length == 0 || length > kMaxFrameBytes) {
    return bad(std::to_string(length) + " bytes", "a frame has 1 to " + std::to_string(kMaxFrameBytes) + " bytes");
  }
  if (buffer.size() < 4 + length) return std::optional<Frame>();
  std::span<const std::uint8_t> p(buffer.data() + kFrameHeaderBytes, length - 1);
  Frame f;
  const std::uint8_t type = buffer[4];
  switch (type) {
    case static_cast<std::uint8_t>(FrameType::Hello):
      f.type = FrameType::Hello;
      f.body.assign(p.begin(), p.end());
      break;
    case static_cast<std::uint8_t>(FrameType::SnapshotBegin):
      f.type = FrameType::SnapshotBegin;
      if (!p.empty()) return bad("snapshot-begin", "has no payload");
      break;
    case static_cast<std::uint8_t>(FrameType::Records): {
      f.type = FrameType::Records;
      if (p.size() < 13) return bad("records", "shorter than its 13-byte header");
      f.seq = get(p, 0, 8);
      if (p[8] != static_cast<std::uint8_t>(SyncStream::NatSessions) &&
          p[8] != static_cast<std::uint8_t>(SyncStream::EspSequences)) {
        return bad("records", "unknown stream " + std::to_string(p[8]));
      }
      f.stream = static_cast<SyncStream>(p[8]);
      f.recordSize = static_cast<std::uint16_t>(get(p, 9, 2));
      const std::uint64_t count = get(p, 11, 2);
      if (f.recordSize == 0 || p.size() - 13 != count * f.recordSize) {
        return bad("records", std::to_string(count) + " records of " + std::to_string(f.recordSize) +
                                  " bytes do not fill " + std::to_string(p.size() - 13) + " bytes");
      }
      f.body.assign(p.begin() + 13, p.end());
      break;
    }
    case static_cast<std::uint8_t>(FrameType::SnapshotEnd):
    case static_cast<std::uint8_t>(FrameType::Ack):
      f.type = static_cast<FrameType>(type);
      if (p.size() != 8) return bad(type == 4 ? "snapshot-end" : "ack", "carries an 8-byte sequence number only");
      f.seq = get(p, 0, 8);
      break;
    default:
      return bad("type " + std::to_string(type), "unknown frame type");
  }
  buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(4 + length));
  return std::optional<Frame>(std::move(f));
}

}  // namespace hnv::cluster
