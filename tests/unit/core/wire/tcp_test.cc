#include "hnv/wire/tcp.h"

#include <algorithm>
#include <iterator>

#include <gtest/gtest.h>

#include "captures.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "wire_test_util.h"

namespace hnv::wire {
namespace {

using test::Bytes;
using test::errorOf;
using test::ip4;
using test::ip6;
using test::toBytes;

Bytes syn4() { return toBytes(std::span<const std::uint8_t>(test::kTcp4Syn).subspan(34)); }
Bytes syn6() { return toBytes(std::span<const std::uint8_t>(test::kTcp6Syn).subspan(54)); }

std::uint32_t pseudo4(std::size_t length) {
  return ipv4PseudoHeaderSum(ip4("198.51.100.1"), ip4("198.51.100.2"), kIpProtoTcp, static_cast<std::uint16_t>(length));
}

std::uint32_t pseudo6(std::size_t length) {
  return ipv6PseudoHeaderSum(ip6("2001:db8::1"), ip6("2001:db8::2"), kIpProtoTcp, static_cast<std::uint32_t>(length));
}

std::uint16_t mssOf(std::span<const std::uint8_t> segment) {
  auto h = parseTcp(segment);
  EXPECT_TRUE(h.ok());
  if (!h) return 0;
  auto mss = findMss(h->options);
  EXPECT_TRUE(mss.ok() && mss->has_value());
  return mss.ok() && mss->has_value() ? (*mss)->value : 0;
}

TEST(Tcp, ParsesCapturedSyn) {
  const Bytes s = syn4();
  auto h = parseTcp(s);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->srcPort, 59704);
  EXPECT_EQ(h->dstPort, 80);
  EXPECT_EQ(h->seq, 0xd861f0ccu);
  EXPECT_EQ(h->ack, 0u);
  EXPECT_EQ(h->dataOffset, 10);
  EXPECT_EQ(h->headerLength(), 40u);
  EXPECT_EQ(h->flags, kTcpSyn);
  EXPECT_TRUE(h->has(kTcpSyn));
  EXPECT_FALSE(h->has(kTcpAck));
  EXPECT_EQ(h->window, 0xfaf0);
  EXPECT_EQ(h->checksum, 0x76d7);
  EXPECT_EQ(h->urgent, 0);
  EXPECT_EQ(h->options.size(), 20u);
  EXPECT_TRUE(h->payload.empty());
  auto mss = findMss(h->options);
  ASSERT_TRUE(mss.ok());
  ASSERT_TRUE(mss->has_value());
  EXPECT_EQ((*mss)->value, 1460);
  EXPECT_EQ((*mss)->offset, 2);
  EXPECT_TRUE(tcpChecksumOk(s, pseudo4(s.size())));
  EXPECT_TRUE(tcpChecksumOk(syn6(), pseudo6(syn6().size())));
  EXPECT_EQ(mssOf(syn6()), 1440);
}

TEST(Tcp, TruncatedAtEveryLength) { test::expectTruncatedBelow(parseTcp, syn4(), kTcpHeaderLen); }

TEST(Tcp, RefusesBadDataOffset) {
  Bytes s = syn4();
  for (std::uint8_t words : {0, 1, 4}) {
    s[12] = static_cast<std::uint8_t>(words << 4);
    EXPECT_EQ(errorOf(parseTcp(s)), (WireError{WireErrc::BadHeaderLength, 12})) << int{words};
  }
  s[12] = 0xb0;  // 44 bytes in a 40-byte segment.
  EXPECT_EQ(errorOf(parseTcp(s)), (WireError{WireErrc::BadHeaderLength, 12}));
  s[12] = 0x50;
  auto h = parseTcp(s);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->options.empty());
  EXPECT_EQ(h->payload.size(), 20u);
}

TEST(Tcp, FindMssWalksOptionsSafely) {
  struct Case {
    Bytes options;
    std::optional<std::uint16_t> mss;
    std::optional<WireError> error;
  };
  const Case cases[] = {
      {{}, std::nullopt, std::nullopt},
      {{1, 1, 2, 4, 0x05, 0xb4}, 1460, std::nullopt},
      {{0, 0, 2, 4, 0x05, 0xb4}, std::nullopt, std::nullopt},                        // After EOL: not looked at.
      {{4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 2, 4, 0x02, 0x18}, 536, std::nullopt},  // After SACK-perm and TS.
      {{1, 2}, std::nullopt, WireError{WireErrc::Malformed, 1}},                     // No length byte.
      {{3, 0, 1, 1}, std::nullopt, WireError{WireErrc::Malformed, 0}},               // Length 0.
      {{3, 1, 1, 1}, std::nullopt, WireError{WireErrc::Malformed, 0}},               // Length 1.
      {{1, 8, 10, 2, 2, 4}, std::nullopt, WireError{WireErrc::Malformed, 1}},        // Past the end.
      {{2, 3, 5, 1}, std::nullopt, WireError{WireErrc::Malformed, 0}},               // MSS of length 3.
      {{2, 4, 5}, std::nullopt, WireError{WireErrc::Malformed, 0}},                  // MSS cut short.
  };
  for (const Case& c : cases) {
    auto mss = findMss(c.options);
    if (c.error) {
      EXPECT_EQ(errorOf(mss), *c.error) << ::testing::PrintToString(c.options);
      continue;
    }
    ASSERT_TRUE(mss.ok()) << ::testing::PrintToString(c.options);
    ASSERT_EQ(mss->has_value(), c.mss.has_value()) << ::testing::PrintToString(c.options);
    if (c.mss) {
      EXPECT_EQ((*mss)->value, *c.mss);
    }
  }
}

TEST(Tcp, ClampMssKeepsChecksumValid) {
  Bytes s = syn4();
  ASSERT_TRUE(clampMss(s, 1418));
  EXPECT_EQ(mssOf(s), 1418);
  EXPECT_TRUE(tcpChecksumOk(s, pseudo4(s.size())));
  // The incremental result equals a full recomputation.
  Bytes recomputed = s;
  ASSERT_TRUE(setTcpChecksum(recomputed, pseudo4(s.size())));
  EXPECT_EQ(recomputed, s);
  // Only the two MSS bytes and the checksum changed.
  const Bytes before = syn4();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 16 || i == 17 || i == 22 || i == 23) continue;
    EXPECT_EQ(s[i], before[i]) << "byte " << i;
  }
  // Over IPv6 too.
  Bytes s6 = syn6();
  ASSERT_TRUE(clampMss(s6, 1398));
  EXPECT_EQ(mssOf(s6), 1398);
  EXPECT_TRUE(tcpChecksumOk(s6, pseudo6(s6.size())));
}

TEST(Tcp, ClampMssLeavesSmallerMssAlone) {
  Bytes s = syn4();
  EXPECT_FALSE(clampMss(s, 1460));
  EXPECT_FALSE(clampMss(s, 9000));
  EXPECT_EQ(s, syn4());
  // No MSS option at all.
  Bytes plain = PacketBuilder().tcp(1, 2).tcpFlags(kTcpSyn).build();
  const Bytes copy = plain;
  EXPECT_FALSE(clampMss(plain, 1000));
  EXPECT_EQ(plain, copy);
}

// A segment with [NOP, MSS 1460, NOP, NOP, NOP] (MSS value at an odd offset)
// or [MSS, MSS] and a payload, checksummed from scratch.
Bytes segmentWithOptions(const Bytes& options, std::uint32_t pseudo) {
  static constexpr std::uint8_t kHeader[20] = {0x30, 0x39, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0, kTcpSyn, 0xff, 0xff, 0, 0, 0, 0};
  static constexpr std::uint8_t kPayload[3] = {0xde, 0xad, 0xbe};
  // Sized once and filled by copy: g++ 12 at -O2 warns falsely (-Warray-bounds)
  // about vector::insert growing a 20-byte vector.
  Bytes s(sizeof kHeader + options.size() + sizeof kPayload);
  std::copy(std::begin(kHeader), std::end(kHeader), s.begin());
  std::copy(options.begin(), options.end(), s.begin() + sizeof kHeader);
  std::copy(std::begin(kPayload), std::end(kPayload), s.begin() + static_cast<std::ptrdiff_t>(sizeof kHeader + options.size()));
  s[12] = static_cast<std::uint8_t>((20 + options.size()) / 4 << 4);
  EXPECT_TRUE(setTcpChecksum(s, pseudo));
  return s;
}

TEST(Tcp, ClampMssAtOddOffset) {
  for (std::uint16_t original : {1460, 0xffff, 0x1234, 0x0101, 8961}) {
    for (std::uint16_t clamp : {1360, 0x00ff, 0x0100, 1}) {
      Bytes s = segmentWithOptions(
          {1, 2, 4, static_cast<std::uint8_t>(original >> 8), static_cast<std::uint8_t>(original), 1, 1, 1},
          pseudo4(31));
      ASSERT_EQ(s[23], original >> 8);  // The value starts at an odd offset.
      EXPECT_EQ(clampMss(s, clamp), original > clamp);
      EXPECT_EQ(mssOf(s), std::min(original, clamp));
      EXPECT_TRUE(tcpChecksumOk(s, pseudo4(s.size()))) << original << " -> " << clamp;
    }
  }
}

TEST(Tcp, ClampMssClampsEveryMssOption) {
  Bytes s = segmentWithOptions({2, 4, 0x23, 0x28, 2, 4, 0x05, 0xb4}, pseudo4(31));
  ASSERT_TRUE(clampMss(s, 1200));
  EXPECT_EQ(load16(&s[22]), 1200);
  EXPECT_EQ(load16(&s[26]), 1200);
  EXPECT_TRUE(tcpChecksumOk(s, pseudo4(s.size())));
}

TEST(Tcp, ClampMssRefusesMalformedInput) {
  // A valid MSS followed by a zero-length option: nothing is changed.
  Bytes s = segmentWithOptions({2, 4, 0x23, 0x28, 8, 0, 0, 0}, pseudo4(31));
  const Bytes copy = s;
  EXPECT_FALSE(clampMss(s, 1200));
  EXPECT_EQ(s, copy);
  // Truncated headers.
  for (std::size_t n = 0; n < 28; ++n) {
    Bytes cut(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(clampMss(cut, 1200)) << n;
  }
}

TEST(Tcp, ChecksumDetectsCorruption) {
  Bytes s = syn4();
  s[4] ^= 0x01;
  EXPECT_FALSE(tcpChecksumOk(s, pseudo4(s.size())));
  EXPECT_FALSE(tcpChecksumOk(std::span(s).first(19), 0));
  EXPECT_FALSE(setTcpChecksum(std::span(s).first(19), 0));
  const Bytes bad = PacketBuilder().ipv4(ip4("10.0.0.1"), ip4("10.0.0.2")).tcp(1, 2).corruptChecksum().build();
  EXPECT_FALSE(tcpChecksumOk(std::span(bad).subspan(20),
                             ipv4PseudoHeaderSum(ip4("10.0.0.1"), ip4("10.0.0.2"), kIpProtoTcp, 20)));
}

TEST(Tcp, WriterAndBuilder) {
  TcpFields f;
  f.srcPort = 1234;
  f.dstPort = 443;
  f.seq = 7;
  f.ack = 9;
  f.flags = kTcpSyn | kTcpAck | kTcpEce | kTcpCwr;
  f.window = 1000;
  f.urgent = 3;
  f.mss = 1400;
  Bytes out(24);
  auto n = writeTcp(out, f);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 24u);
  auto h = parseTcp(out);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->srcPort, 1234);
  EXPECT_EQ(h->dstPort, 443);
  EXPECT_EQ(h->seq, 7u);
  EXPECT_EQ(h->ack, 9u);
  EXPECT_EQ(h->flags, 0xd2);
  EXPECT_EQ(h->window, 1000);
  EXPECT_EQ(h->urgent, 3);
  EXPECT_EQ(mssOf(out), 1400);
  EXPECT_EQ(errorOf(writeTcp(std::span(out).first(23), f)), (WireError{WireErrc::Truncated, 23}));

  const Bytes packet = PacketBuilder()
                           .ipv6(ip6("2001:db8::1"), ip6("2001:db8::2"))
                           .tcp(40000, 80)
                           .tcpFlags(kTcpSyn)
                           .tcpSeq(100)
                           .tcpAck(0)
                           .mss(8960)
                           .payloadFill(5, 1)
                           .build();
  auto ip = parseIpv6(packet);
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->nextHeader, kIpProtoTcp);
  EXPECT_EQ(mssOf(ip->payload), 8960);
  EXPECT_TRUE(tcpChecksumOk(ip->payload, ipv6PseudoHeaderSum(ip->src, ip->dst, kIpProtoTcp, 29)));
}

}  // namespace
}  // namespace hnv::wire
