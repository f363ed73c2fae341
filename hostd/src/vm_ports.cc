#include "hnv/hostd/vm_ports.h"

#include <map>

#include "hnv/policy/document.h"

namespace hnv::hostd {

std::vector<overlay::VmPortBinding> ResolvedVmPorts::bindings() const {
  std::vector<overlay::VmPortBinding> out;
  out.reserve(bound.size());
  for (const auto& b : bound) out.push_back(b.binding);
  return out;
}

std::string_view bindingSourceName(BindingSource s) { return s == BindingSource::Controller ? "controller" : "config"; }

Result<ResolvedVmPorts> resolveVmPorts(std::string_view node, const boost::json::object& desired,
                                       std::span<const LocalVmPort> local) {
  auto objects = policy::documentItems<policy::VmPort>(desired);
  if (!objects) return objects.error();
  ResolvedVmPorts out;
  // The controller's objects for this node, by port name.
  std::map<std::string, const policy::VmPort*, std::less<>> fromController;
  for (const auto& o : *objects) {
    const std::string key = policy::KindTraits<policy::VmPort>::key(o);
    if (o.node != node) {
      out.problems.push_back("vm-port " + key + ": names node " + o.node + ", not this node (" + std::string(node) + ")");
      continue;
    }
    bool known = false;
    for (const auto& l : local) known = known || l.config.port == o.port;
    if (!known) {
      out.problems.push_back("vm-port " + key + ": this host's configuration has no VM port (\"role\": \"vm\") named " +
                             o.port);
      continue;
    }
    fromController.emplace(o.port, &o);
  }
  for (const auto& l : local) {
    auto it = fromController.find(l.config.port);
    if (it != fromController.end()) {
      const policy::VmPort& o = *it->second;
      out.bound.push_back({overlay::VmPortBinding{l.id, o.vsid, o.mac, o.allowedCas}, BindingSource::Controller,
                           o.vmName});
    }
  }
  // Configured bindings fill in where the controller says nothing, unless
  // the controller gave their (VSID, MAC) to another port.
  for (const auto& l : local) {
    if (fromController.count(l.config.port) != 0) continue;
    if (!l.config.vsid) {
      out.unbound.push_back(l.config.port);
      continue;
    }
    std::string taken;
    for (const auto& b : out.bound) {
      if (b.source == BindingSource::Controller && b.binding.vsid == *l.config.vsid && b.binding.mac == l.config.mac) {
        for (const auto& other : local) {
          if (other.id == b.binding.port) taken = other.config.port;
        }
      }
    }
    if (!taken.empty()) {
      out.problems.push_back("VM port " + l.config.port + ": its configured MAC " + l.config.mac.toString() +
                             " in VSID " + l.config.vsid->toString() + " is bound by the controller to port " + taken +
                             "; the port stays unbound");
      out.unbound.push_back(l.config.port);
      continue;
    }
    out.bound.push_back({overlay::VmPortBinding{l.id, *l.config.vsid, l.config.mac, {}}, BindingSource::Config, ""});
  }
  return out;
}

}  // namespace hnv::hostd
