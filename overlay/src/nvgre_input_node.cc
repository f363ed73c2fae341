#include "hnv/overlay/nvgre_input_node.h"

#include "hnv/dp/dispatch.h"
#include "hnv/wire/nvgre.h"

namespace hnv::overlay {

std::uint16_t NvgreInputNode::process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count) {
  const VsidTable* vsids = dp::nodeState<OverlayContext>(node).vsids->get();
  dp::Dispatch<NvgreInputNode> out(graph, node, objs, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    dp::PacketMeta& pm = dp::meta(m);
    auto nv = wire::parseNvgre(dp::bytes(m).subspan(pm.l4Offset));
    if (!nv) {
      out.drop(m, nv.error().code == wire::WireErrc::Truncated ? Error::Truncated : Error::NotNvgre);
      continue;
    }
    pm.vsid = nv->vsid.value();
    if (!nv->vsid.isTenantUsable()) {
      out.drop(m, Error::ReservedVsid);
      continue;
    }
    auto tenant = vsids->find(nv->vsid);
    if (!tenant) {
      out.drop(m, Error::UnknownVsid);
      continue;
    }
    pm.tenant = tenant->index();
    // Tenant delivery (decap, validation, VRF) is not built yet.
    out.drop(m, Error::NoTenantPath);
  }
  return out.finish();
}

}  // namespace hnv::overlay
