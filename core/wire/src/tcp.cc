#include "hnv/wire/tcp.h"

#include "hnv/wire/checksum.h"

namespace hnv::wire {
namespace {

constexpr std::size_t kChecksumOffset = 16;

std::uint16_t byteSwap16(std::uint16_t v) { return static_cast<std::uint16_t>(v << 8 | v >> 8); }

// Calls visit(offset of the MSS value) for each MSS option; stops early when
// visit returns false. Returns the first error.
template <class Visit>
std::optional<WireError> walkMss(std::span<const std::uint8_t> options, Visit&& visit) {
  std::size_t offset = 0;
  while (offset < options.size()) {
    const std::uint8_t kind = options[offset];
    if (kind == kTcpOptEol) break;
    if (kind == kTcpOptNop) {
      ++offset;
      continue;
    }
    if (options.size() - offset < 2) return wireError(WireErrc::Malformed, offset);
    const std::size_t length = options[offset + 1];
    if (length < 2 || length > options.size() - offset) return wireError(WireErrc::Malformed, offset);
    if (kind == kTcpOptMss) {
      if (length != kTcpOptMssLen) return wireError(WireErrc::Malformed, offset);
      if (!visit(offset + 2)) break;
    }
    offset += length;
  }
  return std::nullopt;
}

}  // namespace

WireResult<std::optional<TcpMss>> findMss(std::span<const std::uint8_t> options) {
  std::optional<TcpMss> found;
  auto error = walkMss(options, [&](std::size_t valueOffset) {
    found = TcpMss{load16(options.data() + valueOffset), static_cast<std::uint16_t>(valueOffset)};
    return false;
  });
  if (error) return *error;
  return found;
}

bool clampMss(std::span<std::uint8_t> segment, std::uint16_t maxMss) {
  auto header = parseTcp(segment);
  if (!header) return false;
  const std::span<const std::uint8_t> options = header->options;
  // Validate the whole list before touching anything.
  if (walkMss(options, [](std::size_t) { return true; })) return false;
  bool changed = false;
  std::uint16_t checksum = load16(segment.data() + kChecksumOffset);
  (void)walkMss(options, [&](std::size_t valueOffset) {
    const std::size_t at = kTcpHeaderLen + valueOffset;
    const std::uint16_t old = load16(segment.data() + at);
    if (old <= maxMss) return true;
    store16(segment.data() + at, maxMss);
    // The checksum sums 16-bit words at even offsets of the segment. A value
    // at an odd offset straddles two words and adds its bytes swapped.
    if (at % 2 == 0) {
      checksum = checksumAdjust16(checksum, old, maxMss);
    } else {
      checksum = checksumAdjust16(checksum, byteSwap16(old), byteSwap16(maxMss));
    }
    changed = true;
    return true;
  });
  if (changed) store16(segment.data() + kChecksumOffset, checksum);
  return changed;
}

bool tcpChecksumOk(std::span<const std::uint8_t> segment, std::uint32_t pseudoHeaderSum) {
  if (segment.size() < kTcpHeaderLen) return false;
  return checksumFold(checksumAdd(pseudoHeaderSum, segment)) == 0xFFFF;
}

bool setTcpChecksum(std::span<std::uint8_t> segment, std::uint32_t pseudoHeaderSum) {
  if (segment.size() < kTcpHeaderLen) return false;
  store16(segment.data() + kChecksumOffset, 0);
  store16(segment.data() + kChecksumOffset, checksumFinish(checksumAdd(pseudoHeaderSum, segment)));
  return true;
}

WireResult<std::size_t> writeTcp(std::span<std::uint8_t> out, const TcpFields& f) {
  const std::size_t length = kTcpHeaderLen + (f.mss ? kTcpOptMssLen : 0);
  if (out.size() < length) return wireError(WireErrc::Truncated, out.size());
  std::uint8_t* p = out.data();
  store16(p, f.srcPort);
  store16(p + 2, f.dstPort);
  store32(p + 4, f.seq);
  store32(p + 8, f.ack);
  p[12] = static_cast<std::uint8_t>(length / 4 << 4);
  p[13] = f.flags;
  store16(p + 14, f.window);
  store16(p + kChecksumOffset, 0);
  store16(p + 18, f.urgent);
  if (f.mss) {
    p[20] = kTcpOptMss;
    p[21] = kTcpOptMssLen;
    store16(p + 22, *f.mss);
  }
  return length;
}

}  // namespace hnv::wire
