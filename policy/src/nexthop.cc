#include "hnv/policy/nexthop.h"

#include "read.h"

namespace hnv::policy {

namespace json = boost::json;

namespace {

struct Candidate {
  Prefix prefix;
  Vsid vsid;
  IpAddr nextHop;
  std::uint32_t metric;
  bool fromSubnet;
};

// True if a is a better route than b (the rules of nexthop.h).
bool better(const Candidate& a, const Candidate& b) {
  if (a.prefix.length() != b.prefix.length()) return a.prefix.length() > b.prefix.length();
  if (a.metric != b.metric) return a.metric < b.metric;
  if (a.fromSubnet != b.fromSubnet) return a.fromSubnet;
  return a.vsid < b.vsid;
}

IpAddr unspecifiedLike(const IpAddr& a) { return a.isV4() ? IpAddr(Ipv4Addr()) : IpAddr(Ipv6Addr()); }

// The MAC behind a CA in a VSID: its record, or the VSID's GatewayWildcard.
const LookupRecord* resolve(const PolicyState& state, Vsid vsid, const IpAddr& ca, bool& viaWildcard) {
  const LookupRecord* found = nullptr;
  state.forEachWithPrefix<LookupRecord>(lookupRecordPrefix(vsid, ca),
                                        [&](const std::string&, const Stored<LookupRecord>& r) {
                                          if (found == nullptr) found = &r.object;
                                        });
  viaWildcard = false;
  if (found != nullptr) return found;
  state.forEachWithPrefix<LookupRecord>(lookupRecordPrefix(vsid, unspecifiedLike(ca)),
                                        [&](const std::string&, const Stored<LookupRecord>& r) {
                                          if (found == nullptr && r.object.type == RecordType::GatewayWildcard) {
                                            found = &r.object;
                                          }
                                        });
  viaWildcard = found != nullptr;
  return found;
}

}  // namespace

Result<NextHop> selectNextHop(const PolicyState& state, const NextHopQuery& q) {
  const auto* source = state.subnet(q.sourceVsid);
  if (source == nullptr) {
    return makeError(Errc::NotFound, "sourceVsid", q.sourceVsid.toString(), "no such virtual subnet");
  }
  std::optional<MacAddr> senderMac;
  if (q.sourceCa) {
    if (!q.sourceCa->sameFamily(q.destinationCa)) {
      return makeError(Errc::InvalidArgument, "sourceCa", q.sourceCa->toString(),
                       "is not of the destination's address family");
    }
    bool wildcard = false;
    const auto* rec = resolve(state, q.sourceVsid, *q.sourceCa, wildcard);
    if (rec == nullptr || wildcard) {
      return makeError(Errc::NotFound, "sourceCa", q.sourceCa->toString(),
                       "has no lookup record in VSID " + q.sourceVsid.toString());
    }
    senderMac = rec->mac;
  }

  bool external = state.global().useExternalRouter;
  std::optional<Candidate> best;
  auto consider = [&](const Candidate& c) {
    if (!c.prefix.contains(q.destinationCa)) return;
    bool onLink = c.nextHop.isUnspecified();
    if (external && onLink && c.vsid != q.sourceVsid) return;
    if (!best || better(c, *best)) best = c;
  };
  for (const auto& [key, s] : state.table<VirtualSubnet>()) {
    if (!(s.object.rdid == source->rdid)) continue;
    for (const auto& p : s.object.prefixes) {
      consider({p.prefix, s.object.vsid, unspecifiedLike(q.destinationCa), 0, true});
    }
  }
  state.forEachWithPrefix<CustomerRoute>(source->rdid.toString() + "/", [&](const std::string&, const auto& r) {
    consider({r.object.destination, r.object.vsid, r.object.nextHop, r.object.metric, false});
  });

  NextHop out{q.destinationCa, q.sourceVsid, std::nullopt, MacAddr(), ""};
  if (best) {
    bool onLink = best->nextHop.isUnspecified();
    out.nextHop = onLink ? q.destinationCa : best->nextHop;
    out.nextHopVsid = best->vsid;
    out.reason = (best->fromSubnet ? "on-link " : "customer route ") + best->prefix.toString() +
                 (onLink ? "" : " via " + best->nextHop.toString()) + " in VSID " + best->vsid.toString();
  } else {
    out.reason = "no route; outside the virtual network";
  }
  bool wildcard = false;
  const auto* rec = resolve(state, out.nextHopVsid, out.nextHop, wildcard);
  if (rec == nullptr) {
    if (!best) {
      return makeError(Errc::NotFound, "destinationCa", q.destinationCa.toString(),
                       "no route in routing domain " + source->rdid.toString() +
                           " covers it and VSID " + q.sourceVsid.toString() + " has no GatewayWildcard");
    }
    return makeError(Errc::NotFound, "destinationCa", q.destinationCa.toString(),
                     "next hop " + out.nextHop.toString() + " (" + out.reason + ") has no lookup record");
  }
  if (wildcard) out.reason += "; behind the GatewayWildcard of VSID " + out.nextHopVsid.toString();
  out.nextHopMac = rec->mac;
  if (out.nextHopVsid == q.sourceVsid) {
    out.sourceMac = senderMac;
  } else {
    // Routed by the distributed router: it rewrites the source MAC to its own
    // MAC in the next hop's subnet.
    out.sourceMac = state.subnet(out.nextHopVsid)->defaultGatewayMac;
    out.reason += "; routed by the distributed router";
  }
  return out;
}

Result<NextHopQuery> nextHopQueryFromJson(const json::value& v) {
  ConfigNode n(&v, "");
  if (auto s = n.expectObject({"sourceCa", "destinationCa", "sourceVsid"}); !s) return s.error();
  auto vsid = detail::readVsid(n["sourceVsid"]);
  if (!vsid) return vsid.error();
  auto dest = detail::readIp(n["destinationCa"]);
  if (!dest) return dest.error();
  NextHopQuery q{std::nullopt, *dest, *vsid};
  if (n["sourceCa"].present()) {
    auto src = detail::readIp(n["sourceCa"]);
    if (!src) return src.error();
    q.sourceCa = *src;
  }
  return q;
}

json::object nextHopToJson(const NextHop& n) {
  json::object o;
  o["nextHop"] = n.nextHop.toString();
  o["nextHopVsid"] = n.nextHopVsid.value();
  if (n.sourceMac) {
    o["sourceMac"] = n.sourceMac->toString();
  } else {
    o["sourceMac"] = nullptr;
  }
  o["nextHopMac"] = n.nextHopMac.toString();
  o["reason"] = n.reason;
  return o;
}

}  // namespace hnv::policy
