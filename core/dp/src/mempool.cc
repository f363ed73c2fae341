#include "hnv/dp/mempool.h"

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "hnv/dp/packet.h"

namespace hnv::dp {

void MempoolDeleter::operator()(rte_mempool* p) const { rte_mempool_free(p); }

Result<MempoolPtr> createPacketPool(const PoolConfig& c) {
  static_assert(sizeof(PacketMeta) % RTE_MBUF_PRIV_ALIGN == 0, "PacketMeta must keep mbuf data aligned");
  rte_mempool* p = rte_pktmbuf_pool_create(c.name.c_str(), c.mbufs, c.cacheSize, sizeof(PacketMeta),
                                           static_cast<std::uint16_t>(c.dataRoom), c.socket);
  if (p == nullptr) {
    return makeError(Errc::Unavailable, "mempool " + c.name, std::to_string(c.mbufs) + " mbufs",
                     std::string("cannot create the packet pool: ") + rte_strerror(rte_errno));
  }
  return MempoolPtr(p);
}

}  // namespace hnv::dp
