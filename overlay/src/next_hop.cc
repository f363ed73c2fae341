#include "hnv/overlay/next_hop.h"

namespace hnv::overlay {

Result<NextHop> selectNextHop(const OverlayPolicy& pol, Vsid source, const IpAddr& dst) {
  const VsidInfo* info = pol.vsid(source);
  if (info == nullptr) {
    return makeError(Errc::NotFound, "vsid", std::to_string(source.value()), "is not in this node's policy");
  }
  NextHop h;
  auto place = [&](Vsid v, const RecordEntry& r) {
    h.vsid = v;
    h.mac = r.mac;
    if (auto port = pol.localPort(v, r.mac)) {
      h.localPort = *port;
    } else {
      h.pa = r.pa;
    }
  };
  if (pol.isRouterAddress(source, dst)) {
    h.via = "default-gateway";
    h.vsid = source;
    h.mac = info->routerMac;
  } else if (const RecordEntry* r = pol.byCa(source, dst)) {
    h.via = "on-link";
    place(source, *r);
  } else if (const RoutedEntry* e = pol.route(info->tenant, dst)) {
    h.via = "routed";
    place(e->vsid, e->record);
  } else if (const RecordEntry* w = pol.wildcard(source, dst.isV6())) {
    h.via = "gateway";
    place(source, *w);
  } else {
    h.via = "none";
    h.vsid = source;
  }
  return h;
}

boost::json::object NextHop::toJson() const {
  boost::json::object o{{"via", via}, {"vsid", vsid.value()}};
  if (via == "none") return o;
  o["mac"] = mac.toString();
  if (pa) o["pa"] = pa->toString();
  if (localPort) o["local_port"] = *localPort;
  return o;
}

}  // namespace hnv::overlay
