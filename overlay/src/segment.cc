#include "segment.h"

#include <algorithm>
#include <cstring>

#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/tcp.h"
#include "hnv/wire/udp.h"

namespace hnv::overlay {
namespace {

std::uint32_t pseudoSum(std::span<const std::uint8_t> frame, const InnerHeaders& h, std::size_t l4Len) {
  const std::uint8_t* ip = frame.data() + h.l3;
  if (h.v4) {
    return wire::ipv4PseudoHeaderSum(Ipv4Addr::fromBytes(ip + 12), Ipv4Addr::fromBytes(ip + 16), h.protocol,
                                     static_cast<std::uint16_t>(l4Len));
  }
  return wire::ipv6PseudoHeaderSum(Ipv6Addr::fromBytes(ip + 8), Ipv6Addr::fromBytes(ip + 24), h.protocol,
                                   static_cast<std::uint32_t>(l4Len));
}

}  // namespace

std::optional<InnerHeaders> locateHeaders(std::span<const std::uint8_t> first) {
  InnerHeaders h;
  h.l3 = wire::kEthernetHeaderLen;
  if (first.size() < h.l3) return std::nullopt;
  const std::uint16_t type = wire::load16(first.data() + 12);
  auto ip = first.subspan(h.l3);
  if (type == wire::kEtherTypeIpv4 && ip.size() >= wire::kIpv4HeaderLen && (ip[0] >> 4) == 4) {
    h.v4 = true;
    h.protocol = ip[9];
    h.l4 = h.l3 + std::size_t{ip[0] & 0x0Fu} * 4;
  } else if (type == wire::kEtherTypeIpv6 && ip.size() >= wire::kIpv6HeaderLen && (ip[0] >> 4) == 6) {
    h.v4 = false;
    h.protocol = ip[6];  // extension headers are not walked
    h.l4 = h.l3 + wire::kIpv6HeaderLen;
  } else {
    return std::nullopt;
  }
  if (h.protocol == wire::kIpProtoTcp) {
    if (first.size() < h.l4 + wire::kTcpHeaderLen) return std::nullopt;
    h.payload = h.l4 + std::size_t{first[h.l4 + 12]} / 16 * 4;
  } else if (h.protocol == wire::kIpProtoUdp) {
    h.payload = h.l4 + wire::kUdpHeaderLen;
  } else {
    return std::nullopt;
  }
  if (h.payload > first.size() || h.payload < h.l4 + wire::kUdpHeaderLen) return std::nullopt;
  return h;
}

void completeChecksums(std::span<std::uint8_t> frame, const InnerHeaders& h) {
  if (h.v4) (void)wire::setIpv4HeaderChecksum(frame.subspan(h.l3));
  auto l4 = frame.subspan(h.l4);
  if (h.protocol == wire::kIpProtoTcp) {
    (void)wire::setTcpChecksum(l4, pseudoSum(frame, h, l4.size()));
  } else {
    (void)wire::setUdpChecksum(l4, pseudoSum(frame, h, l4.size()));
  }
}

bool segmentTcp(rte_mbuf* m, const InnerHeaders& h, std::uint16_t mss, rte_mempool* pool, std::vector<rte_mbuf*>& out) {
  const auto* first = rte_pktmbuf_mtod(m, const std::uint8_t*);
  const std::size_t total = rte_pktmbuf_pkt_len(m);
  const std::size_t payload = total - h.payload;
  const std::size_t count = std::max<std::size_t>(1, (payload + mss - 1) / mss);
  const std::size_t mark = out.size();
  const std::uint16_t id0 = h.v4 ? wire::load16(first + h.l3 + 4) : 0;
  const std::uint32_t seq0 = wire::load32(first + h.l4 + 4);
  const std::uint8_t flags0 = first[h.l4 + 13];
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t offset = i * mss;
    const std::size_t chunk = std::min<std::size_t>(mss, payload - offset);
    rte_mbuf* s = rte_pktmbuf_alloc(pool);
    auto* p = s == nullptr ? nullptr : reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(s, static_cast<std::uint16_t>(h.payload + chunk)));
    if (p == nullptr) {
      if (s != nullptr) rte_pktmbuf_free(s);
      for (std::size_t k = mark; k < out.size(); ++k) rte_pktmbuf_free(out[k]);
      out.resize(mark);
      return false;
    }
    std::copy_n(first, h.payload, p);
    // rte_pktmbuf_read copies only when the range spans segments; otherwise
    // it returns a pointer into the packet.
    const void* src = rte_pktmbuf_read(m, static_cast<std::uint32_t>(h.payload + offset),
                                       static_cast<std::uint32_t>(chunk), p + h.payload);
    if (src != nullptr && src != p + h.payload) std::memcpy(p + h.payload, src, chunk);
    std::uint8_t* ip = p + h.l3;
    if (h.v4) {
      wire::store16(ip + 2, static_cast<std::uint16_t>(h.payload - h.l3 + chunk));
      wire::store16(ip + 4, static_cast<std::uint16_t>(id0 + i));
    } else {
      wire::store16(ip + 4, static_cast<std::uint16_t>(h.payload - h.l4 + chunk));
    }
    std::uint8_t* tcp = p + h.l4;
    wire::store32(tcp + 4, seq0 + static_cast<std::uint32_t>(offset));
    std::uint8_t flags = flags0;
    if (i + 1 < count) flags &= static_cast<std::uint8_t>(~(wire::kTcpFin | wire::kTcpPsh));
    if (i > 0) flags &= static_cast<std::uint8_t>(~wire::kTcpCwr);
    tcp[13] = flags;
    completeChecksums({p, h.payload + chunk}, h);
    out.push_back(s);
  }
  return true;
}

}  // namespace hnv::overlay
