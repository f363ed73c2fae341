// The session table's rules, with a fake clock (milliseconds passed in).
#include "hnv/nat/sessions.h"

#include <gtest/gtest.h>

namespace hnv::nat {
namespace {

Ipv4Addr ip(const char* s) { return *Ipv4Addr::parse(s); }
const TenantId kA(1), kB(2), kInternet(9);
constexpr std::uint8_t kSyn = 0x02, kAck = 0x10, kFin = 0x01, kRst = 0x04;

Instance instance(TenantId t, const char* external, std::uint16_t first = 1024, std::uint16_t last = 65535) {
  Instance i;
  i.tenant = t;
  i.outside = kInternet;
  i.name = "t" + t.toString();
  i.addresses.push_back({ip(external), first, last});
  return i;
}

NatConfig config(std::vector<Instance> v) {
  auto c = NatConfig::build(std::move(v));
  EXPECT_TRUE(c) << c.error().message();
  return std::move(*c);
}

Flow udp(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport) {
  return Flow{Proto::Udp, ip(src), ip(dst), sport, dport};
}
Flow tcp(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport) {
  return Flow{Proto::Tcp, ip(src), ip(dst), sport, dport};
}
// The reply from outside to what `s` translated.
Flow reply(const Session& s) { return Flow{s.proto, s.remAddr, s.extAddr, s.remPort, s.extPort}; }

TEST(Sessions, OverlappingTenantsGetTheirOwnExternalAddresses) {
  auto c = config({instance(kA, "203.0.113.10"), instance(kB, "203.0.113.20")});
  SessionTable t({});
  auto a = t.in2out(c, kA, udp("10.0.1.10", 5000, "198.51.100.80", 53), 0, 100, 0);
  auto b = t.in2out(c, kB, udp("10.0.1.10", 5000, "198.51.100.80", 53), 0, 100, 0);
  ASSERT_EQ(a.verdict, Verdict::Ok);
  ASSERT_EQ(b.verdict, Verdict::Ok);
  EXPECT_TRUE(a.created);
  EXPECT_EQ(a.session->extAddr, ip("203.0.113.10"));
  EXPECT_EQ(b.session->extAddr, ip("203.0.113.20"));
  EXPECT_EQ(a.session->extPort, 5000) << "the inside port is kept when free";
  auto back = t.out2in(c, kInternet, reply(*b.session), 0, 100, 10);
  ASSERT_EQ(back.verdict, Verdict::Ok);
  EXPECT_EQ(back.session->tenant, kB);
  EXPECT_FALSE(back.created);
  EXPECT_EQ(back.session->packetsOut, 1u);
  EXPECT_EQ(t.sessions(), 2u);
  EXPECT_EQ(t.sessionsOf(kA), 1u);
}

TEST(Sessions, MappingIsEndpointIndependent) {
  auto c = config({instance(kA, "203.0.113.10")});
  SessionTable t({});
  auto one = t.in2out(c, kA, udp("10.0.1.10", 4000, "198.51.100.1", 53), 0, 0, 0);
  auto two = t.in2out(c, kA, udp("10.0.1.10", 4000, "198.51.100.2", 53), 0, 0, 0);
  auto other = t.in2out(c, kA, udp("10.0.1.11", 4000, "198.51.100.1", 53), 0, 0, 0);
  ASSERT_EQ(two.verdict, Verdict::Ok);
  EXPECT_NE(one.session, two.session);
  EXPECT_EQ(one.session->extPort, two.session->extPort) << "one mapping for both remotes";
  EXPECT_NE(other.session->extPort, one.session->extPort) << "another inside endpoint, another port";
  EXPECT_EQ(t.mappings(), 2u);
}

TEST(Sessions, EndpointIndependentFilteringLetsAnyRemoteUseAMapping) {
  auto c = config({instance(kA, "203.0.113.10")});
  SessionTable t({});
  auto out = t.in2out(c, kA, udp("10.0.1.10", 4000, "198.51.100.1", 53), 0, 0, 0);
  Flow stranger{Proto::Udp, ip("192.0.2.77"), out.session->extAddr, 9999, out.session->extPort};
  auto in = t.out2in(c, kInternet, stranger, 0, 0, 0);
  ASSERT_EQ(in.verdict, Verdict::Ok);
  EXPECT_TRUE(in.created);
  EXPECT_EQ(in.session->inAddr, ip("10.0.1.10"));
  EXPECT_EQ(in.session->inPort, 4000);
  Flow unmapped{Proto::Udp, ip("192.0.2.77"), out.session->extAddr, 9999, 4001};
  EXPECT_EQ(t.out2in(c, kInternet, unmapped, 0, 0, 0).verdict, Verdict::NoMapping);
  Flow notOurs{Proto::Udp, ip("192.0.2.77"), ip("203.0.113.99"), 9999, 4000};
  EXPECT_EQ(t.out2in(c, kInternet, notOurs, 0, 0, 0).verdict, Verdict::NoInstance);
}

TEST(Sessions, AddressDependentFilteringOnlyLetsKnownRemotesIn) {
  auto i = instance(kA, "203.0.113.10");
  i.filtering = Filtering::AddressDependent;
  auto c = config({i});
  SessionTable t({});
  auto out = t.in2out(c, kA, udp("10.0.1.10", 4000, "198.51.100.1", 53), 0, 0, 0);
  Flow stranger{Proto::Udp, ip("192.0.2.77"), out.session->extAddr, 53, out.session->extPort};
  EXPECT_EQ(t.out2in(c, kInternet, stranger, 0, 0, 0).verdict, Verdict::Filtered);
  Flow otherPort{Proto::Udp, ip("198.51.100.1"), out.session->extAddr, 5353, out.session->extPort};
  EXPECT_EQ(t.out2in(c, kInternet, otherPort, 0, 0, 0).verdict, Verdict::Ok) << "the same address, another port";
}

TEST(Sessions, UdpExpiresAfterItsIdleTimeoutAndInboundDoesNotRefreshByDefault) {
  auto c = config({instance(kA, "203.0.113.10")});  // udpIdle 120 s
  SessionTable t({});
  auto out = t.in2out(c, kA, udp("10.0.1.10", 4000, "198.51.100.1", 53), 0, 0, 1000);
  const Flow back = reply(*out.session);
  EXPECT_EQ(t.out2in(c, kInternet, back, 0, 0, 100'000).verdict, Verdict::Ok);
  // 120 s after the last packet from inside (at 1 s), not after the inbound one.
  EXPECT_EQ(t.out2in(c, kInternet, back, 0, 0, 121'000).verdict, Verdict::Ok);
  EXPECT_EQ(t.out2in(c, kInternet, back, 0, 0, 121'001).verdict, Verdict::NoMapping);
  EXPECT_EQ(t.sessions(), 0u);
  EXPECT_EQ(t.mappings(), 0u);
}

TEST(Sessions, UdpInboundRefreshKeepsItAlive) {
  auto i = instance(kA, "203.0.113.10");
  i.timeouts.udpInboundRefresh = true;
  i.timeouts.udpIdle = 10;
  auto c = config({i});
  SessionTable t({});
  auto out = t.in2out(c, kA, udp("10.0.1.10", 4000, "198.51.100.1", 53), 0, 0, 0);
  const Flow back = reply(*out.session);
  for (std::uint64_t now = 9'000; now <= 90'000; now += 9'000) {
    EXPECT_EQ(t.out2in(c, kInternet, back, 0, 0, now).verdict, Verdict::Ok) << now;
  }
  EXPECT_EQ(t.out2in(c, kInternet, back, 0, 0, 100'001).verdict, Verdict::NoMapping);
}

TEST(Sessions, TcpTimeoutFollowsItsState) {
  auto i = instance(kA, "203.0.113.10");
  i.timeouts.tcpTransient = 4;
  i.timeouts.tcpEstablished = 100;
  auto c = config({i});
  SessionTable t({});
  const Flow syn = tcp("10.0.1.10", 40000, "198.51.100.1", 80);
  auto s = t.in2out(c, kA, syn, kSyn, 60, 0);
  EXPECT_EQ(s.session->timeoutMs, 4'000u) << "half open: transient";
  const Flow back = reply(*s.session);
  t.out2in(c, kInternet, back, kSyn | kAck, 60, 1'000);
  EXPECT_TRUE(s.session->tcpEstablished());
  EXPECT_EQ(s.session->timeoutMs, 100'000u);
  EXPECT_EQ(t.in2out(c, kA, syn, kAck, 60, 90'000).verdict, Verdict::Ok) << "established outlives the transient timeout";
  t.in2out(c, kA, syn, kFin | kAck, 60, 91'000);
  EXPECT_EQ(s.session->timeoutMs, 4'000u) << "closing: transient again";
  EXPECT_EQ(t.findInside(kA, Proto::Tcp, syn.src, syn.srcPort, syn.dst, syn.dstPort, 95'001), nullptr);

  auto r = t.in2out(c, kA, syn, kSyn, 60, 200'000);
  t.out2in(c, kInternet, reply(*r.session), kSyn | kAck, 60, 200'001);
  t.out2in(c, kInternet, reply(*r.session), kRst, 40, 200'002);
  EXPECT_EQ(r.session->timeoutMs, 4'000u) << "reset: transient";
}

TEST(Sessions, IcmpEchoNeedsItsRequestAndTimesOut) {
  auto c = config({instance(kA, "203.0.113.10")});  // icmpQuery 30 s
  SessionTable t({});
  const Flow echo{Proto::Icmp, ip("10.0.1.10"), ip("198.51.100.1"), 7, 0};
  auto s = t.in2out(c, kA, echo, 0, 84, 0);
  ASSERT_EQ(s.verdict, Verdict::Ok);
  const Flow back{Proto::Icmp, ip("198.51.100.1"), s.session->extAddr, 0, s.session->extPort};
  EXPECT_EQ(t.out2in(c, kInternet, back, 0, 84, 29'000).verdict, Verdict::Ok);
  const Flow other{Proto::Icmp, ip("192.0.2.9"), s.session->extAddr, 0, s.session->extPort};
  EXPECT_EQ(t.out2in(c, kInternet, other, 0, 84, 29'000).verdict, Verdict::NoMapping)
      << "no echo session opens from outside";
  EXPECT_EQ(t.out2in(c, kInternet, back, 0, 84, 59'001).verdict, Verdict::NoMapping);
}

TEST(Sessions, QuotaAndPortExhaustionHitOnlyTheirTenant) {
  auto a = instance(kA, "203.0.113.10", 1024, 1027);  // 4 ports
  a.maxSessions = 6;
  auto c = config({a, instance(kB, "203.0.113.20")});
  SessionTable t({});
  for (std::uint16_t n = 0; n < 4; ++n) {
    EXPECT_EQ(t.in2out(c, kA, udp("10.0.1.10", 5000 + n, "198.51.100.1", 53), 0, 0, 0).verdict, Verdict::Ok);
  }
  EXPECT_EQ(t.in2out(c, kA, udp("10.0.1.10", 6000, "198.51.100.1", 53), 0, 0, 0).verdict, Verdict::PortsExhausted);
  // Existing mappings still take new remotes, up to the quota.
  EXPECT_EQ(t.in2out(c, kA, udp("10.0.1.10", 5000, "198.51.100.2", 53), 0, 0, 0).verdict, Verdict::Ok);
  EXPECT_EQ(t.in2out(c, kA, udp("10.0.1.10", 5000, "198.51.100.3", 53), 0, 0, 0).verdict, Verdict::Ok);
  EXPECT_EQ(t.in2out(c, kA, udp("10.0.1.10", 5000, "198.51.100.4", 53), 0, 0, 0).verdict, Verdict::QuotaExceeded);
  EXPECT_EQ(t.sessionsOf(kA), 6u);
  for (std::uint16_t n = 0; n < 100; ++n) {
    EXPECT_EQ(t.in2out(c, kB, udp("10.0.1.10", 5000 + n, "198.51.100.1", 53), 0, 0, 0).verdict, Verdict::Ok);
  }
  // Once A's sessions expire, its ports come back.
  EXPECT_EQ(t.expire(200'000, t.capacity()), 106u);
  EXPECT_EQ(t.in2out(c, kA, udp("10.0.1.10", 6000, "198.51.100.1", 53), 0, 0, 200'000).verdict, Verdict::Ok);
}

TEST(Sessions, ExpireFreesExactlyTheExpiredAcrossTimeouts) {
  auto a = instance(kA, "203.0.113.10");
  a.timeouts.udpIdle = 10;
  a.timeouts.icmpQuery = 3;
  a.timeouts.tcpTransient = 5;
  a.timeouts.tcpEstablished = 100;
  auto c = config({a});
  SessionTable t({});
  // Interleaved: UDP at 0 s, ICMP at 1 s, TCP (half open) at 2 s, UDP refreshed at 4 s.
  auto u1 = t.in2out(c, kA, udp("10.0.1.10", 4000, "198.51.100.1", 53), 0, 0, 0);
  t.in2out(c, kA, Flow{Proto::Icmp, ip("10.0.1.10"), ip("198.51.100.1"), 9, 0}, 0, 0, 1'000);
  auto tc = t.in2out(c, kA, tcp("10.0.1.10", 40000, "198.51.100.1", 80), kSyn, 0, 2'000);
  auto u2 = t.in2out(c, kA, udp("10.0.1.11", 4000, "198.51.100.1", 53), 0, 0, 3'000);
  t.in2out(c, kA, udp("10.0.1.10", 4000, "198.51.100.1", 53), 0, 0, 4'000);  // refreshes u1
  EXPECT_EQ(t.expire(4'000, 100), 0u);
  EXPECT_EQ(t.expire(4'001, 100), 1u) << "the ICMP session (1 s + 3 s)";
  t.out2in(c, kInternet, reply(*tc.session), kSyn | kAck, 0, 5'000);  // TCP established: 100 s from 5 s
  // An answer from outside does not refresh u2 (no inbound refresh).
  t.out2in(c, kInternet, reply(*u2.session), 0, 0, 9'000);
  EXPECT_EQ(t.expire(13'000, 100), 0u);
  EXPECT_EQ(t.expire(13'001, 100), 1u) << "u2 (3 s + 10 s), though an answer came at 9 s";
  EXPECT_EQ(t.expire(14'001, 100), 1u) << "u1 (refreshed at 4 s)";
  EXPECT_EQ(t.sessions(), 1u);
  EXPECT_EQ(t.expire(105'000, 100), 0u);
  EXPECT_EQ(t.expire(105'001, 100), 1u) << "the established TCP session";
  EXPECT_EQ(t.mappings(), 0u);
  (void)u1;
}

// A full table with an expired session whose mapping a packet from outside
// names: making room frees the mapping first; the packet finds nothing, and
// the records stay consistent (review finding: the mapping was reused dead).
TEST(Sessions, MakingRoomNeverLeavesAPacketOnAFreedMapping) {
  auto c = config({instance(kA, "203.0.113.10")});
  SessionTable t({.sessions = 4});
  auto first = t.in2out(c, kA, udp("10.0.1.10", 4000, "198.51.100.1", 53), 0, 0, 0);
  const std::uint16_t port = first.session->extPort;
  for (std::uint16_t n = 1; n < 4; ++n) t.in2out(c, kA, udp("10.0.1.11", 4000, "198.51.100.1", n), 0, 0, 0);
  const Flow stranger{Proto::Udp, ip("192.0.2.7"), ip("203.0.113.10"), 53, port};
  EXPECT_EQ(t.out2in(c, kInternet, stranger, 0, 0, 500'000).verdict, Verdict::NoMapping);
  EXPECT_EQ(t.sessions(), 0u);
  EXPECT_EQ(t.mappings(), 0u);
  // All four slots and the port work again.
  for (std::uint16_t n = 0; n < 4; ++n) {
    EXPECT_EQ(t.in2out(c, kA, udp("10.0.1.12", 4000, "198.51.100.1", n), 0, 0, 500'001).verdict, Verdict::Ok);
  }
  EXPECT_EQ(t.mappings(), 1u);
}

// A static mapping added for an endpoint that has a dynamic one takes over
// at the configuration change; repeated packets never make twin sessions.
TEST(Sessions, AStaticMappingAddedLaterTakesOverTheEndpoint) {
  auto a = instance(kA, "203.0.113.10");
  auto c1 = config({a});
  SessionTable t({});
  auto ntp = t.in2out(c1, kA, udp("10.0.0.5", 123, "198.51.100.9", 123), 0, 0, 0);
  EXPECT_EQ(ntp.session->extPort, 1024) << "123 is below the dynamic range";
  a.statics.push_back({Proto::Udp, ip("203.0.113.10"), 123, ip("10.0.0.5"), 123, std::nullopt});
  auto c2 = config({a});
  const Flow in{Proto::Udp, ip("198.51.100.9"), ip("203.0.113.10"), 123, 123};
  for (int i = 0; i < 3; ++i) {
    auto r = t.out2in(c2, kInternet, in, 0, 0, 1'000);
    ASSERT_EQ(r.verdict, Verdict::Ok);
    EXPECT_EQ(r.session->inPort, 123);
  }
  EXPECT_EQ(t.sessions(), 1u) << "the dynamic mapping's session went with it; one session for the three packets";
  auto out = t.in2out(c2, kA, udp("10.0.0.5", 123, "198.51.100.9", 123), 0, 0, 2'000);
  EXPECT_EQ(out.session->extPort, 123);
}

TEST(Sessions, TableFullIsAVerdictNotACrash) {
  auto c = config({instance(kA, "203.0.113.10")});
  SessionTable t({.sessions = 8});
  for (std::uint16_t n = 0; n < 8; ++n) {
    ASSERT_EQ(t.in2out(c, kA, udp("10.0.1.10", 5000, "198.51.100.1", n), 0, 0, 0).verdict, Verdict::Ok);
  }
  EXPECT_EQ(t.in2out(c, kA, udp("10.0.1.10", 5000, "198.51.100.1", 99), 0, 0, 0).verdict, Verdict::TableFull);
  EXPECT_EQ(t.in2out(c, kA, udp("10.0.1.10", 5000, "198.51.100.1", 99), 0, 0, 500'000).verdict, Verdict::Ok)
      << "expired sessions make room";
}

TEST(Sessions, StaticMappingOpensAPortFromOutsideOnly) {
  auto a = instance(kA, "203.0.113.10", 10000, 20000);
  a.statics.push_back({Proto::Tcp, ip("203.0.113.10"), 80, ip("10.0.1.20"), 8080, std::nullopt});
  a.statics.push_back({Proto::Tcp, ip("203.0.113.10"), 22, ip("10.0.1.20"), 22, *Prefix::parse("192.0.2.0/24")});
  auto c = config({a});
  SessionTable t({});
  const Flow web{Proto::Tcp, ip("198.51.100.5"), ip("203.0.113.10"), 33000, 80};
  auto in = t.out2in(c, kInternet, web, kSyn, 60, 0);
  ASSERT_EQ(in.verdict, Verdict::Ok);
  EXPECT_EQ(in.session->inAddr, ip("10.0.1.20"));
  EXPECT_EQ(in.session->inPort, 8080);
  EXPECT_TRUE(in.session->fromOutside);
  // The server's answer goes out through the same session.
  auto answer = t.in2out(c, kA, tcp("10.0.1.20", 8080, "198.51.100.5", 33000), kSyn | kAck, 60, 1);
  EXPECT_EQ(answer.session, in.session);
  // And a connection the server opens leaves from the static port too.
  auto open = t.in2out(c, kA, tcp("10.0.1.20", 8080, "198.51.100.9", 443), kSyn, 60, 2);
  EXPECT_EQ(open.session->extPort, 80);
  const Flow ssh{Proto::Tcp, ip("198.51.100.5"), ip("203.0.113.10"), 33001, 22};
  EXPECT_EQ(t.out2in(c, kInternet, ssh, kSyn, 60, 0).verdict, Verdict::Filtered) << "outside the remote prefix";
  const Flow sshOk{Proto::Tcp, ip("192.0.2.5"), ip("203.0.113.10"), 33001, 22};
  EXPECT_EQ(t.out2in(c, kInternet, sshOk, kSyn, 60, 0).verdict, Verdict::Ok);
  const Flow other{Proto::Tcp, ip("198.51.100.5"), ip("203.0.113.10"), 33000, 81};
  EXPECT_EQ(t.out2in(c, kInternet, other, kSyn, 60, 0).verdict, Verdict::NoMapping) << "nothing else is open";
}

TEST(Sessions, AConfigurationChangeDropsWhatItNoLongerAllows) {
  auto a = instance(kA, "203.0.113.10");
  a.addresses.push_back({ip("203.0.113.11"), 1024, 65535});
  auto c1 = config({a, instance(kB, "203.0.113.20")});
  SessionTable t({});
  // Paired pooling: one inside address stays on one external address.
  Ipv4Addr extOf[2];
  for (int h = 0; h < 2; ++h) {
    const std::string in = "10.0.1." + std::to_string(10 + h);
    auto s = t.in2out(c1, kA, udp(in.c_str(), 4000, "198.51.100.1", 53), 0, 0, 0);
    extOf[h] = s.session->extAddr;
    EXPECT_EQ(t.in2out(c1, kA, udp(in.c_str(), 4001, "198.51.100.1", 53), 0, 0, 0).session->extAddr, extOf[h]);
  }
  EXPECT_NE(extOf[0], extOf[1]) << "10.0.1.10 and .11 hash to the two addresses";
  t.in2out(c1, kB, udp("10.0.1.10", 4000, "198.51.100.1", 53), 0, 0, 0);
  auto shrunk = a;
  shrunk.addresses.erase(shrunk.addresses.begin() + 1);
  auto c2 = config({shrunk, instance(kB, "203.0.113.20")});
  // The next packet with the new snapshot resyncs the table.
  EXPECT_EQ(t.in2out(c2, kB, udp("10.0.1.10", 4000, "198.51.100.1", 53), 0, 0, 1).created, false);
  EXPECT_EQ(t.sessionsOf(kA), 2u) << "the sessions on 203.0.113.11 are gone";
  t.forEach([](const Session& s) { EXPECT_NE(s.extAddr, ip("203.0.113.11")); });
  auto c3 = config({instance(kB, "203.0.113.20")});
  t.sync(c3);
  EXPECT_EQ(t.sessionsOf(kA), 0u);
  EXPECT_EQ(t.sessionsOf(kB), 1u);
  EXPECT_EQ(t.in2out(c3, kA, udp("10.0.1.10", 4000, "198.51.100.1", 53), 0, 0, 2).verdict, Verdict::NoInstance);
}

}  // namespace
}  // namespace hnv::nat
