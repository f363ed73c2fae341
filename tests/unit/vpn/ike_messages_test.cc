// The line protocol between hnv-iked and hnvgwd: every message survives a
// round trip, and bad lines are refused with the field and the reason.
#include <gtest/gtest.h>

#include "hnv/ike_ipc/messages.h"

namespace hnv::ikeipc {
namespace {

IpAddr ip(const char* t) { return *IpAddr::parse(t); }

SaAdd sampleSa() {
  SaAdd s;
  s.spi = 0xc1234567;
  s.inbound = true;
  s.src = ip("198.51.100.2");
  s.dst = ip("192.0.2.1");
  s.srcPort = 4501;
  s.dstPort = 4500;
  s.encap = true;
  s.encAlg = 20;
  s.encKey = {0x00, 0x01, 0xfe, 0xff};
  s.intAlg = 1024;
  s.replayWindow = 32;
  s.reqid = 3;
  s.ifId = 7;
  s.softBytes = 1;
  s.hardBytes = 2;
  s.softPackets = 3;
  s.hardPackets = 4;
  s.softSeconds = 3000;
  s.hardSeconds = 3600;
  s.srcTs = {Selector{ip("172.16.1.0"), ip("172.16.1.255"), 0, 0, 65535}};
  s.dstTs = {Selector{ip("10.0.1.0"), ip("10.0.1.255"), 17, 53, 53}};
  return s;
}

TEST(IkeMessages, EveryMessageSurvivesARoundTrip) {
  const SaAdd sa = sampleSa();
  auto back = decode(encode(sa));
  ASSERT_TRUE(back.ok()) << back.error().message();
  const auto& s = std::get<SaAdd>(*back);
  EXPECT_EQ(s.spi, sa.spi);
  EXPECT_TRUE(s.inbound);
  EXPECT_EQ(s.src, sa.src);
  EXPECT_EQ(s.dst, sa.dst);
  EXPECT_EQ(s.srcPort, 4501);
  EXPECT_EQ(s.encKey, sa.encKey);
  EXPECT_TRUE(s.intKey.empty());
  EXPECT_EQ(s.ifId, 7u);
  EXPECT_EQ(s.hardSeconds, 3600u);
  EXPECT_EQ(s.srcTs, sa.srcTs);
  EXPECT_EQ(s.dstTs, sa.dstTs);
  EXPECT_FALSE(s.handedOver);
  EXPECT_EQ(s.usedPackets + s.usedBytes + s.usedSequence, 0u);
  EXPECT_EQ(encode(sa).find("handedOver"), std::string::npos) << "a new SA carries no use";
  SaAdd handedOver = sa;
  handedOver.handedOver = true;
  handedOver.usedPackets = 5000000000ull;  // past 2^32: 64 bits on the wire
  handedOver.usedBytes = 7000000000000ull;
  handedOver.usedSequence = 5016777216ull;
  auto again = decode(encode(handedOver));
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_TRUE(std::get<SaAdd>(*again).handedOver);
  EXPECT_EQ(std::get<SaAdd>(*again).usedPackets, 5000000000ull);
  EXPECT_EQ(std::get<SaAdd>(*again).usedBytes, 7000000000000ull);
  EXPECT_EQ(std::get<SaAdd>(*again).usedSequence, 5016777216ull);

  Policy p;
  p.add = false;
  p.direction = PolicyDirection::In;
  p.src = sa.srcTs[0];
  p.dst = sa.dstTs[0];
  p.tunnelSrc = ip("198.51.100.2");
  p.tunnelDst = ip("192.0.2.1");
  p.spi = 9;
  p.ifId = 7;
  auto pb = decode(encode(p));
  ASSERT_TRUE(pb.ok()) << pb.error().message();
  EXPECT_EQ(std::get<Policy>(*pb).direction, PolicyDirection::In);
  EXPECT_FALSE(std::get<Policy>(*pb).add);
  EXPECT_EQ(std::get<Policy>(*pb).dst, p.dst);

  Counters c{{SaCount{5, 1ull << 40, 7, 99, 16777223}, SaCount{6, 1, 1, 1, 0}}};
  auto cb = decode(encode(c));
  ASSERT_TRUE(cb.ok());
  EXPECT_EQ(std::get<Counters>(*cb).sas.at(0).bytes, 1ull << 40);
  EXPECT_EQ(std::get<Counters>(*cb).sas.at(0).sequence, 16777223u);
  EXPECT_EQ(std::get<Counters>(*cb).sas.at(1).sequence, 0u);

  auto eb = decode(encode(Expire{5, ip("2001:db8::1"), true}));
  ASSERT_TRUE(eb.ok());
  EXPECT_EQ(std::get<Expire>(*eb).dst, ip("2001:db8::1"));
  EXPECT_TRUE(std::get<Expire>(*eb).hard);

  auto ev = decode(encode(Event{"alert", "s2s-a", "", "peer-auth-failed", 0, 0}));
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(std::get<Event>(*ev).what, "peer-auth-failed");
  auto hb = decode(encode(Hello{"hnv-iked", kVersion, "10.99.0.1<->10.99.0.2"}));
  ASSERT_TRUE(hb.ok());
  EXPECT_EQ(std::get<Hello>(*hb).ha, "10.99.0.1<->10.99.0.2");
  auto hn = decode(R"({"type":"hello","program":"hnvgwd","version":1})");  // no "ha": none
  ASSERT_TRUE(hn.ok());
  EXPECT_EQ(std::get<Hello>(*hn).ha, "");
  auto rb = decode(encode(ClusterRole{true, {"100/s2s-a", "200/s2s-b"}}));
  ASSERT_TRUE(rb.ok());
  EXPECT_TRUE(std::get<ClusterRole>(*rb).active);
  EXPECT_EQ(std::get<ClusterRole>(*rb).persistent, (std::vector<std::string>{"100/s2s-a", "200/s2s-b"}));
  const Connections withCerts{"connections {}\n",
                              {{"x509", "a_s2s.pem", "CERT"}, {"private", "a_s2s.pem", "KEY"}, {"x509ca", "a-ca1.pem", "CA"}}};
  auto cc = decode(encode(withCerts));
  ASSERT_TRUE(cc.ok());
  EXPECT_EQ(std::get<Connections>(*cc).credentials, withCerts.credentials);
  auto old = decode(R"({"type":"connections","swanctlConf":"x"})");  // before certificates: none
  ASSERT_TRUE(old.ok());
  EXPECT_TRUE(std::get<Connections>(*old).credentials.empty());
  for (const Message& m : {Message(Hello{"hnv-iked", kVersion, ""}), Message(SaDel{5, ip("192.0.2.1")}),
                           Message(SaUpdate{5, ip("192.0.2.9"), ip("192.0.2.1"), 4500, 4500, true}),
                           Message(Result_{5, false, "duplicate SPI"}), Message(Connections{"connections {}\n", {}}),
                           Message(IkeResync{true}), Message(Dial{"100_s2s-a"}),
                           Message(IkeIn{{ip("198.51.100.2"), ip("192.0.2.5"), 4500, 4500, {1, 2, 3}}}),
                           Message(IkeOut{{ip("192.0.2.5"), ip("198.51.100.2"), 500, 500, {}}})}) {
    auto r = decode(encode(m));
    ASSERT_TRUE(r.ok()) << encode(m);
    EXPECT_EQ(r->index(), m.index());
  }
}

TEST(IkeMessages, BadLinesSayWhichFieldAndWhy) {
  struct Case {
    std::string line;
    std::string says;
  } cases[] = {
      {"{not json", "JSON"},
      {"[1,2]", "not an object"},
      {R"({"kind":"x"})", "type: missing"},
      {R"({"type":"sa-frobnicate"})", "'sa-frobnicate' is not a message type"},
      {R"({"type":"sa-del","spi":-1,"dst":"192.0.2.1"})", "spi: not a non-negative integer"},
      {R"({"type":"sa-del","spi":4294967296,"dst":"192.0.2.1"})", "spi: 4294967296 is out of range"},
      {R"({"type":"sa-del","spi":5,"dst":"192.0.2.300"})", "dst: '192.0.2.300' is not an IP address"},
      {R"({"type":"expire","spi":5,"dst":"192.0.2.1","hard":"yes"})", "hard: not true or false"},
      {R"({"type":"counters","sas":[{"spi":1,"bytes":2,"packets":3}]})", "sas[0].lastUse: missing"},
      {R"({"type":"policy","add":true,"direction":"sideways"})", "direction: 'sideways' is not in, out or fwd"},
      {R"({"type":"cluster-role","active":true,"persistent":["a",7]})", "persistent[1]: not a string"},
      {R"({"type":"cluster-role","active":true})", "persistent: missing"},
      {R"({"type":"connections","swanctlConf":"","credentials":[{"dir":"x509","name":"../../etc/passwd","pem":""}]})",
       "credentials[0].name: '../../etc/passwd' is not a plain file name"},
      {R"({"type":"connections","swanctlConf":"","credentials":[{"dir":"/tmp","name":"a.pem","pem":""}]})",
       "credentials[0].name: directory '/tmp' is not x509, x509ca, x509crl or private"},
      {R"({"type":"connections","swanctlConf":"","credentials":[{"dir":"x509","name":"a.pem"}]})",
       "credentials[0].pem: missing"},
  };
  for (const auto& c : cases) {
    auto r = decode(c.line);
    ASSERT_FALSE(r.ok()) << c.line;
    EXPECT_NE(r.error().message().find(c.says), std::string::npos) << c.line << " -> " << r.error().message();
  }
  std::string sa = encode(sampleSa());
  sa.replace(sa.find("\"0001feff\""), 10, "\"0001fg\"");
  auto r = decode(sa);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("encKey: not hex"), std::string::npos) << r.error().message();
  std::string ts = encode(sampleSa());
  ts.replace(ts.find("\"10.0.1.255\""), 12, "\"2001:db8::\"");
  r = decode(ts);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("dstTs[0].to: not of the family of 'from'"), std::string::npos)
      << r.error().message();
}

TEST(IkeMessages, SelectorsPrintAsOperatorsWriteThem) {
  EXPECT_EQ(toString(Selector{ip("10.0.1.5"), ip("10.0.1.9"), 17, 53, 53}), "10.0.1.5-10.0.1.9 proto 17 port 53");
  EXPECT_EQ(toString(Selector{ip("10.0.1.5"), ip("10.0.1.5"), 0, 0, 65535}), "10.0.1.5");
}

}  // namespace
}  // namespace hnv::ikeipc
