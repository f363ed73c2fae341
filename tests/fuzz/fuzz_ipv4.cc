// IPv4: lengths and spans stay inside the buffer; the checksum helpers agree
// with each other.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/ipv4.h"

using namespace hnv::wire;
using hnv::wire::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  const bool checksumOk = ipv4HeaderChecksumOk(in);  // Safe on any input.
  auto h = parseIpv4(in);
  fuzz::checkError(h, size);
  if (!h) return 0;
  check(h->headerLength >= kIpv4HeaderLen && h->headerLength <= kIpv4MaxHeaderLen);
  check(h->headerLength <= h->totalLength && h->totalLength <= size);
  check(h->options.size() == h->headerLength - kIpv4HeaderLen);
  check(h->payload.size() == std::size_t{h->totalLength} - h->headerLength);
  fuzz::checkWithin(h->options, in);
  fuzz::checkWithin(h->payload, in);
  check(h->fragmentOffset <= 0x1FFF && h->dscp() < 64 && h->ecn() < 4);
  check(h->isFragment() == (h->mf || h->fragmentOffset != 0));
  // Recomputing the checksum makes it verify, and leaves a correct one alone
  // (except that 0xffff and 0x0000 are the same ones-complement number, and
  // the computation yields 0x0000).
  std::vector<std::uint8_t> copy(in.begin(), in.end());
  check(setIpv4HeaderChecksum(copy));
  check(ipv4HeaderChecksumOk(copy));
  if (checksumOk) {
    check(fuzz::sameBytes(copy, in) || (h->checksum == 0xFFFF && load16(copy.data() + 10) == 0));
  }
  return 0;
}
