// Ethernet II with at most one 802.1Q tag: a frame that parses writes back
// to the same header bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.h"
#include "hnv/wire/ethernet.h"

using namespace hnv::wire;
using hnv::wire::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  auto h = parseEthernet(in);
  fuzz::checkError(h, size);
  if (!h) return 0;
  check(h->headerLength <= size);
  check(h->headerLength == (h->vlanTci ? kEthernetVlanHeaderLen : kEthernetHeaderLen));
  check(h->etherType >= kEtherTypeMin && h->etherType != kEtherTypeVlan && h->etherType != kEtherTypeQinQ);
  check(h->vlanId() <= 0x0FFF && h->vlanPcp() <= 7);
  std::uint8_t out[kEthernetVlanHeaderLen];
  auto n = writeEthernet(out, h->dst, h->src, h->etherType, h->vlanTci);
  check(n.ok() && *n == h->headerLength);
  check(fuzz::sameBytes(std::span<const std::uint8_t>(out, *n), in.first(*n)));
  return 0;
}
