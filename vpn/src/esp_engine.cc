#include "hnv/vpn/esp_engine.h"

#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_ipsec.h>
#include <rte_mempool.h>

#include <algorithm>
#include <mutex>

#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"

namespace hnv::vpn {
namespace {

// Fills what librte_ipsec leaves to hardware offload: the IPv4 header
// checksum, or over IPv6 the UDP checksum of NAT-T (never 0 over IPv6,
// RFC 8200 8.1). The packet is one segment (espProcess's callers' mbufs).
void checksumOuter(rte_mbuf* m) {
  std::uint8_t* ip = rte_pktmbuf_mtod_offset(m, std::uint8_t*, kTemplateL2);
  if ((ip[0] >> 4) == 4) {
    wire::store16(ip + 10, 0);
    wire::store16(ip + 10, wire::internetChecksum({ip, 20}));
    return;
  }
  if (ip[6] != 17) return;
  std::uint8_t* udp = ip + 40;
  const std::uint32_t length = wire::load16(ip + 4);
  wire::store16(udp + 6, 0);
  const std::uint16_t sum = wire::checksumFinish(wire::checksumAdd(
      wire::ipv6PseudoHeaderSum(Ipv6Addr::fromBytes(ip + 8), Ipv6Addr::fromBytes(ip + 24), 17, length), {udp, length}));
  wire::store16(udp + 6, sum == 0 ? 0xFFFF : sum);
}

// The packet of a symmetric operation (the op's sym member is a zero-length
// array that g++ -Warray-bounds refuses to index).
rte_mbuf* packetOf(rte_crypto_op* op) {
  auto* sym = reinterpret_cast<rte_crypto_sym_op*>(reinterpret_cast<std::uint8_t*>(op) + sizeof(rte_crypto_op));
  return sym->m_src;
}

}  // namespace

EspBurst espProcess(EspSa& sa, std::uint16_t queuePair, rte_mbuf** mbufs, std::uint16_t count) {
  if (count == 0) return {};
  count = std::min(count, kMaxEspBurst);
  SaCounters& c = sa.counters();
  CryptoDevice& dev = sa.device();
  rte_crypto_op* ops[kMaxEspBurst];
  if (rte_crypto_op_bulk_alloc(dev.opPool(), RTE_CRYPTO_OP_TYPE_SYMMETRIC, ops, count) == 0) {
    c.cryptoBusy.fetch_add(count, std::memory_order_relaxed);
    return {0, count};
  }
  rte_mbuf* in[kMaxEspBurst];
  std::copy(mbufs, mbufs + count, in);
  const bool inbound = sa.spec().direction == SaDirection::Inbound;
  if (!inbound) c.sequencesUsed.fetch_add(count, std::memory_order_relaxed);
  // Prepare moves the packets it refuses (inbound: replayed, too short) to the end.
  const std::uint16_t prepared = rte_ipsec_pkt_crypto_prepare(&sa.session(), in, ops, count);
  std::uint16_t enqueued = 0;
  while (enqueued < prepared) {
    const std::uint16_t n = rte_cryptodev_enqueue_burst(dev.id(), queuePair, ops + enqueued, prepared - enqueued);
    if (n == 0) break;
    enqueued = static_cast<std::uint16_t>(enqueued + n);
  }
  rte_crypto_op* done[kMaxEspBurst];
  std::uint16_t dequeued = 0;
  // The software PMDs finish on dequeue: this loop ends after one or two
  // calls. (A hardware PMD would need the asynchronous pattern instead.)
  while (dequeued < enqueued) {
    dequeued = static_cast<std::uint16_t>(
        dequeued + rte_cryptodev_dequeue_burst(dev.id(), queuePair, done + dequeued, enqueued - dequeued));
  }
  rte_mbuf* good[kMaxEspBurst];
  rte_mbuf* bad[kMaxEspBurst];
  std::uint16_t nGood = 0, nBad = 0;
  for (std::uint16_t i = 0; i < dequeued; ++i) {
    if (done[i]->status == RTE_CRYPTO_OP_STATUS_SUCCESS) {
      good[nGood++] = packetOf(done[i]);
    } else {
      bad[nBad++] = packetOf(done[i]);
      (inbound && done[i]->status == RTE_CRYPTO_OP_STATUS_AUTH_FAILED ? c.authFailed : c.malformed)
          .fetch_add(1, std::memory_order_relaxed);
    }
  }
  for (std::uint16_t i = enqueued; i < prepared; ++i) bad[nBad++] = packetOf(ops[i]);
  if (enqueued < prepared) c.cryptoBusy.fetch_add(prepared - enqueued, std::memory_order_relaxed);
  for (std::uint16_t i = prepared; i < count; ++i) bad[nBad++] = in[i];
  if (prepared < count) (inbound ? c.replayed : c.malformed).fetch_add(count - prepared, std::memory_order_relaxed);
  rte_mempool_put_bulk(dev.opPool(), reinterpret_cast<void**>(ops), count);

  std::uint16_t finished;
  if (inbound) {
    // The replay window is updated here: one worker at a time per SA.
    std::lock_guard guard(sa.lock());
    finished = rte_ipsec_pkt_process(&sa.session(), good, nGood);
  } else {
    finished = rte_ipsec_pkt_process(&sa.session(), good, nGood);
  }
  if (finished < nGood) (inbound ? c.replayed : c.malformed).fetch_add(nGood - finished, std::memory_order_relaxed);
  std::uint64_t bytes = 0;
  for (std::uint16_t i = 0; i < finished; ++i) {
    if (!inbound) checksumOuter(good[i]);
    bytes += rte_pktmbuf_pkt_len(good[i]);
  }
  c.packets.fetch_add(finished, std::memory_order_relaxed);
  c.bytes.fetch_add(bytes, std::memory_order_relaxed);
  std::copy(good, good + nGood, mbufs);
  std::copy(bad, bad + nBad, mbufs + nGood);
  return {finished, static_cast<std::uint16_t>(nGood - finished + nBad)};
}

}  // namespace hnv::vpn
