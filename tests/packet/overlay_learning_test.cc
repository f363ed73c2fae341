// Dynamic IP learning on prebuilt frames: what arp-proxy, nd-proxy,
// vm-input and vm-output copy to the Learner (ARP, DAD, DHCP), what the
// Learner reports, and its refreshes while Dynamic records age out.
#include "overlay_fixture.h"

namespace hnv::test {
namespace {

// A suite of its own: gtest wants one fixture class per suite, and the
// fixture (anonymous namespace) is another class in each file.
class OverlayLearning : public OverlayNodes {};

TEST_F(OverlayLearning, GratuitousArpOfAnL2OnlyVmIsCopiedToTheLearner) {
  auto garp = PacketBuilder().eth(kA5, MacAddr::broadcast()).arpRequest(kA5, v4("10.0.1.50"), v4("10.0.1.50")).build();
  auto r = fromVm(kPortA5, garp);
  EXPECT_TRUE(r.sent.empty());
  ASSERT_EQ(r.punted.size(), 1u);
  EXPECT_EQ(r.punted[0].kind, kLearnPunt);
  EXPECT_EQ(r.punted[0].bytes, garp);
  EXPECT_EQ(h_.nodeError("arp-proxy", "announcement"), 1u);
}

TEST_F(OverlayLearning, DadOfAnL2OnlyVmIsCopiedToTheLearner) {
  const Ipv6Addr target = v6("fd00:1::50");
  auto ns = PacketBuilder().eth(kA5, multicastMacOf(target)).ipv6(Ipv6Addr(), target.solicitedNode()).neighborSolicitation(target).build();
  auto r = fromVm(kPortA5, ns);
  ASSERT_EQ(r.punted.size(), 1u);
  EXPECT_EQ(r.punted[0].kind, kLearnPunt);
}

TEST_F(OverlayLearning, ArpOfAVmWithoutAnL2OnlyRecordTeachesNothing) {
  auto r = fromVm(kPortA1, PacketBuilder().eth(kA1, MacAddr::broadcast()).arpRequest(kA1, v4("10.0.1.51"), kCa20).build());
  EXPECT_TRUE(r.punted.empty());
}

TEST_F(OverlayLearning, LearnerReportsANewCaOnceAndOnlyFromTheVmsOwnPort) {
  std::vector<std::string> reports;
  overlay::Learner learner(*policy_, [&](Vsid v, const IpAddr& ca, const MacAddr& m) {
    reports.push_back(std::to_string(v.value()) + " " + ca.toString() + " " + m.toString());
  });
  auto garp = PacketBuilder().eth(kA5, MacAddr::broadcast()).arpRequest(kA5, v4("10.0.1.50"), v4("10.0.1.50")).build();
  auto punt = [&](std::uint16_t port, overlay::Learner::Clock::time_point t) {
    rte_mbuf* m = chainedMbuf(garp);
    dp::resetMeta(m, port);
    dp::meta(m).vsid = 5001;
    learner.onPunt(m, t);
  };
  const auto t0 = overlay::Learner::Clock::now();
  punt(kPortA5, t0);
  punt(kPortA5, t0 + std::chrono::seconds(1));  // the same announcement again: already reported
  punt(kPortA1, t0);                            // A5's MAC from A1's port: a spoof
  EXPECT_EQ(reports, (std::vector<std::string>{"5001 10.0.1.50 00:15:5d:00:00:05"}));
  punt(kPortA5, t0 + overlay::Learner::kRepeat);  // not yet in policy: reported again
  EXPECT_EQ(reports.size(), 2u);
  EXPECT_EQ(learner.stats().ignored, 2u);
}

// A DHCP reply from the server VM A2 (host2) to `client`, giving it `yiaddr`.
std::vector<std::uint8_t> dhcpReply(const MacAddr& client, Ipv4Addr yiaddr, wire::DhcpType type, std::uint32_t xid = 7) {
  std::vector<std::uint8_t> body(300);
  wire::DhcpMessage d;
  d.op = wire::DhcpOp::Reply;
  d.type = type;
  d.xid = xid;
  d.yiaddr = yiaddr;
  d.chaddr = client;
  EXPECT_TRUE(wire::writeDhcp(body, d).ok());
  return PacketBuilder().eth(kA2, client).ipv4(kCa20, yiaddr).udp(67, 68).payload(body).build();
}

// A client's broadcast DHCPREQUEST for `asked`.
std::vector<std::uint8_t> dhcpRequest(const MacAddr& client, Ipv4Addr asked, std::uint32_t xid = 7) {
  std::vector<std::uint8_t> body(300);
  wire::DhcpMessage d;
  d.type = wire::DhcpType::Request;
  d.xid = xid;
  d.chaddr = client;
  d.requested = asked;
  EXPECT_TRUE(wire::writeDhcp(body, d).ok());
  return PacketBuilder().eth(client, MacAddr::broadcast()).ipv4(v4("0.0.0.0"), v4("255.255.255.255")).udp(68, 67)
      .payload(body).build();
}

TEST_F(OverlayLearning, ADhcpAckToAnL2OnlyVmForTheAddressItRequestedIsLearned) {
  const Ipv4Addr given = v4("10.0.1.60");
  std::vector<std::string> reports;
  overlay::Learner learner(*policy_, [&](Vsid v, const IpAddr& ca, const MacAddr& m) {
    reports.push_back(std::to_string(v.value()) + " " + ca.toString() + " " + m.toString());
  });
  auto teach = [&](const std::vector<std::uint8_t>& frame, std::uint16_t rxPort, std::uint16_t txPort) {
    rte_mbuf* m = chainedMbuf(frame);
    dp::resetMeta(m, rxPort);
    dp::meta(m).vsid = 5001;
    dp::meta(m).txPort = txPort;
    learner.onPunt(m, overlay::Learner::Clock::now());
  };
  // The VM's request is flooded and copied to the Learner.
  auto request = dhcpRequest(kA5, given);
  auto q = fromVm(kPortA5, request);
  EXPECT_FALSE(q.sent.empty());
  std::erase_if(q.punted, [](const PuntedFrame& f) { return f.kind != kLearnPunt; });  // the flood's neighbour misses
  ASSERT_EQ(q.punted.size(), 1u);
  EXPECT_EQ(q.punted[0].bytes, request);
  // A forged ACK before the request is known teaches nothing.
  teach(dhcpReply(kA5, given, wire::DhcpType::Ack), kUplink, kPortA5);
  EXPECT_TRUE(reports.empty());
  teach(q.punted[0].bytes, kPortA5, 0);
  // The server's ACK is delivered and copied; it teaches the requested address.
  auto ack = dhcpReply(kA5, given, wire::DhcpType::Ack);
  auto r = fromUnderlay(nvgreFrame(kPa2, 5001, ack));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortA5);
  EXPECT_EQ(r.sent[0].bytes, ack);
  ASSERT_EQ(r.punted.size(), 1u) << "a copy for the Learner";
  EXPECT_EQ(r.punted[0].kind, kLearnPunt);
  // Forged ones: another address in the same transaction, another transaction, a NAK,
  // another client, delivered to another port.
  teach(dhcpReply(kA5, v4("10.0.1.61"), wire::DhcpType::Ack), kUplink, kPortA5);
  teach(dhcpReply(kA5, given, wire::DhcpType::Ack, 8), kUplink, kPortA5);
  teach(dhcpReply(kA5, given, wire::DhcpType::Nak), kUplink, kPortA5);
  teach(dhcpReply(kA4, given, wire::DhcpType::Ack), kUplink, kPortA5);
  teach(dhcpReply(kA5, given, wire::DhcpType::Ack), kUplink, kPortA4);
  EXPECT_TRUE(reports.empty());
  teach(r.punted[0].bytes, kUplink, r.punted[0].txPort);
  EXPECT_EQ(reports, (std::vector<std::string>{"5001 10.0.1.60 00:15:5d:00:00:05"}));
  // The pair is used up: the same ACK again teaches nothing more.
  teach(r.punted[0].bytes, kUplink, r.punted[0].txPort);
  EXPECT_EQ(reports.size(), 1u);
}

TEST_F(OverlayLearning, ADhcpReplyToAVmWithoutAnL2OnlyRecordIsOnlyDelivered) {
  auto ack = dhcpReply(kA1, v4("10.0.1.60"), wire::DhcpType::Ack);
  auto r = fromUnderlay(nvgreFrame(kPa2, 5001, ack));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].port, kPortA1);
  EXPECT_TRUE(r.punted.empty());
}

TEST_F(OverlayLearning, WhileDynamicRecordsAgeAnAddressInUseIsReportedAgainAThirdOfTheWay) {
  auto garp = PacketBuilder().eth(kA5, MacAddr::broadcast()).arpRequest(kA5, v4("10.0.1.50"), v4("10.0.1.50")).build();
  // A5 has a Dynamic record of 10.0.1.50; aging is off: its ARP teaches nothing new.
  auto desired = boost::json::parse(kDesired).as_object();
  desired["lookup-records"].as_array().push_back(boost::json::parse(
      R"({"vsid": 5001, "ca": "10.0.1.50", "mac": "00:15:5d:00:00:05", "pa": "192.0.2.11", "type": "Dynamic"})"));
  auto publish = [&] {
    auto p = overlay::OverlayPolicy::compile(desired, policy_->get(), ports_);
    ASSERT_TRUE(p.ok()) << p.error().message();
    policy_->publish(std::make_unique<const overlay::OverlayPolicy>(std::move(*p)));
  };
  publish();
  EXPECT_TRUE(fromVm(kPortA5, garp).punted.empty());
  // With aging on, the VM's use of the address goes to the Learner, which reports it every 30 / 3 s.
  desired["global"] = boost::json::parse(R"({"dynamicRecordAgingSeconds": 30})");
  publish();
  EXPECT_EQ(policy_->get()->dynamicAging(), 30u);
  auto r = fromVm(kPortA5, garp);
  ASSERT_EQ(r.punted.size(), 1u);
  std::vector<std::string> reports;
  overlay::Learner learner(*policy_, [&](Vsid, const IpAddr& ca, const MacAddr&) { reports.push_back(ca.toString()); });
  auto punt = [&](overlay::Learner::Clock::time_point t) {
    rte_mbuf* m = chainedMbuf(r.punted[0].bytes);
    dp::resetMeta(m, kPortA5);
    dp::meta(m).vsid = 5001;
    learner.onPunt(m, t);
  };
  const auto t0 = overlay::Learner::Clock::now();
  punt(t0);
  punt(t0 + std::chrono::seconds(5));
  punt(t0 + std::chrono::seconds(9));
  EXPECT_EQ(reports.size(), 1u);
  punt(t0 + std::chrono::seconds(10));
  EXPECT_EQ(reports, (std::vector<std::string>{"10.0.1.50", "10.0.1.50"}));
  EXPECT_EQ(learner.stats().refreshed, 2u);
  EXPECT_EQ(learner.stats().ignored, 2u);
  // A bad aging value in the document refuses the policy, naming it.
  desired["global"] = boost::json::parse(R"({"dynamicRecordAgingSeconds": 5})");
  auto bad = overlay::OverlayPolicy::compile(desired, policy_->get(), ports_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("global.dynamicRecordAgingSeconds"), std::string::npos) << bad.error().message();
}


}  // namespace
}  // namespace hnv::test
