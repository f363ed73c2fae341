// ICMPv6 and Neighbor Discovery: option walking stays inside the message,
// and what the ND writers produce from parsed fields parses back the same.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "hnv/wire/icmpv6.h"
#include "hnv/wire/nd.h"

using namespace hnv::wire;
using hnv::wire::fuzz::check;

namespace {

const hnv::Ipv6Addr kSrc(hnv::Ipv6Addr::Bytes{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
const hnv::Ipv6Addr kDst(hnv::Ipv6Addr::Bytes{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1});

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  (void)icmpv6ChecksumOk(kSrc, kDst, in);
  auto h = parseIcmpv6(in);
  fuzz::checkError(h, size);
  if (h) {
    check(h->body.size() == size - kIcmpv6HeaderLen);
    std::vector<std::uint8_t> copy(in.begin(), in.end());
    check(setIcmpv6Checksum(kSrc, kDst, copy));
    check(icmpv6ChecksumOk(kSrc, kDst, copy));
  }

  auto options = parseNdOptions(in);
  fuzz::checkError(options, size);

  auto rs = parseRouterSolicitation(in);
  fuzz::checkError(rs, size);
  if (rs) check(size >= kNdRouterSolicitationLen && in[0] == kIcmpv6RouterSolicitation);

  auto ns = parseNeighborSolicitation(in);
  fuzz::checkError(ns, size);
  if (ns) {
    check(size >= kNdNeighborMessageLen && !ns->target.isMulticast());
    std::uint8_t out[kNdNeighborMessageLen + kNdLinkLayerOptionLen];
    auto n = writeNeighborSolicitation(out, kSrc, kDst, ns->target, ns->sourceLinkLayer);
    check(n.ok());
    auto back = parseNeighborSolicitation(std::span<const std::uint8_t>(out, *n));
    check(back.ok() && back->target == ns->target && back->sourceLinkLayer == ns->sourceLinkLayer);
    check(icmpv6ChecksumOk(kSrc, kDst, std::span<const std::uint8_t>(out, *n)));
  }

  auto na = parseNeighborAdvertisement(in);
  fuzz::checkError(na, size);
  if (na) {
    check(size >= kNdNeighborMessageLen && !na->target.isMulticast());
    std::uint8_t out[kNdNeighborMessageLen + kNdLinkLayerOptionLen];
    auto n = writeNeighborAdvertisement(out, kSrc, kDst, na->flags, na->target, na->targetLinkLayer);
    check(n.ok());
    auto back = parseNeighborAdvertisement(std::span<const std::uint8_t>(out, *n));
    check(back.ok() && back->target == na->target && back->targetLinkLayer == na->targetLinkLayer);
    check(back->flags.router == na->flags.router && back->flags.solicited == na->flags.solicited &&
          back->flags.override == na->flags.override);
  }
  return 0;
}
