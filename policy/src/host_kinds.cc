// VM ports (issue 4): a host's VM port joined to a virtual subnet with the
// VM's MAC and, optionally, the customer addresses the VM may send from.
#include "hnv/policy/kinds.h"
#include "read.h"

namespace hnv::policy {

namespace json = boost::json;
using detail::failed;

namespace {

constexpr std::size_t kMaxAllowedCas = 32;

}  // namespace

const std::string_view KindTraits<VmPort>::kName = "vm-ports";
const std::string_view KindTraits<VmPort>::kNoun = "vm-port";
const bool KindTraits<VmPort>::kSingleton = false;

std::span<const FieldSpec> KindTraits<VmPort>::fields() {
  static constexpr FieldSpec kFields[] = {
      {"node", FieldType::String, kRequired | kImmutable, "the host (a node of role host)"},
      {"port", FieldType::String, kRequired | kImmutable,
       "the VM port's name in the host's configuration (a port with \"role\": \"vm\")"},
      {"vsid", FieldType::Vsid, kRequired, "the virtual subnet the VM's adapter joins"},
      {"mac", FieldType::Mac, kRequired, "the VM's MAC; frames from another source MAC are dropped"},
      {"allowedCas", FieldType::PrefixList, 0,
       "up to 32 prefixes inside the virtual subnet's prefixes: the VM may send only from these addresses "
       "(and from 0.0.0.0, ::, and IPv6 link-local ones); absent or empty: any address"},
      {"vmName", FieldType::String, 0, "the VM's name, for operators"},
  };
  return kFields;
}

std::string KindTraits<VmPort>::key(const VmPort& v) { return v.node + "/" + v.port; }

Result<VmPort> KindTraits<VmPort>::fromJson(const ConfigNode& n) {
  Error e;
  if (auto s = detail::expectFields(n, fields()); !s) return s.error();
  VmPort out;
  auto node = detail::readName(n["node"]);
  if (failed(node, e)) return e;
  out.node = *node;
  auto port = detail::readName(n["port"]);
  if (failed(port, e)) return e;
  out.port = *port;
  auto vsid = detail::readVsid(n["vsid"]);
  if (failed(vsid, e)) return e;
  out.vsid = *vsid;
  auto mac = detail::readMac(n["mac"]);
  if (failed(mac, e)) return e;
  if (mac->isMulticast() || mac->isZero()) return n["mac"].error(mac->toString(), "must be a unicast, non-zero MAC");
  out.mac = *mac;
  if (n["allowedCas"].present()) {
    auto count = n["allowedCas"].arraySize();
    if (failed(count, e)) return e;
    if (*count > kMaxAllowedCas) return n["allowedCas"].error(std::to_string(*count), "at most 32 prefixes");
    for (std::size_t i = 0; i < *count; ++i) {
      auto p = detail::readPrefix(n["allowedCas"].at(i));
      if (failed(p, e)) return e;
      out.allowedCas.push_back(*p);
    }
  }
  auto name = detail::readText(n["vmName"], 256, "");
  if (failed(name, e)) return e;
  out.vmName = *name;
  return out;
}

json::object KindTraits<VmPort>::toJson(const VmPort& v) {
  json::object o;
  o["node"] = v.node;
  o["port"] = v.port;
  o["vsid"] = v.vsid.value();
  o["mac"] = v.mac.toString();
  json::array cas;
  for (const auto& p : v.allowedCas) cas.emplace_back(p.toString());
  o["allowedCas"] = std::move(cas);
  if (!v.vmName.empty()) o["vmName"] = v.vmName;
  return o;
}

}  // namespace hnv::policy
