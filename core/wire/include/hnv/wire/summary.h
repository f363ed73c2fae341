// One-line summaries of frames for traces, captures and logs (not for the
// fast path: it allocates).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace hnv::wire {

// "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff arp request 192.0.2.1 asks for 192.0.2.100",
// "... ipv4 192.0.2.100 > 192.0.2.1 icmp type 8", "... gre vsid 5001 flow 7", etc.
std::string summarizeFrame(std::span<const std::uint8_t> frame);

}  // namespace hnv::wire
