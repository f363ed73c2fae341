// The tenants the gateway benchmarks generate, shared by gateway_bench and
// nat_bench (and written again, in Python, by bench/peers/traffic.py for
// the peers' pcaps): tenant t (from 0) is routing domain rdidOf(t) with
// VSID 10000 + t and subnet 10.0.1.0/24, its VM 10.0.1.10 (MAC 02:0a:<t>)
// on host t % 64 (PA 192.0.2.(11 + h), MAC 02:0b:<h>), the gateway's PA
// 192.0.2.1 (MAC 02:00:00:00:00:01) and its GatewayWildcard MAC 02:fe:<t>.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/base/vsid.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/nvgre.h"

namespace hnv::bench {

inline constexpr std::uint32_t kHosts = 64;
inline constexpr std::uint32_t kFirstVsid = 10000;
inline constexpr std::uint16_t kUnderlay = 0;  // the underlay's port id

// 02:<kind>:<n as 4 bytes>.
inline MacAddr macOf(std::uint8_t kind, std::uint32_t n) {
  const std::uint8_t b[6] = {0x02,
                             kind,
                             static_cast<std::uint8_t>(n >> 24),
                             static_cast<std::uint8_t>(n >> 16),
                             static_cast<std::uint8_t>(n >> 8),
                             static_cast<std::uint8_t>(n)};
  return MacAddr::fromBytes(b);
}
inline const MacAddr kUnderlayMac = macOf(0x00, 1);
inline MacAddr hostMac(std::uint32_t h) { return macOf(0x0b, h); }
inline MacAddr vmMac(std::uint32_t t) { return macOf(0x0a, t); }
inline MacAddr gatewayMac(std::uint32_t t) { return macOf(0xfe, t); }
inline const Ipv4Addr kGwPa = *Ipv4Addr::parse("192.0.2.1");
inline Ipv4Addr hostPa(std::uint32_t h) { return Ipv4Addr::fromHost(kGwPa.host() + 10 + h); }
inline std::uint32_t hostOf(std::uint32_t t) { return t % kHosts; }
inline const Ipv4Addr kVm = *Ipv4Addr::parse("10.0.1.10");

inline std::string rdidOf(std::uint32_t t) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012x", t + 1);
  return buf;
}

// Tenant t's overlay: its routing domain, virtual subnet, VM record and
// the gateway's GatewayWildcard.
inline void addTenantOverlay(std::uint32_t t, boost::json::array& domains, boost::json::array& subnets,
                             boost::json::array& records) {
  namespace json = boost::json;
  const std::string rdid = rdidOf(t);
  const std::uint32_t vsid = kFirstVsid + t;
  domains.push_back(json::object{{"rdid", rdid}});
  subnets.push_back(json::object{{"vsid", vsid},
                                 {"rdid", rdid},
                                 {"prefixes", json::array{"10.0.1.0/24"}},
                                 {"defaultGatewayMac", macOf(0x50, t).toString()}});
  records.push_back(json::object{
      {"vsid", vsid}, {"ca", kVm.toString()}, {"mac", vmMac(t).toString()}, {"pa", hostPa(hostOf(t)).toString()}});
  records.push_back(json::object{
      {"vsid", vsid}, {"type", "GatewayWildcard"}, {"mac", gatewayMac(t).toString()}, {"pa", kGwPa.toString()}});
}

// The desired-state document of gateway gw1 around those items.
inline boost::json::object gatewayDocument(boost::json::array domains, boost::json::array subnets,
                                           boost::json::array records) {
  namespace json = boost::json;
  return json::object{{"node", "gw1"},
                      {"role", "gateway"},
                      {"revision", 1},
                      {"routing-domains", std::move(domains)},
                      {"virtual-subnets", std::move(subnets)},
                      {"lookup-records", std::move(records)},
                      {"provider-addresses", json::array{json::object{{"node", "gw1"},
                                                                      {"interface", "underlay"},
                                                                      {"address", kGwPa.toString()},
                                                                      {"prefixLength", 24},
                                                                      {"mac", kUnderlayMac.toString()}}}}};
}

// Tenant t's VM sending UDP sport -> dst:dport to the gateway (its
// GatewayWildcard MAC), `frameBytes` of inner frame filled with 0xab, in
// NVGRE (FlowID `flowId`) from the VM's host.
inline std::vector<std::uint8_t> nvgreFromVm(std::uint32_t t, const Ipv4Addr& dst, std::uint16_t sport,
                                             std::uint16_t dport, std::uint8_t flowId, std::size_t frameBytes) {
  auto inner = wire::PacketBuilder()
                   .eth(vmMac(t), gatewayMac(t))
                   .ipv4(kVm, dst)
                   .udp(sport, dport)
                   .payloadFill(frameBytes - 14 - 20 - 8, 0xab)
                   .build();
  return wire::PacketBuilder()
      .eth(hostMac(hostOf(t)), kUnderlayMac)
      .ipv4(hostPa(hostOf(t)), kGwPa)
      .df()
      .nvgre(*Vsid::forTenant(kFirstVsid + t), flowId)
      .payload(inner)
      .build();
}

// What a packet the gateway sends to tenant t's VM looks like: NVGRE on the
// underlay from the gateway's PA to the VM's host, the tenant's VSID, the
// VM's MAC and CA inside. Empty when right, else what is wrong; `t` is the
// tenant the VSID names, `inner` the inner IPv4 header (for the caller's
// own checks).
inline std::string checkNvgreToVm(std::uint16_t txPort, const std::vector<std::uint8_t>& out, std::uint32_t& t,
                                  std::optional<wire::Ipv4Header>& inner, MacAddr* innerSrc = nullptr) {
  if (txPort != kUnderlay) return "not sent on the underlay";
  auto ip = wire::parseIpv4(std::span(out).subspan(wire::kEthernetHeaderLen));
  if (!ip || ip->src != kGwPa) return "outer IPv4";
  auto nv = wire::parseNvgre(ip->payload);
  if (!nv) return "NVGRE";
  t = nv->vsid.value() - kFirstVsid;
  if (ip->dst != hostPa(hostOf(t))) return "outer destination of tenant " + std::to_string(t);
  auto eth = wire::parseEthernet(ip->payload.subspan(wire::kNvgreHeaderLen));
  if (!eth || eth->dst != vmMac(t)) return "inner Ethernet of tenant " + std::to_string(t);
  if (innerSrc != nullptr) *innerSrc = eth->src;
  auto v = wire::parseIpv4(ip->payload.subspan(wire::kNvgreHeaderLen + eth->headerLength));
  if (!v || v->dst != kVm) return "inner destination";
  inner = *v;
  return {};
}

}  // namespace hnv::bench
