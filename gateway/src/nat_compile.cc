#include "hnv/gateway/nat_compile.h"

#include <map>

#include "hnv/base/log.h"
#include "hnv/policy/document.h"

namespace hnv::gateway {
namespace {

const Logger kLog("gateway");

std::string at(std::string_view kind, std::size_t i) { return std::string(kind) + "[" + std::to_string(i) + "]"; }

}  // namespace

std::optional<nat::NatCounterIds> registerNatCounters(CounterRegistry& reg, const Rdid& rdid) {
  const std::string tenant = rdid.toString();
  static constexpr std::string_view kReasons[nat::NatCounterIds::kDropReasons] = {
      "no-instance", "no-mapping", "filtered", "quota-exceeded", "ports-exhausted", "table-full", "fragment",
      "unsupported"};
  nat::NatCounterIds ids;
  auto created = reg.add({"hnv_nat_sessions_created_total", {{"tenant", tenant}}, "NAT44 sessions created for a tenant"});
  if (!created) {
    kLog.warn("counter registry full: tenant's NAT not counted", {{"tenant", tenant}});
    return std::nullopt;
  }
  ids.sessionsCreated = *created;
  for (int i = 0; i < nat::NatCounterIds::kDropReasons; ++i) {
    auto d = reg.add({"hnv_nat_drops_total", {{"tenant", tenant}, {"reason", std::string(kReasons[i])}},
                      "Packets of a tenant NAT44 dropped, by reason"});
    if (!d) {
      kLog.warn("counter registry full: tenant's NAT not counted", {{"tenant", tenant}});
      return std::nullopt;
    }
    ids.drops[i] = *d;
  }
  return ids;
}

Result<nat::NatConfig> compileNatConfig(const boost::json::object& desired, const overlay::OverlayPolicy& pol,
                                        const NatCountersOf& counters) {
  using policy::KindTraits;
  auto instances = policy::documentItems<policy::NatInstance>(desired);
  if (!instances) return instances.error();
  auto addresses = policy::documentItems<policy::NatExternalAddress>(desired);
  if (!addresses) return addresses.error();
  auto statics = policy::documentItems<policy::NatStaticMapping>(desired);
  if (!statics) return statics.error();

  std::vector<nat::Instance> out;
  std::map<std::string, std::size_t> byRdid;  // rdid -> index in out
  for (std::size_t i = 0; i < instances->size(); ++i) {
    const auto& n = (*instances)[i];
    auto tenant = pol.tenant(n.rdid);
    if (!tenant) continue;  // not placed here
    auto outside = pol.tenant(n.externalRdid);
    if (!outside) {
      return makeError(Errc::NotFound, at(KindTraits<policy::NatInstance>::kName, i) + ".externalRdid",
                       n.externalRdid.toString(),
                       "the outside routing domain is not placed on this gateway (place it beside " +
                           n.rdid.toString() + ")");
    }
    nat::Instance x;
    x.tenant = *tenant;
    x.outside = *outside;
    x.name = n.rdid.toString();
    x.filtering = n.filtering == policy::NatFiltering::AddressDependent ? nat::Filtering::AddressDependent
                                                                         : nat::Filtering::EndpointIndependent;
    x.timeouts.icmpQuery = n.icmpQueryTimeout;
    x.timeouts.tcpEstablished = n.tcpEstablishedTimeout;
    x.timeouts.tcpTransient = n.tcpTransientTimeout;
    x.timeouts.udpIdle = n.udpIdleTimeout;
    x.timeouts.udpInboundRefresh = n.udpInboundRefresh;
    x.maxSessions = n.maxSessions;
    if (counters) x.counters = counters(n.rdid);
    byRdid.emplace(x.name, out.size());
    out.push_back(std::move(x));
  }
  for (const auto& a : *addresses) {
    auto it = byRdid.find(a.rdid.toString());
    if (it == byRdid.end()) continue;
    out[it->second].addresses.push_back({a.address.v4(), a.firstPort, a.lastPort});
  }
  for (const auto& s : *statics) {
    auto it = byRdid.find(s.rdid.toString());
    if (it == byRdid.end()) continue;
    nat::StaticMapping m;
    m.proto = s.protocol == policy::NatProtocol::Udp ? nat::Proto::Udp : nat::Proto::Tcp;
    m.externalAddress = s.externalAddress.v4();
    m.externalPort = s.externalPort;
    m.internalAddress = s.internalAddress.v4();
    m.internalPort = s.internalPort;
    m.remotePrefix = s.remotePrefix;
    out[it->second].statics.push_back(m);
  }
  return nat::NatConfig::build(std::move(out));
}

}  // namespace hnv::gateway
