#include "hnv/vpn/module.h"

#include "hnv/vpn/esp_encrypt_node.h"
#include "hnv/vpn/esp_input_node.h"
#include "node_util.h"

namespace hnv::vpn {

Status addVpnNodes(dp::NodeCatalog& catalog, VpnContext& ctx, unsigned workers) {
  ctx.workers.clear();
  for (unsigned i = 0; i < (workers == 0 ? 1 : workers); ++i) {
    auto w = std::make_unique<VpnWorker>();
    w->ctx = &ctx;
    w->queuePair = static_cast<std::uint16_t>(i);
    ctx.workers.push_back(std::move(w));
  }
  auto state = [&ctx](unsigned worker) -> void* {
    return ctx.workers[worker < ctx.workers.size() ? worker : 0].get();
  };
  for (auto st : {catalog.add(dp::describeNode<EspEncryptNode>(state)),
                  catalog.add(dp::describeNode<EspInputNode>(state))}) {
    if (!st) return st;
  }
  return okStatus();
}

}  // namespace hnv::vpn
