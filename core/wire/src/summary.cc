#include "hnv/wire/summary.h"

#include <cstdio>

#include "hnv/wire/arp.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nvgre.h"

namespace hnv::wire {
namespace {

std::string summarizeL4(std::uint8_t proto, std::span<const std::uint8_t> l4) {
  switch (proto) {
    case kIpProtoIcmp:
      return l4.empty() ? " icmp" : " icmp type " + std::to_string(l4[0]);
    case kIpProtoIcmpv6:
      return l4.empty() ? " icmpv6" : " icmpv6 type " + std::to_string(l4[0]);
    case kIpProtoGre: {
      auto nv = parseNvgre(l4);
      if (!nv) return " gre (not nvgre)";
      return " nvgre vsid " + nv->vsid.toString() + " flow " + std::to_string(nv->flowId);
    }
    default:
      return " proto " + std::to_string(proto);
  }
}

}  // namespace

std::string summarizeFrame(std::span<const std::uint8_t> frame) {
  auto eth = parseEthernet(frame);
  if (!eth) return "malformed ethernet (" + std::to_string(frame.size()) + " bytes)";
  std::string s = eth->src.toString() + " > " + eth->dst.toString();
  if (eth->vlanTci) s += " vlan " + std::to_string(eth->vlanId());
  auto l3 = frame.subspan(eth->headerLength);
  switch (eth->etherType) {
    case kEtherTypeArp: {
      auto arp = parseArp(l3);
      if (!arp) return s + " arp (malformed)";
      if (arp->op == ArpOp::Request) return s + " arp who-has " + arp->tpa.toString() + " tell " + arp->spa.toString();
      return s + " arp reply " + arp->spa.toString() + " is-at " + arp->sha.toString();
    }
    case kEtherTypeIpv4: {
      auto ip = parseIpv4(l3);
      if (!ip) return s + " ipv4 (malformed)";
      return s + " ipv4 " + ip->src.toString() + " > " + ip->dst.toString() + summarizeL4(ip->protocol, ip->payload);
    }
    case kEtherTypeIpv6: {
      auto ip = parseIpv6(l3);
      if (!ip) return s + " ipv6 (malformed)";
      auto upper = walkExtensionHeaders(ip->nextHeader, ip->payload);
      std::string l4 = upper ? summarizeL4(upper->protocol, ip->payload.subspan(upper->offset)) : " (bad extension headers)";
      return s + " ipv6 " + ip->src.toString() + " > " + ip->dst.toString() + l4;
    }
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "%04x", eth->etherType);
      return s + " ethertype 0x" + buf;
    }
  }
}

}  // namespace hnv::wire
