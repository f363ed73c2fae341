// GRE and NVGRE: the header length matches the flags; NVGRE is a subset of
// GRE and writes back to the same 8 bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "hnv/wire/gre.h"
#include "hnv/wire/nvgre.h"

using namespace hnv::wire;
using hnv::wire::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  (void)greChecksumOk(in);
  auto g = parseGre(in);
  fuzz::checkError(g, size);
  if (g) {
    const std::size_t expected = kGreBaseHeaderLen + (g->checksum ? 4 : 0) + (g->key ? 4 : 0) + (g->sequence ? 4 : 0);
    check(g->headerLength == expected && g->headerLength <= size);
    if (g->checksum) {
      std::vector<std::uint8_t> copy(in.begin(), in.end());
      check(setGreChecksum(copy));
      check(greChecksumOk(copy));
    }
  }
  auto n = parseNvgre(in);
  fuzz::checkError(n, size);
  if (n) {
    check(size >= kNvgreHeaderLen);
    check(g.ok() && g->key == n->key() && g->protocol == kNvgreProtocol && !g->checksum && !g->sequence);
    check(n->vsid.value() <= hnv::Vsid::kMax);
    std::uint8_t out[kNvgreHeaderLen];
    auto w = writeNvgre(out, n->vsid, n->flowId);
    check(w.ok() && *w == kNvgreHeaderLen);
    check(fuzz::sameBytes(out, in.first(kNvgreHeaderLen)));
  }
  return 0;
}
