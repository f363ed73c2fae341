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
#include <string>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"

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

}  // namespace hnv::bench
