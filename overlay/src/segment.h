// Encapsulation offloads done in software, for VM ports whose VMs hand over
// TSO frames or leave checksums to the NIC (vhost-user): TCP segmentation of
// the inner frame before encapsulation, and completion of inner IPv4/TCP/UDP
// checksums. Private to the overlay.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace hnv::overlay {

struct InnerHeaders {
  std::size_t l3 = 0;       // inner IP header, from the frame start
  std::size_t l4 = 0;       // transport header
  std::size_t payload = 0;  // transport payload
  bool v4 = true;
  std::uint8_t protocol = 0;
};

// The inner IP and transport headers of an untagged frame, all within
// `first` (the first segment); nullopt when they are not there.
std::optional<InnerHeaders> locateHeaders(std::span<const std::uint8_t> first);

// Writes the inner IPv4 header checksum (if IPv4) and the TCP or UDP
// checksum of a complete single-segment frame.
void completeChecksums(std::span<std::uint8_t> frame, const InnerHeaders& h);

// Cuts the TCP frame `m` (possibly chained) into frames of at most `mss`
// payload bytes, each a new single-segment mbuf from `pool` with complete
// headers: IPv4 ids increment, sequence numbers advance, FIN and PSH stay on
// the last segment and CWR on the first, checksums are computed. Appends
// them to `out`; false (and nothing appended) when `pool` ran dry.
bool segmentTcp(rte_mbuf* m, const InnerHeaders& h, std::uint16_t mss, rte_mempool* pool, std::vector<rte_mbuf*>& out);

}  // namespace hnv::overlay
