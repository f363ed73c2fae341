// The overlay over an IPv6 underlay: host1's PA is 2001:db8:1::11/64 and
// every record's PA is IPv6. Encapsulation (outer IPv6 with the flow label,
// DSCP/ECN, hop limit, never fragmented), provider routes, PA multicast
// groups, segmentation offload and decapsulation with receive validation.
#include "overlay_fixture.h"

namespace hnv::test {
namespace {

const Ipv6Addr kPa6One = v6("2001:db8:1::11"), kPa6Two = v6("2001:db8:1::12"), kPa6Three = v6("2001:db8:1::13");
const Ipv6Addr kRouter6 = v6("2001:db8:1::fe"), kFar6 = v6("2001:db8:2::14"), kGroup6 = v6("ff15::1:1");
const MacAddr kRouter6Mac = mac("02:00:5e:00:53:fe"), kFarVm = mac("00:15:5d:00:00:40");

constexpr const char* kDesired6 = R"({
  "revision": 8,
  "routing-domains": [{"rdid": "8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a"}, {"rdid": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"}],
  "virtual-subnets": [
    {"vsid": 5001, "rdid": "8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a", "prefixes": ["10.0.1.0/24"],
     "defaultGatewayMac": "02:00:00:00:50:01"},
    {"vsid": 5002, "rdid": "8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a", "prefixes": ["10.0.2.0/24"],
     "defaultGatewayMac": "02:00:00:00:50:02"},
    {"vsid": 6001, "rdid": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "prefixes": ["10.0.1.0/24"],
     "defaultGatewayMac": "02:00:00:00:60:01", "multicastGroup": "ff15::1:1"}],
  "provider-addresses": [{"node": "host1", "interface": "ul0", "address": "2001:db8:1::11", "prefixLength": 64,
                          "mac": "02:00:5e:00:53:11"}],
  "provider-routes": [
    {"node": "host1", "interface": "ul0", "destinationPrefix": "2001:db8:2::/64", "nextHop": "2001:db8:1::fe"}],
  "lookup-records": [
    {"vsid": 5001, "ca": "10.0.1.10", "mac": "00:15:5d:00:00:01", "pa": "2001:db8:1::11"},
    {"vsid": 5001, "ca": "10.0.1.20", "mac": "00:15:5d:00:00:02", "pa": "2001:db8:1::12"},
    {"vsid": 5001, "ca": "10.0.1.40", "mac": "00:15:5d:00:00:40", "pa": "2001:db8:2::14"},
    {"vsid": 5001, "ca": "10.0.1.50", "mac": "00:15:5d:00:00:50", "pa": "192.0.2.15"},
    {"vsid": 5002, "ca": "10.0.2.10", "mac": "00:15:5d:00:02:01", "pa": "2001:db8:1::11"},
    {"vsid": 6001, "ca": "10.0.1.10", "mac": "00:15:5d:00:01:01", "pa": "2001:db8:1::11"},
    {"vsid": 6001, "ca": "10.0.1.20", "mac": "00:15:5d:00:01:02", "pa": "2001:db8:1::13"}]
})";

class OverlayIpv6Underlay : public OverlayNodes {
 protected:
  void SetUp() override {
    OverlayNodes::SetUp();
    local_->publish(std::make_unique<const fib::LocalAddresses>(uplinks({{kUplink, "2001:db8:1::11/64"}})));
    neighbors_->publish(std::make_unique<const fib::NeighborTable>(
        fib::NeighborTable::Map{{IpAddr(kPa6Two), {kHost2Mac, kUplink}}, {IpAddr(kPa6Three), {kHost3Mac, kUplink}}}));
    auto policy = overlay::OverlayPolicy::compile(boost::json::parse(kDesired6).as_object(), nullptr, ports_);
    ASSERT_TRUE(policy.ok()) << policy.error().message();
    policy_->publish(std::make_unique<const overlay::OverlayPolicy>(std::move(*policy)));
    groups_->publish(std::make_unique<const fib::MulticastGroups>(std::vector<IpAddr>{IpAddr(kGroup6)}));
  }

  // Uplink ports with one IPv6 address each (MTU 1500).
  static fib::LocalAddresses uplinks(std::vector<std::pair<std::uint16_t, const char*>> ports) {
    std::vector<fib::PortAddresses> out;
    for (const auto& [port, address] : ports) {
      fib::PortAddresses p;
      p.port = port;
      p.mac = port == kUplink ? kUplinkMac : mac("02:00:5e:00:53:21");
      p.mtu = 1500;
      p.v6.push_back(*InterfaceAddress6::parse(address));
      out.push_back(std::move(p));
    }
    return *fib::LocalAddresses::build(std::move(out));
  }
};

struct Outer6 {
  MacAddr dstMac, srcMac;
  wire::Ipv6Header ip;
  std::uint8_t trafficClass = 0;
  std::uint32_t flowLabel = 0;
  wire::NvgreHeader nvgre;
  std::vector<std::uint8_t> inner;
};

Outer6 parseOuter6(const std::vector<std::uint8_t>& frame) {
  Outer6 o;
  auto eth = wire::parseEthernet(frame);
  EXPECT_TRUE(eth.ok());
  EXPECT_EQ(eth->etherType, wire::kEtherTypeIpv6);
  o.dstMac = eth->dst;
  o.srcMac = eth->src;
  auto l3 = std::span(frame).subspan(wire::kEthernetHeaderLen);
  auto ip = wire::parseIpv6(l3);
  EXPECT_TRUE(ip.ok());
  o.ip = *ip;
  const std::uint32_t word = wire::load32(l3.data());
  o.trafficClass = static_cast<std::uint8_t>(word >> 20);
  o.flowLabel = word & 0xFFFFF;
  EXPECT_EQ(ip->nextHeader, wire::kIpProtoGre);
  EXPECT_EQ(ip->payloadLength, l3.size() - wire::kIpv6HeaderLen);
  auto nv = wire::parseNvgre(ip->payload);
  EXPECT_TRUE(nv.ok());
  o.nvgre = *nv;
  o.inner.assign(ip->payload.begin() + wire::kNvgreHeaderLen, ip->payload.end());
  return o;
}

TEST_F(OverlayIpv6Underlay, VmToRemoteVmIsEncapsulatedInIpv6ToTheRecordsPa) {
  auto inner = udpFrame(kA1, kA2, kCa10, kCa20, 0xb8 | 0x02);  // DSCP 46, ECT(0)
  auto r = fromVm(kPortA1, inner);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kUplink);
  Outer6 o = parseOuter6(r.sent[0].bytes);
  EXPECT_EQ(o.dstMac, kHost2Mac);
  EXPECT_EQ(o.srcMac, kUplinkMac);
  EXPECT_EQ(o.ip.src, kPa6One);
  EXPECT_EQ(o.ip.dst, kPa6Two);
  EXPECT_EQ(o.ip.hopLimit, 64);
  EXPECT_EQ(o.trafficClass, 0xb8 | 0x02) << "DSCP copied, ECN copied (RFC 6040 normal mode)";
  EXPECT_EQ(o.nvgre.vsid, vsid(5001));
  EXPECT_EQ(o.inner, inner);
  // The flow label is the inner flow's (RFC 6438): the same for the same
  // flow, spread across flows, and its low byte is the GRE FlowID.
  EXPECT_EQ(o.flowLabel & 0xFF, o.nvgre.flowId);
  EXPECT_EQ(parseOuter6(fromVm(kPortA1, inner).sent[0].bytes).flowLabel, o.flowLabel);
  std::set<std::uint32_t> labels;
  for (std::uint16_t sport = 1000; sport < 1032; ++sport) {
    labels.insert(parseOuter6(fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20, 0, sport)).sent[0].bytes).flowLabel);
  }
  EXPECT_GT(labels.size(), 24u);
}

TEST_F(OverlayIpv6Underlay, SameCasInTwoTenantsGoToTheirOwnIpv6Pas) {
  auto a = fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20));
  auto b = fromVm(kPortB1, udpFrame(kB1, kB2, kCa10, kCa20));
  ASSERT_EQ(a.sent.size(), 1u);
  ASSERT_EQ(b.sent.size(), 1u);
  EXPECT_EQ(parseOuter6(a.sent[0].bytes).ip.dst, kPa6Two);
  EXPECT_EQ(parseOuter6(b.sent[0].bytes).ip.dst, kPa6Three);
  EXPECT_EQ(parseOuter6(b.sent[0].bytes).nvgre.vsid, vsid(6001));
}

// The outer IPv6 header is 20 bytes longer than IPv4's: a frame that fits
// with IPv4 outside may not with IPv6, and is never fragmented.
TEST_F(OverlayIpv6Underlay, AFrameTooBigForTheIpv6UnderlayTellsTheVmTheMtuThatFits) {
  std::vector<std::uint8_t> payload(1450 - 28, 0x42);  // a 1450-byte IP packet: fits IPv4 outside, not IPv6
  auto f = PacketBuilder().eth(kA1, kA2).ipv4(kCa10, kCa20).df().udp(1, 2).payload(payload).build();
  auto r = fromVm(kPortA1, f);
  EXPECT_EQ(h_.nodeError("nvgre-encap", "too-big"), 1u);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortA1);
  auto ip = wire::parseIpv4(std::span(r.sent[0].bytes).subspan(14));
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->payload[0], wire::kIcmpDestUnreachable);
  EXPECT_EQ(ip->payload[1], wire::kIcmpCodeFragNeeded);
  EXPECT_EQ(wire::load16(ip->payload.data() + 6), 1438) << "uplink 1500 - outer IPv6, GRE and inner Ethernet";
  // 1438 bytes of IP fit: 1438 + 14 + 8 + 40 = 1500.
  std::vector<std::uint8_t> fits(1438 - 28, 0x42);
  r = fromVm(kPortA1, PacketBuilder().eth(kA1, kA2).ipv4(kCa10, kCa20).df().udp(1, 2).payload(fits).build());
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].bytes.size(), 1514u);
}

TEST_F(OverlayIpv6Underlay, APaOnAnotherIpv6SubnetIsReachedThroughTheProviderRoutesGateway) {
  auto inner = PacketBuilder().eth(kA1, kFarVm).ipv4(kCa10, v4("10.0.1.40")).udp(1, 2).build();
  auto r = fromVm(kPortA1, inner);
  ASSERT_EQ(r.punted.size(), 1u) << "the router is not resolved yet";
  EXPECT_EQ(r.punted[0].kind, kMissPunt);
  neighbors_->publish(
      std::make_unique<const fib::NeighborTable>(fib::NeighborTable::Map{{IpAddr(kRouter6), {kRouter6Mac, kUplink}}}));
  r = fromVm(kPortA1, inner);
  ASSERT_EQ(r.sent.size(), 1u);
  Outer6 o = parseOuter6(r.sent[0].bytes);
  EXPECT_EQ(o.dstMac, kRouter6Mac) << "the frame goes to the router";
  EXPECT_EQ(o.ip.dst, kFar6) << "addressed to the PA";
  EXPECT_EQ(o.ip.src, kPa6One);
}

// A1's PA is IPv6; a VM whose PA is IPv4 cannot be told A1's PA in an outer
// IPv4 header, so the frame is dropped and counted, not sent from another
// address the far end would refuse.
TEST_F(OverlayIpv6Underlay, APaOfTheOtherFamilyThanTheSendersIsCountedAsAMismatch) {
  auto inner = PacketBuilder().eth(kA1, mac("00:15:5d:00:00:50")).ipv4(kCa10, v4("10.0.1.50")).udp(1, 2).build();
  expectDrop(fromVm(kPortA1, inner), "nvgre-encap", "pa-family-mismatch");
}

TEST_F(OverlayIpv6Underlay, NvgreOverIpv6IsDecapsulatedAndValidatedAgainstTheIpv6Pa) {
  auto inner = udpFrame(kA2, kA1, kCa20, kCa10);
  auto over6 = [&](const Ipv6Addr& from, std::uint8_t tc = 0, const std::vector<std::uint8_t>& in = {}) {
    return PacketBuilder()
        .eth(kHost2Mac, kUplinkMac)
        .ipv6(from, kPa6One)
        .tos(tc)
        .nvgre(vsid(5001), 3)
        .payload(in.empty() ? inner : in)
        .build();
  };
  auto r = fromUnderlay(over6(kPa6Two));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortA1);
  EXPECT_EQ(r.sent[0].bytes, inner);
  // A2's CA from host3's PA: the record says host2.
  expectDrop(fromUnderlay(over6(kPa6Three)), "nvgre-input", "wrong-pa");
  // RFC 6040: CE outside on an ECT(0) packet marks it CE inside.
  auto ect = udpFrame(kA2, kA1, kCa20, kCa10, 0x02);
  r = fromUnderlay(over6(kPa6Two, 0x03, ect));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].bytes[wire::kEthernetHeaderLen + 1] & 0x03, 0x03);
}

TEST_F(OverlayIpv6Underlay, BroadcastGoesToTheIpv6GroupAndTheGroupIsReceived) {
  auto f = PacketBuilder().eth(kB1, MacAddr::broadcast()).ipv4(kCa10, v4("10.0.1.255")).udp(67, 68).build();
  auto r = fromVm(kPortB1, f);
  ASSERT_EQ(r.sent.size(), 1u);
  Outer6 o = parseOuter6(r.sent[0].bytes);
  EXPECT_EQ(o.ip.dst, kGroup6);
  EXPECT_EQ(o.ip.src, kPa6One);
  EXPECT_EQ(o.dstMac, mac("33:33:00:01:00:01"));
  EXPECT_EQ(o.nvgre.vsid, vsid(6001));

  // host3 floods B2's broadcast to the group: B1 gets it.
  auto inner = PacketBuilder().eth(kB2, MacAddr::broadcast()).ipv4(kCa20, v4("10.0.1.255")).udp(1, 2).build();
  auto toGroup = [&](const Ipv6Addr& group, const Ipv6Addr& from = kPa6Three) {
    return PacketBuilder()
        .eth(kHost3Mac, MacAddr::forIpv6Multicast(group))
        .ipv6(from, group)
        .nvgre(vsid(6001), 3)
        .payload(inner)
        .build();
  };
  r = fromUnderlay(toGroup(kGroup6));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortB1);
  EXPECT_EQ(r.sent[0].bytes, inner);
  // Not joined, or our own copy coming back: not for us.
  expectDrop(fromUnderlay(toGroup(v6("ff15::1:2"))), "ip6-input", "not-local");
  expectDrop(fromUnderlay(toGroup(kGroup6, kPa6One)), "ip6-input", "not-local", 2);
  // Only NVGRE is taken from a group.
  auto udp =
      PacketBuilder().eth(kHost3Mac, MacAddr::forIpv6Multicast(kGroup6)).ipv6(kPa6Three, kGroup6).udp(1, 2).build();
  expectDrop(fromUnderlay(udp), "ip6-input", "not-local", 3);
}

// Teaming over IPv6: flows spread over both members and keep the VM's PA.
TEST_F(OverlayIpv6Underlay, FlowsSpreadOverBothIpv6UplinksAndKeepTheVmsPa) {
  local_->publish(
      std::make_unique<const fib::LocalAddresses>(uplinks({{kUplink, "2001:db8:1::11/64"}, {6, "2001:db8:1::21/64"}})));
  std::map<std::uint16_t, int> perPort;
  for (std::uint16_t sport = 1000; sport < 1064; ++sport) {
    auto r = fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20, 0, sport));
    ASSERT_EQ(r.sent.size(), 1u);
    EXPECT_EQ(parseOuter6(r.sent[0].bytes).ip.src, kPa6One) << "the far end validates A1 against its record's PA";
    ++perPort[r.sent[0].port];
  }
  EXPECT_GT(perPort[kUplink], 12);
  EXPECT_GT(perPort[6], 12);
}

TEST_F(OverlayIpv6Underlay, TsoFrameIsSegmentedToFitTheIpv6Underlay) {
  std::vector<std::uint8_t> data(30000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
  auto big = PacketBuilder()
                 .eth(kA1, kA2)
                 .ipv4(kCa10, kCa20)
                 .ipId(100)
                 .df()
                 .tcp(40000, 5001)
                 .tcpSeq(1)
                 .tcpFlags(wire::kTcpAck)
                 .payload(data)
                 .build();
  rte_mbuf* m = chainedMbuf(big);
  ASSERT_NE(m, nullptr);
  m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
  m->tso_segsz = 1460;
  auto r = h_.runMbufs({m}, kPortA1, 1);
  EXPECT_TRUE(r.dropped.empty());
  // 1500 - 40 (outer IPv6) - 8 (GRE) - 14 - 20 - 20 (inner headers) = 1398 bytes per segment.
  constexpr std::size_t kMss = 1398;
  ASSERT_EQ(r.sent.size(), (data.size() + kMss - 1) / kMss);
  std::vector<std::uint8_t> stream;
  for (const auto& s : r.sent) {
    EXPECT_LE(s.bytes.size(), 1514u);
    Outer6 o = parseOuter6(s.bytes);
    EXPECT_EQ(o.ip.dst, kPa6Two);
    auto ip = wire::parseIpv4(std::span<const std::uint8_t>(o.inner).subspan(wire::kEthernetHeaderLen));
    ASSERT_TRUE(ip.ok());
    EXPECT_TRUE(
        wire::tcpChecksumOk(ip->payload, wire::ipv4PseudoHeaderSum(ip->src, ip->dst, wire::kIpProtoTcp,
                                                                   static_cast<std::uint16_t>(ip->payload.size()))));
    auto tcp = wire::parseTcp(ip->payload);
    ASSERT_TRUE(tcp.ok());
    stream.insert(stream.end(), tcp->payload.begin(), tcp->payload.end());
  }
  EXPECT_EQ(stream, data);
}

}  // namespace
}  // namespace hnv::test
