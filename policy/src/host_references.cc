// Rules across objects for VM ports: the host and the virtual subnet exist,
// the allowed CAs lie inside the subnet's prefixes, and a MAC is on one port
// per (host, VSID). The node's and the subnet's removal rules for their VM
// ports are in references.cc.
#include "hnv/policy/references.h"
#include "references_detail.h"

namespace hnv::policy {

using detail::missing;

template <>
Status checkPut(const PolicyState& state, const VmPort& v) {
  const auto* node = state.find<NodeEntry>(v.node);
  if (node == nullptr) return missing("node", v.node, "node");
  if (node->object.role != NodeRole::Host) {
    return fieldError("node", v.node, "is a gateway; VM ports are on hosts (role host)");
  }
  const VirtualSubnet* subnet = state.subnet(v.vsid);
  if (subnet == nullptr) return missing("vsid", v.vsid.toString(), "virtual subnet");
  for (std::size_t i = 0; i < v.allowedCas.size(); ++i) {
    const Prefix& p = v.allowedCas[i];
    bool inside = false;
    for (const auto& sp : subnet->prefixes) {
      inside = inside || (sp.prefix.overlaps(p) && sp.prefix.length() <= p.length());
    }
    if (!inside) {
      return fieldError("allowedCas[" + std::to_string(i) + "]", p.toString(),
                        "is not inside a prefix of virtual subnet " + v.vsid.toString());
    }
  }
  const std::string self = KindTraits<VmPort>::key(v);
  Status result = okStatus();
  state.forEachWithPrefix<VmPort>(v.node + "/", [&](const std::string& key, const Stored<VmPort>& o) {
    if (key != self && result && o.object.vsid == v.vsid && o.object.mac == v.mac) {
      result = fieldError("mac", v.mac.toString(),
                          "is the MAC of VM port " + key + " in VSID " + v.vsid.toString() +
                              "; a MAC is on one port of a host per virtual subnet",
                          Errc::Conflict);
    }
  });
  return result;
}

template <>
Status checkRemove(const PolicyState&, const VmPort&) {
  return okStatus();
}

// Infrastructure, like the node: only an administrator places VMs on ports
// (a tenant token could otherwise take another tenant's port).
template <>
std::optional<Rdid> owningDomain(const PolicyState&, const VmPort&) {
  return std::nullopt;
}

}  // namespace hnv::policy
