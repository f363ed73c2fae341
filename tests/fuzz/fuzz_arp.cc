// ARP for IPv4 over Ethernet: a packet that parses writes back to the same 28 bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.h"
#include "hnv/wire/arp.h"

using namespace hnv::wire;
using hnv::wire::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  auto a = parseArp(in);
  fuzz::checkError(a, size);
  if (!a) return 0;
  check(size >= kArpLen);
  check(a->op == ArpOp::Request || a->op == ArpOp::Reply);
  std::uint8_t out[kArpLen];
  auto n = writeArp(out, *a);
  check(n.ok() && *n == kArpLen);
  check(fuzz::sameBytes(out, in.first(kArpLen)));
  return 0;
}
