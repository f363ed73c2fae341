// DPDK Environment Abstraction Layer bootstrap. The EAL can be initialised
// once per process; Eal is the owner and tears it down in its destructor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hnv/base/result.h"

namespace hnv::dp {

struct EalConfig {
  std::string program = "hnv";
  // Logical cores, "0,1" or "0-1". The first is the main (control) lcore.
  std::string lcores = "0";
  // Virtual devices, each "driver<N>,key=value,...", e.g. "net_af_packet0,iface=ul0".
  std::vector<std::string> vdevs;
  // Hugepages (--in-memory) or plain memory (--no-huge -m memoryMb).
  bool hugepages = false;
  unsigned memoryMb = 256;
  // Unique per process when several run on one machine (only used with hugepages off).
  std::string filePrefix = "hnv";
  // DPDK's own log level: 1 (emergency) .. 8 (debug).
  unsigned logLevel = 5;
  bool telemetry = true;
  // Anything else, passed through verbatim (after the above).
  std::vector<std::string> extraArgs;
};

// The arguments rte_eal_init will see (argv[0] included); exposed for tests.
std::vector<std::string> ealArguments(const EalConfig& config);

class Eal {
 public:
  // Thread: main, once per process.
  static Result<std::unique_ptr<Eal>> init(const EalConfig& config);
  ~Eal();
  Eal(const Eal&) = delete;
  Eal& operator=(const Eal&) = delete;

  unsigned mainLcore() const;
  // Worker lcores in the order given.
  const std::vector<unsigned>& workerLcores() const { return workers_; }
  bool hugepages() const { return hugepages_; }

 private:
  Eal() = default;
  std::vector<unsigned> workers_;
  bool hugepages_ = false;
};

}  // namespace hnv::dp
