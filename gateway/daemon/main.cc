// hnvgwd: the multi-tenant NVGRE gateway appliance.
//
// Exit codes: 0 after a clean stop, 1 when start-up fails at run time (EAL,
// ports, the API socket), 2 for a bad command line or configuration file.
#include "hnv/daemon/program.h"
#include "hnv/gateway/config.h"
#include "hnv/gateway/gateway.h"

int main(int argc, char** argv) {
  return hnv::daemon::run<hnv::gateway::Gateway>("hnvgwd", HNV_VERSION, hnv::gateway::loadGatewayConfig, argc, argv);
}
