// Packet buffer pools. Every pool reserves room for PacketMeta in each mbuf.
#pragma once

#include <rte_mempool.h>

#include <memory>
#include <string>

#include "hnv/base/result.h"

namespace hnv::dp {

struct PoolConfig {
  std::string name = "pkt";
  unsigned mbufs = 8191;      // power of two minus one is optimal for rte_mempool
  unsigned cacheSize = 256;   // per-lcore cache
  unsigned dataRoom = 2048 + 128;  // RTE_MBUF_DEFAULT_BUF_SIZE
  int socket = -1;            // SOCKET_ID_ANY
};

struct MempoolDeleter {
  void operator()(rte_mempool* p) const;
};
using MempoolPtr = std::unique_ptr<rte_mempool, MempoolDeleter>;

Result<MempoolPtr> createPacketPool(const PoolConfig& config);

}  // namespace hnv::dp
