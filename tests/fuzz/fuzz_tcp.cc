// TCP, findMss and clampMss: option offsets stay inside the options, and
// clamping a copy keeps a valid checksum valid and never raises an MSS.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/tcp.h"

using namespace hnv::wire;
using hnv::wire::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  // The walk on raw bytes, so that option lists of any length are explored.
  auto raw = findMss(in);
  fuzz::checkError(raw, size);
  if (raw && *raw) check((*raw)->offset + 2u <= size && (*raw)->value == load16(data + (*raw)->offset));

  auto h = parseTcp(in);
  fuzz::checkError(h, size);
  if (!h) return 0;
  check(h->headerLength() >= kTcpHeaderLen && h->headerLength() <= kTcpMaxHeaderLen && h->headerLength() <= size);
  check(h->options.size() == h->headerLength() - kTcpHeaderLen);
  check(h->payload.size() == size - h->headerLength());
  fuzz::checkWithin(h->options, in);
  fuzz::checkWithin(h->payload, in);

  auto mss = findMss(h->options);
  fuzz::checkError(mss, h->options.size());
  // A clamp limit taken from the input (from the urgent pointer field).
  const std::uint16_t limit = h->urgent;
  const std::uint32_t pseudo = 0x0001abcdu;
  std::vector<std::uint8_t> copy(in.begin(), in.end());
  check(setTcpChecksum(copy, pseudo));
  const std::vector<std::uint8_t> before = copy;
  const bool changed = clampMss(copy, limit);
  check(tcpChecksumOk(copy, pseudo));
  if (!changed) {
    check(copy == before);
    return 0;
  }
  // Clamping only ever happens to a valid option list with an MSS in it;
  // the first MSS is now min(old, limit) at the same place, the header keeps
  // its length and the payload is untouched.
  check(mss.ok() && mss->has_value());
  auto after = parseTcp(copy);
  check(after.ok() && after->headerLength() == h->headerLength());
  auto clamped = findMss(after->options);
  check(clamped.ok() && clamped->has_value());
  check((*clamped)->value == std::min((*mss)->value, limit) && (*clamped)->offset == (*mss)->offset);
  check(fuzz::sameBytes(after->payload, h->payload));
  return 0;
}
