#include "hnv/overlay/l2_flood_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/overlay/context.h"

namespace hnv::overlay {
namespace {

using Out = dp::Dispatch<L2FloodNode>;

// Where one copy goes: a local VM port, or a PA (or group) through the overlay.
struct Target {
  bool local = false;
  std::uint16_t port = 0;
  const IpAddr* pa = nullptr;
};

// Sends `m` itself to `t`: the last copy needs no clone.
void send(Out& out, rte_mbuf* m, const Target& t, bool original) {
  dp::PacketMeta& pm = dp::meta(m);
  if (t.local) {
    pm.txPort = t.port;
  } else {
    fib::setNextHop(pm, *t.pa);
  }
  const auto next = t.local ? L2FloodNode::Next::Tx : L2FloodNode::Next::Encap;
  if (original) {
    out.to(m, next);
  } else {
    out.emit(m, next);
  }
}

}  // namespace

std::uint16_t L2FloodNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const auto& ctx = dp::nodeState<OverlayContext>(node);
  const OverlayPolicy& pol = *ctx.policy->get();
  Out out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    const dp::PacketMeta pm = dp::meta(m);
    const Vsid vsid = metaVsid(pm);
    const bool fromOverlay = (pm.flags & kMetaFlagFromOverlay) != 0;
    const VsidInfo* info = pol.vsid(vsid);
    // Every copy but the last is a clone; the packet itself goes last.
    std::optional<Target> pending;
    bool failed = false;
    auto add = [&](const Target& t) {
      if (pending) {
        rte_mbuf* copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
        if (copy == nullptr) {
          failed = true;
        } else {
          dp::meta(copy) = pm;
          send(out, copy, *pending, false);
        }
      }
      pending = t;
    };
    for (std::uint16_t port : pol.localPorts(vsid)) {
      if (fromOverlay || port != pm.rxPort) add(Target{true, port, nullptr});
    }
    if (!fromOverlay && info != nullptr) {
      if (info->multicastGroup) {
        add(Target{false, 0, &*info->multicastGroup});
      } else {
        for (const IpAddr& pa : info->remotePas) add(Target{false, 0, &pa});
      }
    }
    if (failed) out.count(Error::NoBuffer);
    if (pending) {
      send(out, m, *pending, true);
    } else {
      out.drop(m, Error::NoMembers);
    }
  }
  return out.finish();
}

}  // namespace hnv::overlay
