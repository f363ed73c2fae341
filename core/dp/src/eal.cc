#include "hnv/dp/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <atomic>

namespace hnv::dp {
namespace {

std::atomic<bool> gInitialised{false};

}  // namespace

std::vector<std::string> ealArguments(const EalConfig& c) {
  std::vector<std::string> a{c.program, "--no-pci", "-l", c.lcores, "--log-level=" + std::to_string(c.logLevel)};
  if (c.hugepages) {
    // No shared runtime files: processes never see each other's memory.
    a.push_back("--in-memory");
  } else {
    a.insert(a.end(), {"--no-huge", "-m", std::to_string(c.memoryMb), "--file-prefix", c.filePrefix});
  }
  if (!c.telemetry) a.push_back("--no-telemetry");
  for (const auto& v : c.vdevs) a.insert(a.end(), {"--vdev", v});
  a.insert(a.end(), c.extraArgs.begin(), c.extraArgs.end());
  return a;
}

Result<std::unique_ptr<Eal>> Eal::init(const EalConfig& config) {
  if (gInitialised.exchange(true)) {
    return makeError(Errc::Conflict, "eal", "", "the DPDK EAL is already initialised in this process");
  }
  std::vector<std::string> args = ealArguments(config);
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  int rc = rte_eal_init(static_cast<int>(args.size()), argv.data());
  if (rc < 0) {
    gInitialised = false;
    std::string joined;
    for (const auto& s : args) joined += (joined.empty() ? "" : " ") + s;
    return makeError(Errc::Unavailable, "eal", joined, std::string("rte_eal_init failed: ") + rte_strerror(rte_errno));
  }
  std::unique_ptr<Eal> eal(new Eal());
  eal->hugepages_ = config.hugepages;
  unsigned lcore = 0;
  RTE_LCORE_FOREACH_WORKER(lcore) { eal->workers_.push_back(lcore); }
  return eal;
}

Eal::~Eal() {
  rte_eal_mp_wait_lcore();
  rte_eal_cleanup();
}

unsigned Eal::mainLcore() const { return rte_get_main_lcore(); }

}  // namespace hnv::dp
