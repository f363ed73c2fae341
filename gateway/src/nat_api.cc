// The "nat-sessions" method of the local API (Get-NetNatSession): the NAT44
// sessions of every worker, filtered by tenant, protocol, inside address
// and external address, at most `limit` of them.
#include <boost/json/array.hpp>

#include "hnv/daemon/params.h"
#include "hnv/gateway/gateway.h"

namespace hnv::gateway {

namespace json = boost::json;

namespace {

std::string endpoint(const Ipv4Addr& a, std::uint16_t port) { return a.toString() + ":" + std::to_string(port); }

const char* tcpState(const nat::Session& s) {
  if ((s.tcp & nat::kRst) != 0) return "reset";
  if ((s.tcp & (nat::kFinIn | nat::kFinOut)) != 0) return "closing";
  if (s.tcpEstablished()) return "established";
  return "opening";
}

Result<std::optional<Ipv4Addr>> optAddress(const json::object& p, std::string_view key) {
  auto text = daemon::optString(p, key);
  if (!text) return text.error();
  if (text->empty()) return std::optional<Ipv4Addr>();
  auto a = Ipv4Addr::parse(*text);
  if (!a) return makeError(Errc::InvalidArgument, "params." + std::string(key), *text, "must be an IPv4 address");
  return std::optional<Ipv4Addr>(*a);
}

}  // namespace

Result<json::value> Gateway::natSessionsJson(const json::object& p) {
  const overlay::OverlayPolicy& pol = *policy_->get();
  auto tenantText = daemon::optString(p, "tenant");
  if (!tenantText) return tenantText.error();
  std::optional<TenantId> tenant;
  if (!tenantText->empty()) {
    auto rdid = Rdid::parse(*tenantText);
    if (!rdid) return makeError(Errc::InvalidArgument, "params.tenant", *tenantText, "must be a routing domain id (GUID)");
    tenant = pol.tenant(*rdid);
    if (!tenant) return makeError(Errc::NotFound, "params.tenant", *tenantText, "is not placed on this gateway");
  }
  auto protoText = daemon::optString(p, "protocol");
  if (!protoText) return protoText.error();
  std::optional<nat::Proto> proto;
  if (!protoText->empty()) {
    for (int i = 0; i < nat::kProtoCount; ++i) {
      if (*protoText == nat::protoName(static_cast<nat::Proto>(i))) proto = static_cast<nat::Proto>(i);
    }
    if (!proto) return makeError(Errc::InvalidArgument, "params.protocol", *protoText, "must be tcp, udp or icmp");
  }
  auto inside = optAddress(p, "inside");
  if (!inside) return inside.error();
  auto external = optAddress(p, "external");
  if (!external) return external.error();
  auto limit = daemon::optUint(p, "limit", 1, 100000, 1000);
  if (!limit) return limit.error();

  const std::uint64_t now = natCtx_.nowMs();
  json::array out;
  std::uint64_t matched = 0;
  natCtx_.forEachSession([&](const nat::Session& s) {
    if (now > s.lastMs && now - s.lastMs > s.timeoutMs) return true;  // expired, not yet freed
    if ((tenant && s.tenant != *tenant) || (proto && s.proto != *proto) || (*inside && s.inAddr != **inside) ||
        (*external && s.extAddr != **external)) {
      return true;
    }
    ++matched;
    if (out.size() >= *limit) return true;  // keep counting
    auto rdid = pol.rdidOf(s.tenant);
    json::object o{{"tenant", rdid ? rdid->toString() : s.tenant.toString()},
                   {"protocol", nat::protoName(s.proto)},
                   {"inside", endpoint(s.inAddr, s.inPort)},
                   {"external", endpoint(s.extAddr, s.extPort)},
                   {"remote", endpoint(s.remAddr, s.remPort)},
                   {"opened_from", s.fromOutside ? "outside" : "inside"},
                   {"idle_ms", now > s.lastMs ? now - s.lastMs : 0},
                   {"timeout_s", s.timeoutMs / 1000},
                   {"age_ms", now > s.createdMs ? now - s.createdMs : 0},
                   {"packets_in2out", s.packetsIn},
                   {"packets_out2in", s.packetsOut},
                   {"bytes_in2out", s.bytesIn},
                   {"bytes_out2in", s.bytesOut}};
    if (s.proto == nat::Proto::Tcp) o["tcp_state"] = tcpState(s);
    out.push_back(std::move(o));
    return true;
  });
  return json::object{{"sessions", std::move(out)}, {"matched", matched}, {"truncated", matched > *limit}};
}

}  // namespace hnv::gateway
