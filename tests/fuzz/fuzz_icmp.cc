// ICMPv4: the body is what follows the 8 bytes; a recomputed checksum verifies.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "hnv/wire/icmp.h"

using namespace hnv::wire;
using hnv::wire::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  (void)icmpChecksumOk(in);
  auto h = parseIcmp(in);
  fuzz::checkError(h, size);
  if (!h) return 0;
  check(h->body.size() == size - kIcmpHeaderLen);
  fuzz::checkWithin(h->body, in);
  std::vector<std::uint8_t> copy(in.begin(), in.end());
  check(setIcmpChecksum(copy));
  check(icmpChecksumOk(copy));
  // Rebuilding an echo from its fields gives the same bytes.
  if (h->isEcho() && h->code == 0) {
    std::vector<std::uint8_t> out(size);
    auto n = writeIcmpEcho(out, h->type, h->identifier(), h->sequence(), h->body);
    check(n.ok() && *n == size);
    check(fuzz::sameBytes(out, copy));
  }
  return 0;
}
