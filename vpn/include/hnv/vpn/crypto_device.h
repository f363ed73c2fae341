// The cryptodev ESP runs on: a virtual device of DPDK's AES-NI multi-buffer
// PMD (crypto_aesni_mb), or of the OpenSSL PMD when that one is missing or
// asked for, with one queue pair per worker, the pool of crypto sessions and
// the pool of crypto operations. Opened on the control thread after EAL.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "hnv/base/result.h"

struct rte_mempool;

namespace hnv::vpn {

class CryptoDevice {
 public:
  struct Options {
    // "aesni_mb", "openssl", or "auto" (aesni_mb, else openssl).
    std::string driver = "auto";
    unsigned queuePairs = 1;       // one per worker
    std::uint32_t sessions = 4096;  // crypto sessions: one per SA
    std::uint32_t descriptors = 2048;
  };
  static Result<std::unique_ptr<CryptoDevice>> open(const Options& options);
  ~CryptoDevice();
  CryptoDevice(const CryptoDevice&) = delete;
  CryptoDevice& operator=(const CryptoDevice&) = delete;

  std::uint8_t id() const { return id_; }
  const std::string& driver() const { return driver_; }  // "aesni_mb" or "openssl"
  unsigned queuePairs() const { return queuePairs_; }
  rte_mempool* sessionPool() const { return sessions_; }
  rte_mempool* opPool() const { return ops_; }

  // Where librte_ipsec finds and writes the IV of an operation (in its
  // private area, right after the symmetric op).
  static std::uint16_t ivOffset();

 private:
  CryptoDevice() = default;
  std::uint8_t id_ = 0;
  std::string driver_;
  std::string vdevName_;
  unsigned queuePairs_ = 0;
  rte_mempool* sessions_ = nullptr;
  rte_mempool* ops_ = nullptr;
  bool started_ = false;
};

}  // namespace hnv::vpn
