#include "render.h"

#include <boost/json/serialize.hpp>
#include <iomanip>

namespace hnv::tools {
namespace {

namespace json = boost::json;

std::string str(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return json::serialize(v);
}

void renderCounters(std::ostream& out, const json::array& rows) {
  std::size_t width = 10;
  for (const auto& r : rows) width = std::max(width, r.as_object().at("key").as_string().size());
  for (const auto& r : rows) {
    const auto& o = r.as_object();
    out << std::left << std::setw(static_cast<int>(width) + 2) << str(o.at("key")) << str(o.at("value")) << "\n";
  }
}

void renderPorts(std::ostream& out, const json::array& rows) {
  for (const auto& r : rows) {
    const auto& o = r.as_object();
    out << str(o.at("name")) << " (port " << str(o.at("id")) << ") mac " << str(o.at("mac")) << " mtu "
        << str(o.at("mtu")) << " link " << (o.at("link_up").as_bool() ? "up" : "down") << "\n";
    for (const auto& a : o.at("addresses").as_array()) out << "  address " << str(a) << "\n";
    for (const auto& [k, v] : o.at("stats").as_object()) out << "  " << std::string(k) << " " << str(v) << "\n";
  }
}

void renderTrace(std::ostream& out, const json::array& rows) {
  if (rows.empty()) out << "no traced packets (arm with 'hnvctl trace start', then send traffic)\n";
  for (const auto& r : rows) {
    const auto& o = r.as_object();
    out << "packet " << str(o.at("trace_id")) << " (worker " << str(o.at("worker")) << ", port "
        << str(o.at("rx_port")) << ", " << str(o.at("length")) << " bytes): " << str(o.at("summary")) << "\n";
    for (const auto& s : o.at("path").as_array()) {
      const auto& step = s.as_object();
      out << "  " << std::left << std::setw(14) << str(step.at("node"));
      if (const auto* d = step.if_contains("dropped")) out << "dropped: " << str(*d);
      if (const auto* n = step.if_contains("next")) out << "-> " << str(*n);
      if (const auto* e = step.if_contains("end")) out << str(*e);
      out << "\n";
    }
  }
}

// The gateway's tenants: external interfaces, then each VRF's routes.
void renderTenants(std::ostream& out, const json::object& r) {
  out << "external interfaces:\n";
  for (const auto& x : r.at("interfaces").as_array()) {
    const auto& o = x.as_object();
    const auto vlan = o.at("vlan").to_number<unsigned>();
    out << "  " << std::left << std::setw(44) << str(o.at("name")) << " tenant " << str(o.at("tenant")) << "  port "
        << str(o.at("port")) << (vlan == 0 ? " untagged" : " vlan " + std::to_string(vlan)) << "  "
        << str(o.at("address"));
    if (const auto* a6 = o.if_contains("address6")) out << "  " << str(*a6);
    out << "  mac " << str(o.at("mac")) << "  mtu " << str(o.at("mtu")) << "\n";
  }
  for (const auto& v : r.at("vrfs").as_array()) {
    const auto& o = v.as_object();
    out << "vrf of tenant " << str(o.at("tenant")) << ":\n";
    for (const auto& rt : o.at("routes").as_array()) {
      const auto& e = rt.as_object();
      out << "  " << std::left << std::setw(20) << str(e.at("prefix")) << std::setw(9) << str(e.at("target"));
      if (!e.at("next_hop").is_null()) out << " via " << str(e.at("next_hop"));
      if (const auto* i = e.if_contains("interface")) out << " dev " << str(*i);
      out << "  metric " << str(e.at("metric")) << "  (" << str(e.at("origin")) << ")\n";
    }
  }
}

// One line per session, like Get-NetNatSession's table.
void renderNatSessions(std::ostream& out, const json::object& r) {
  const auto& sessions = r.at("sessions").as_array();
  out << std::left << std::setw(38) << "tenant" << std::setw(6) << "proto" << std::setw(22) << "inside" << std::setw(22)
      << "external" << std::setw(22) << "remote" << std::setw(12) << "state" << "idle/timeout\n";
  for (const auto& v : sessions) {
    const auto& s = v.as_object();
    const auto* tcp = s.if_contains("tcp_state");
    out << std::left << std::setw(38) << str(s.at("tenant")) << std::setw(6) << str(s.at("protocol")) << std::setw(22)
        << str(s.at("inside")) << std::setw(22) << str(s.at("external")) << std::setw(22) << str(s.at("remote"))
        << std::setw(12) << (tcp != nullptr ? str(*tcp) : std::string("-"))
        << std::to_string(s.at("idle_ms").to_number<std::uint64_t>() / 1000) << "s/" << str(s.at("timeout_s")) << "s\n";
  }
  out << sessions.size() << " of " << str(r.at("matched")) << " matching session(s)"
      << (r.at("truncated").as_bool() ? " (raise --limit for more)" : "") << "\n";
}

// Get-VpnS2SInterfaceStatistics: one block per S2S interface.
void renderVpnInterfaces(std::ostream& out, const json::object& r) {
  if (!r.at("enabled").as_bool()) {
    out << "site-to-site VPN is not enabled (no \"vpn\" section in the configuration)\n";
    return;
  }
  out << "crypto " << str(r.at("crypto")) << ", hnv-iked " << (r.at("iked_connected").as_bool() ? "connected" : "NOT connected")
      << "\n";
  for (const auto& v : r.at("interfaces").as_array()) {
    const auto& x = v.as_object();
    out << str(x.at("name")) << ": " << str(x.at("state")) << " (ike " << str(x.at("ike")) << ", child " << str(x.at("child"))
        << ") " << str(x.at("local")) << " -> " << str(x.at("remote"));
    if (!x.at("lastError").as_string().empty()) out << ", last error: " << str(x.at("lastError"));
    out << "\n";
    for (const auto& s : x.at("sas").as_array()) {
      const auto& a = s.as_object();
      out << "  " << str(a.at("direction")) << " spi " << str(a.at("spi")) << " " << str(a.at("cipher")) << " encap "
          << str(a.at("encapsulation")) << ": " << str(a.at("packets")) << " packets, " << str(a.at("bytes"))
          << " bytes, replayed " << str(a.at("replayed")) << ", auth failed " << str(a.at("authFailed")) << "\n";
    }
  }
}

void renderCluster(std::ostream& out, const json::object& r) {
  if (!r.at("clustered").as_bool()) {
    out << "not a cluster member (no \"cluster\" section in the configuration)\n";
    return;
  }
  out << "member " << str(r.at("member")) << ": " << str(r.at("role"));
  if (const auto* e = r.if_contains("epoch")) out << ", epoch " << str(*e);
  out << (r.at("fenced").as_bool() ? ", data plane fenced" : ", forwarding") << "\n";
  if (const auto* p = r.if_contains("problem")) out << "  " << str(*p) << "\n";
  if (const auto* peer = r.if_contains("peer"); peer != nullptr && peer->is_object()) {
    const auto& x = peer->as_object();
    out << "peer " << str(x.at("name")) << ": " << (x.at("alive").as_bool() ? "alive" : "NOT HEARD");
    if (!x.at("role").is_null()) out << ", " << str(x.at("role")) << (x.at("synced").as_bool() ? ", synced" : ", not synced");
    if (!x.at("last_heard_ms").is_null()) out << ", last heard " << str(x.at("last_heard_ms")) << " ms ago";
    out << "\n";
  }
  if (const auto* w = r.if_contains("witness"); w != nullptr && w->is_object()) {
    const auto& x = w->as_object();
    out << "witness: " << (x.at("reachable").as_bool() ? "reachable" : "UNREACHABLE");
    if (!x.at("last_error").as_string().empty()) out << " (" << str(x.at("last_error")) << ")";
    if (!x.at("holder").as_string().empty()) out << ", lease held by " << str(x.at("holder"));
    out << "\n";
  }
  if (const auto* f = r.if_contains("last_activation"); f != nullptr && f->is_object()) {
    const auto& x = f->as_object();
    out << "last activation " << str(x.at("ago_ms")) << " ms ago: " << str(x.at("why"));
    if (!x.at("peer_silence_ms").is_null()) out << " (peer silent " << str(x.at("peer_silence_ms")) << " ms)";
    out << "\n";
  }
  if (const auto* ike = r.if_contains("ike_state_sync")) {
    out << "ike state sync: " << str(*ike);
    if (const auto* rs = r.if_contains("ike_resyncs"); rs != nullptr && rs->is_object()) {
      const auto& x = rs->as_object();
      if (x.at("missing_outbound_sas").to_number<std::uint64_t>() != 0) {
        out << "; " << str(x.at("missing_outbound_sas")) << " outbound SAs of the active missing here";
      }
      out << "; resyncs asked " << str(x.at("asked")) << ", served " << str(x.at("served"));
    }
    out << "\n";
  }
}

}  // namespace

// Like ping(8): one line per probe, then the summary.
void renderPing(std::ostream& out, const json::object& r) {
  const bool caTest = r.contains("routing");
  const auto& rtts = r.at("rtt_ms").as_array();
  for (std::size_t i = 0; i < rtts.size(); ++i) {
    out << "seq " << i << ": ";
    if (rtts[i].is_null()) {
      out << "no reply\n";
    } else {
      out << "reply from " << str(r.at(caTest ? "receiver" : "target")) << " time=" << rtts[i].to_number<double>() << " ms\n";
    }
  }
  out << str(r.at("sent")) << " sent, " << str(r.at("received")) << " received, from "
      << str(r.at(caTest ? "sender" : "source"));
  if (r.contains("min_ms")) {
    out << "; rtt min/avg/max " << r.at("min_ms").to_number<double>() << "/" << r.at("avg_ms").to_number<double>()
        << "/" << r.at("max_ms").to_number<double>() << " ms";
  } else if (r.contains("avg_ms")) {
    out << "; rtt avg " << r.at("avg_ms").to_number<double>() << " ms";
  }
  out << "\n";
  if (caTest) out << "routing: " << json::serialize(r.at("routing")) << "\n";
}

void render(std::ostream& out, std::string_view method, const json::value& reply) {
  if ((method == "pa.ping" || method == "ca.test") && reply.is_object() && reply.as_object().contains("rtt_ms")) {
    return renderPing(out, reply.as_object());
  }
  if (method == "counters" && reply.is_array()) return renderCounters(out, reply.as_array());
  if (method == "ports" && reply.is_array()) return renderPorts(out, reply.as_array());
  if (method == "trace.show" && reply.is_array()) return renderTrace(out, reply.as_array());
  if (method == "tenants" && reply.is_object()) return renderTenants(out, reply.as_object());
  if (method == "nat-sessions" && reply.is_object()) return renderNatSessions(out, reply.as_object());
  if (method == "vpn-interfaces" && reply.is_object()) return renderVpnInterfaces(out, reply.as_object());
  if (method == "cluster" && reply.is_object()) return renderCluster(out, reply.as_object());
  if (reply.is_object()) {
    for (const auto& [k, v] : reply.as_object()) out << std::string(k) << ": " << str(v) << "\n";
    return;
  }
  out << json::serialize(reply) << "\n";
}

}  // namespace hnv::tools
