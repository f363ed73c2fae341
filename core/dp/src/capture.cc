#include "hnv/dp/capture.h"

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "hnv/dp/packet.h"

namespace hnv::dp {

Result<std::unique_ptr<CaptureTap>> CaptureTap::create(const std::string& name, unsigned ringSize) {
  std::unique_ptr<CaptureTap> t(new CaptureTap());
  t->ring_ = rte_ring_create((name + "-cap").c_str(), ringSize, static_cast<int>(rte_socket_id()), RING_F_SC_DEQ);
  if (t->ring_ == nullptr) {
    return makeError(Errc::Unavailable, "capture", name, std::string("rte_ring_create failed: ") + rte_strerror(rte_errno));
  }
  return t;
}

CaptureTap::~CaptureTap() {
  if (ring_ == nullptr) return;
  void* m = nullptr;
  while (rte_ring_dequeue(ring_, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  rte_ring_free(ring_);
}

void CaptureTap::copy(const rte_mbuf* m, std::uint16_t port, CaptureDirection dir) {
  rte_mbuf* c = rte_pktmbuf_copy(m, m->pool, 0, kSnapLen);
  if (c == nullptr) {
    lost_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  PacketMeta& pm = meta(c);
  pm = PacketMeta{};
  pm.rxPort = port;
  pm.control = static_cast<std::uint8_t>(dir);
  pm.scratch[0] = rte_get_tsc_cycles();
  pm.scratch[1] = rte_pktmbuf_pkt_len(m);  // the original length
  if (rte_ring_mp_enqueue(ring_, c) != 0) {
    rte_pktmbuf_free(c);
    lost_.fetch_add(1, std::memory_order_relaxed);
  }
}

unsigned CaptureTap::drain(
    const std::function<void(const rte_mbuf*, std::uint16_t, CaptureDirection, std::uint64_t)>& sink, unsigned max) {
  unsigned done = 0;
  void* obj = nullptr;
  while (done < max && rte_ring_sc_dequeue(ring_, &obj) == 0) {
    auto* m = static_cast<rte_mbuf*>(obj);
    const PacketMeta& pm = meta(m);
    sink(m, pm.rxPort, static_cast<CaptureDirection>(pm.control), pm.scratch[0]);
    rte_pktmbuf_free(m);
    ++done;
  }
  return done;
}

}  // namespace hnv::dp
