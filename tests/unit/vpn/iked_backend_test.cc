// hnv-iked's backend without charon: what it sends to the data plane for
// charon's callbacks, SPI allocation, policy reference counting across a
// rekey, counters for query_sa. The link is standalone (no socket): what it
// would send is observed through the key log and the backend's state.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "hnv/iked/backend.h"

namespace hnv::iked {
namespace {

hnv_ike_addr_t v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint16_t port = 0) {
  hnv_ike_addr_t x{};
  x.family = 4;
  x.bytes[0] = a;
  x.bytes[1] = b;
  x.bytes[2] = c;
  x.bytes[3] = d;
  x.port = port;
  return x;
}

hnv_ike_ts_t net(std::uint8_t a, std::uint8_t b, std::uint8_t c) {
  hnv_ike_ts_t t{};
  t.from = v4(a, b, c, 0);
  t.to = v4(a, b, c, 255);
  t.to_port = 65535;
  return t;
}

TEST(IkedBackend, SpisAreInTheirRangeAndNeverRepeatWhileInUse) {
  Link link("", {});
  Backend b(link);
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const std::uint32_t spi = b.newSpi();
    ASSERT_GE(spi, 0xc0000000u);
    ASSERT_LE(spi, 0xcfffffffu);
    ASSERT_TRUE(seen.insert(spi).second) << "SPI handed out twice";
  }
}

TEST(IkedBackend, AnSaBecomesOneMessageWithItsKeysAndTenant) {
  const std::string path = ::testing::TempDir() + "/iked-keys.log";
  std::remove(path.c_str());
  Link link("", {});
  Backend b(link, path);
  const std::uint8_t key[36] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36};
  hnv_ike_ts_t src = net(172, 16, 1), dst = net(10, 0, 1);
  hnv_ike_sa_t sa{};
  sa.spi = 0xc0000001;
  sa.protocol = 50;
  sa.src = v4(198, 51, 100, 2, 4500);
  sa.dst = v4(192, 0, 2, 1, 4500);
  sa.encap = 1;
  sa.inbound = 1;
  sa.if_id_in_out = 7;
  sa.enc_alg = 20;
  sa.enc_key = key;
  sa.enc_key_len = sizeof key;
  sa.int_alg = 1024;
  sa.hard_seconds = 3600;
  sa.src_ts = &src;
  sa.src_ts_count = 1;
  sa.dst_ts = &dst;
  sa.dst_ts_count = 1;
  const ikeipc::SaAdd m = saAddOf(sa);
  EXPECT_EQ(m.src.toString(), "198.51.100.2");
  EXPECT_EQ(m.srcPort, 4500);
  EXPECT_EQ(m.encKey.size(), 36u);
  EXPECT_EQ(m.ifId, 7u);
  ASSERT_EQ(m.dstTs.size(), 1u);
  EXPECT_EQ(ikeipc::toString(m.dstTs[0]), "10.0.1.0-10.0.1.255");
  ASSERT_EQ(b.addSa(sa), 0);
  std::ifstream f(path);
  std::string line;
  ASSERT_TRUE(std::getline(f, line));
  EXPECT_EQ(line,
            "spi=0xc0000001 inbound=1 src=198.51.100.2 dst=192.0.2.1 encap=1 if_id=7 enc=20 "
            "key=0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324 int=1024 intkey=");
  std::uint64_t bytes = 1, packets = 1, last = 1;
  ASSERT_EQ(b.querySa(0xc0000001, bytes, packets, last), 0);
  EXPECT_EQ(bytes + packets + last, 0u) << "a new SA has counted nothing";
  auto unreported = b.handOver();  // before any report: handed over, no use known
  ASSERT_EQ(unreported.size(), 1u);
  EXPECT_TRUE(unreported[0].handedOver);
  EXPECT_EQ(unreported[0].usedPackets + unreported[0].usedSequence, 0u);
  b.onCounters(ikeipc::Counters{{ikeipc::SaCount{0xc0000001, 1500, 3, 42, 16777219}}});
  ASSERT_EQ(b.querySa(0xc0000001, bytes, packets, last), 0);
  EXPECT_EQ(bytes, 1500u);
  EXPECT_EQ(last, 42u);
  // Handed over again (a restarted hnvgwd): with the use last reported.
  auto again = b.handOver();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].spi, 0xc0000001u);
  EXPECT_EQ(again[0].encKey.size(), 36u);
  EXPECT_TRUE(again[0].handedOver);
  EXPECT_EQ(again[0].usedPackets, 3u);
  EXPECT_EQ(again[0].usedBytes, 1500u);
  EXPECT_EQ(again[0].usedSequence, 16777219u);
  hnv_ike_addr_t d = sa.dst;
  EXPECT_EQ(b.delSa(0xc0000001, d), 0);
  EXPECT_NE(b.querySa(0xc0000001, bytes, packets, last), 0) << "a deleted SA is not found";
  EXPECT_TRUE(b.handOver().empty());
}

TEST(IkedBackend, APolicyReaddedOnRekeyStaysUntilItsLastReferenceGoes) {
  Link link("", {});
  Backend b(link);
  hnv_ike_policy_t p{};
  p.add = 1;
  p.dir = HNV_POLICY_OUT;
  p.src_ts = net(10, 0, 1);
  p.dst_ts = net(172, 16, 1);
  p.if_id = 7;
  p.spi = 0x100;
  ASSERT_EQ(b.policy(p), 0);
  p.spi = 0x200;  // rekey: added again with the new SA first
  ASSERT_EQ(b.policy(p), 0);
  EXPECT_EQ(b.policyReferences(), 2u);
  p.add = 0;
  ASSERT_EQ(b.policy(p), 0);
  EXPECT_EQ(b.policyReferences(), 1u) << "the old SA's deletion leaves the policy";
  ASSERT_EQ(b.policy(p), 0);
  EXPECT_EQ(b.policyReferences(), 0u);
  ASSERT_EQ(b.policy(p), 0) << "an extra deletion is harmless";
  EXPECT_EQ(b.policyReferences(), 0u);
  // Another tenant's identical selectors are another policy.
  p.add = 1;
  p.if_id = 8;
  ASSERT_EQ(b.policy(p), 0);
  p.if_id = 7;
  ASSERT_EQ(b.policy(p), 0);
  EXPECT_EQ(b.policyReferences(), 2u);
}

TEST(IkedBackend, WithADataPlaneThatIsNotThereAnSaIsRefused) {
  Link link("/nonexistent/hnv-iked-test.sock", {});  // never started: not connected
  Backend b(link);
  const std::uint8_t key[20] = {};
  hnv_ike_sa_t sa{};
  sa.spi = 0xc0000002;
  sa.src = v4(192, 0, 2, 1);
  sa.dst = v4(198, 51, 100, 2);
  sa.enc_alg = 20;
  sa.enc_key = key;
  sa.enc_key_len = sizeof key;
  EXPECT_NE(b.addSa(sa), 0) << "charon must learn the SA is not installed";
  EXPECT_EQ(b.installedCount(), 0u);
  // With an IKE state sync it is a passive copy: kept for the data plane's return.
  b.keepWhileDisconnected(true);
  EXPECT_EQ(b.addSa(sa), 0);
  EXPECT_EQ(b.installedCount(), 1u);
}

}  // namespace
}  // namespace hnv::iked
