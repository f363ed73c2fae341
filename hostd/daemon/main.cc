// hnv-hostd: the host-side HNV filter (VM ports, NVGRE to the underlay, the
// node's policy from hnv-controller).
//
// Exit codes: 0 after a clean stop, 1 when start-up fails at run time (EAL,
// ports, the API socket), 2 for a bad command line or configuration file.
#include "hnv/daemon/program.h"
#include "hnv/hostd/config.h"
#include "hnv/hostd/host.h"

int main(int argc, char** argv) {
  return hnv::daemon::run<hnv::hostd::Host>("hnv-hostd", HNV_VERSION, hnv::hostd::loadHostConfig, argc, argv);
}
