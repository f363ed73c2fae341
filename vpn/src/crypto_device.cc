#include "hnv/vpn/crypto_device.h"

#include <rte_dev.h>
#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include <algorithm>
#include <atomic>
#include <vector>

namespace hnv::vpn {
namespace {

Error fail(std::string what, std::string why) {
  return makeError(Errc::Unavailable, "crypto device", std::move(what), std::move(why));
}

std::string rteWhy(int err) { return rte_strerror(err < 0 ? -err : err); }

// Every device of the process gets its own names (pools and vdevs are global).
std::string uniqueSuffix() {
  static std::atomic<unsigned> next{0};
  return std::to_string(next.fetch_add(1));
}

}  // namespace

std::uint16_t CryptoDevice::ivOffset() {
  return static_cast<std::uint16_t>(sizeof(rte_crypto_op) + sizeof(rte_crypto_sym_op));
}

Result<std::unique_ptr<CryptoDevice>> CryptoDevice::open(const Options& options) {
  if (options.queuePairs == 0 || options.queuePairs > 64) {
    return makeError(Errc::InvalidArgument, "crypto device", std::to_string(options.queuePairs) + " queue pairs",
                     "one per worker, 1 to 64");
  }
  std::vector<std::string> drivers;
  if (options.driver == "auto") {
    drivers = {"aesni_mb", "openssl"};
  } else if (options.driver == "aesni_mb" || options.driver == "openssl") {
    drivers = {options.driver};
  } else {
    return makeError(Errc::InvalidArgument, "crypto device", "driver '" + options.driver + "'",
                     "known: auto, aesni_mb, openssl");
  }
  std::unique_ptr<CryptoDevice> dev(new CryptoDevice());
  const std::string suffix = uniqueSuffix();
  std::string tried;
  for (const auto& d : drivers) {
    const std::string name = "crypto_" + d + "_hnv" + suffix;
    const std::string args = "max_nb_queue_pairs=" + std::to_string(options.queuePairs) +
                             ",socket_id=" + std::to_string(std::max(0, static_cast<int>(rte_socket_id())));
    if (rte_eal_hotplug_add("vdev", name.c_str(), args.c_str()) == 0) {
      dev->driver_ = d;
      dev->vdevName_ = name;
      break;
    }
    tried += (tried.empty() ? "" : ", ") + std::string("crypto_") + d;
  }
  if (dev->vdevName_.empty()) {
    return fail(tried, "no such crypto PMD could be created (is DPDK's crypto_ipsec_mb or crypto_openssl installed?)");
  }
  const int id = rte_cryptodev_get_dev_id(dev->vdevName_.c_str());
  if (id < 0) return fail(dev->vdevName_, "created but not found");
  dev->id_ = static_cast<std::uint8_t>(id);
  const int socket = rte_cryptodev_socket_id(dev->id_) < 0 ? 0 : rte_cryptodev_socket_id(dev->id_);

  rte_cryptodev_config conf{};
  conf.socket_id = socket;
  conf.nb_queue_pairs = static_cast<std::uint16_t>(options.queuePairs);
  if (int rc = rte_cryptodev_configure(dev->id_, &conf); rc < 0) return fail(dev->vdevName_, rteWhy(rc));
  dev->queuePairs_ = options.queuePairs;

  const unsigned privSize = rte_cryptodev_sym_get_private_session_size(dev->id_);
  dev->sessions_ = rte_cryptodev_sym_session_pool_create(("hnv_cs" + suffix).c_str(), options.sessions, privSize, 0,
                                                         0, socket);
  if (dev->sessions_ == nullptr) return fail("session pool", rteWhy(rte_errno));
  // IV (16) and room for a GCM/CCM counter block after the symmetric op.
  const std::uint32_t opCount = options.descriptors * options.queuePairs * 2;
  dev->ops_ = rte_crypto_op_pool_create(("hnv_cop" + suffix).c_str(), RTE_CRYPTO_OP_TYPE_SYMMETRIC, opCount, 128, 32,
                                        socket);
  if (dev->ops_ == nullptr) return fail("operation pool", rteWhy(rte_errno));

  rte_cryptodev_qp_conf qp{};
  qp.nb_descriptors = options.descriptors;
  qp.mp_session = dev->sessions_;
  for (unsigned q = 0; q < options.queuePairs; ++q) {
    if (int rc = rte_cryptodev_queue_pair_setup(dev->id_, static_cast<std::uint16_t>(q), &qp, socket); rc < 0) {
      return fail("queue pair " + std::to_string(q), rteWhy(rc));
    }
  }
  if (int rc = rte_cryptodev_start(dev->id_); rc < 0) return fail(dev->vdevName_, rteWhy(rc));
  dev->started_ = true;
  return dev;
}

CryptoDevice::~CryptoDevice() {
  if (started_) rte_cryptodev_stop(id_);
  if (!vdevName_.empty()) {
    if (queuePairs_ != 0) rte_cryptodev_close(id_);
    rte_eal_hotplug_remove("vdev", vdevName_.c_str());
  }
  if (ops_ != nullptr) rte_mempool_free(ops_);
  if (sessions_ != nullptr) rte_mempool_free(sessions_);
}

}  // namespace hnv::vpn
