// IPv6 and the extension-header walk: the walk stays inside the payload and
// its fragment flags are consistent.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.h"
#include "hnv/wire/ipv6.h"

using namespace hnv::wire;
using hnv::wire::fuzz::check;

namespace {

void checkWalk(std::uint8_t nextHeader, std::span<const std::uint8_t> payload) {
  auto upper = walkExtensionHeaders(nextHeader, payload);
  fuzz::checkError(upper, payload.size());
  if (!upper) return;
  check(upper->offset <= payload.size());
  // The walk stops at a non-extension header, except behind a non-first fragment.
  check(!isIpv6ExtensionHeader(upper->protocol) || upper->fragmentOffset != 0);
  check(upper->fragmented == (upper->fragmentOffset != 0 || upper->moreFragments));
  check(!upper->fragmented || upper->sawFragmentHeader);
  check(upper->offset <= kIpv6MaxExtensionHeaders * 2048);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  auto h = parseIpv6(in);
  fuzz::checkError(h, size);
  if (h) {
    check(kIpv6HeaderLen + h->payloadLength <= size);
    check(h->payload.size() == h->payloadLength);
    check(h->flowLabel <= 0xFFFFF);
    fuzz::checkWithin(h->payload, in);
    checkWalk(h->nextHeader, h->payload);
  }
  // The walk on its own, with the first byte as the first next header, so
  // that the fuzzer reaches deep chains without a valid fixed header.
  if (!in.empty()) checkWalk(in[0], in.subspan(1));
  return 0;
}
