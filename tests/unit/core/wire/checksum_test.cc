#include "hnv/wire/checksum.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "captures.h"
#include "hnv/wire/bytes.h"
#include "wire_test_util.h"

namespace hnv::wire {
namespace {

using test::ip4;
using test::ip6;

TEST(Checksum, Rfc1071NumericalExample) {
  // RFC 1071 section 3: these bytes sum to 0xddf2.
  const std::array<std::uint8_t, 8> bytes = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksumFold(checksumAdd(0, bytes)), 0xddf2);
  EXPECT_EQ(internetChecksum(bytes), 0x220d);
}

TEST(Checksum, KnownIpv4Header) {
  // The classic example header (192.168.0.1 -> 192.168.0.199, UDP) whose
  // checksum is 0xb861.
  std::array<std::uint8_t, 20> header = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                         0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(checksumFold(checksumAdd(0, header)), 0xFFFF);
  header[10] = header[11] = 0;
  EXPECT_EQ(internetChecksum(header), 0xb861);
}

TEST(Checksum, OddLengthPadsWithZero) {
  const std::array<std::uint8_t, 1> one = {0x01};
  EXPECT_EQ(checksumAdd(0, one), 0x0100u);
  const std::array<std::uint8_t, 3> three = {0x12, 0x34, 0x56};
  EXPECT_EQ(checksumFold(checksumAdd(0, three)), 0x6834);
  EXPECT_EQ(checksumAdd(0, std::span<const std::uint8_t>()), 0u);
}

TEST(Checksum, RunningSumOverEvenPiecesEqualsWholeSum) {
  std::vector<std::uint8_t> bytes(301);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 37 + 11);
  const std::span<const std::uint8_t> all(bytes);
  std::uint32_t acc = checksumAdd(0, all.first(10));
  acc = checksumAdd(acc, all.subspan(10, 200));
  acc = checksumAdd(acc, all.subspan(210));
  EXPECT_EQ(checksumFold(acc), checksumFold(checksumAdd(0, all)));
  // Each path (8-byte blocks, 2-byte tail, odd byte) against a word-by-word sum.
  std::uint32_t slow = 0;
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) slow += load16(&bytes[i]);
  slow += std::uint32_t{bytes.back()} << 8;
  EXPECT_EQ(checksumFold(acc), checksumFold(slow));
}

TEST(Checksum, LargeBuffersDoNotOverflowTheAccumulator) {
  // 131072 bytes of 0x01: 65536 words of 0x0101, and 65536 = 1 (mod 0xFFFF).
  const std::vector<std::uint8_t> ones(131072, 0x01);
  EXPECT_EQ(checksumFold(checksumAdd(0, ones)), 0x0101);
  // Words of 0xffff are ones-complement zeros; so is an accumulator of all ones.
  const std::vector<std::uint8_t> ff(200000, 0xFF);
  EXPECT_EQ(checksumFold(checksumAdd(0xFFFFFFFFu, ff)), 0xFFFF);
  // One more byte is padded to the word 0xff00.
  const std::vector<std::uint8_t> odd(200001, 0xFF);
  EXPECT_EQ(checksumFold(checksumAdd(0xFFFFFFFFu, odd)), 0xFF00);
}

TEST(Checksum, Add16And32CarryAround) {
  EXPECT_EQ(checksumAdd16(0xFFFFFFFFu, 1), 1u);
  EXPECT_EQ(checksumFold(checksumAdd32(0, 0x12345678)), 0x68ac);
  EXPECT_EQ(checksumFold(0x0001FFFFu), 0x0001);
  EXPECT_EQ(checksumFinish(0xFFFFu), 0x0000);
}

TEST(Checksum, PseudoHeaders) {
  // c633 + 6401 + c633 + 6402 + 0011 + 0010 = 0x2548a.
  EXPECT_EQ(checksumFold(ipv4PseudoHeaderSum(ip4("198.51.100.1"), ip4("198.51.100.2"), 17, 16)), checksumFold(0x2548a));
  EXPECT_EQ(checksumFold(ipv6PseudoHeaderSum(ip6("2001:db8::1"), ip6("2001:db8::2"), 17, 17)), 0x5b97);
  // A 32-bit length: 0x10000 adds 1 to the upper word.
  EXPECT_EQ(checksumFold(ipv6PseudoHeaderSum(Ipv6Addr(), Ipv6Addr(), 0, 0x10000)), 0x0001);
}

TEST(Checksum, Rfc1624Example) {
  // RFC 1624 section 4: HC = 0xDD2F, m = 0x5555 -> m' = 0x3285 gives 0x0000
  // with equation 3 (equation 2 would give the wrong 0xFFFF).
  EXPECT_EQ(checksumAdjust16(0xDD2F, 0x5555, 0x3285), 0x0000);
}

TEST(Checksum, IncrementalUpdateMatchesRecomputation) {
  std::array<std::uint8_t, 20> header = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                         0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  // TTL 0x40 -> 0x3f: the word at offset 8 changes from 0x4011 to 0x3f11.
  std::uint16_t checksum = checksumAdjust16(load16(&header[10]), 0x4011, 0x3f11);
  header[8] = 0x3f;
  store16(&header[10], 0);
  EXPECT_EQ(checksum, internetChecksum(header));
  store16(&header[10], checksum);
  // Source address 192.168.0.1 -> 10.1.2.3.
  checksum = checksumAdjust32(checksum, load32(&header[12]), 0x0a010203);
  store32(&header[12], 0x0a010203);
  store16(&header[10], 0);
  EXPECT_EQ(checksum, internetChecksum(header));
}

TEST(Checksum, CapturedFramesVerify) {
  // The IPv4 header of a real ICMP echo request, and its ICMP message.
  const std::span<const std::uint8_t> frame(test::kIcmpEchoRequest);
  EXPECT_EQ(checksumFold(checksumAdd(0, frame.subspan(14, 20))), 0xFFFF);
  EXPECT_EQ(checksumFold(checksumAdd(0, frame.subspan(34))), 0xFFFF);
  // UDP over IPv6 with an odd payload length.
  const std::span<const std::uint8_t> udp6 = std::span<const std::uint8_t>(test::kUdp6).subspan(54);
  ASSERT_EQ(udp6.size(), 17u);
  EXPECT_EQ(checksumFold(checksumAdd(ipv6PseudoHeaderSum(ip6("2001:db8::1"), ip6("2001:db8::2"), 17, 17), udp6)),
            0xFFFF);
}

}  // namespace
}  // namespace hnv::wire

namespace hnv::wire {
namespace {

// The word-at-a-time sum against the definition (big-endian 16-bit words,
// an odd last byte padded with zero), for every length up to 200 and
// random contents and starting sums.
TEST(Checksum, AddMatchesTheDefinitionForEveryLength) {
  std::uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1103515245u + 12345u; };
  for (std::size_t len = 0; len <= 200; ++len) {
    for (int round = 0; round < 20; ++round) {
      std::vector<std::uint8_t> b(len);
      for (auto& x : b) x = static_cast<std::uint8_t>(next() >> 16);
      const std::uint32_t acc = round == 0 ? 0 : next();
      std::uint64_t want = acc;
      for (std::size_t i = 0; i + 1 < len; i += 2) want += (std::uint32_t{b[i]} << 8) | b[i + 1];
      if (len % 2 == 1) want += std::uint32_t{b[len - 1]} << 8;
      // Ones-complement sums are equal modulo 0xFFFF (0x0000 and 0xFFFF are both zero).
      EXPECT_EQ(checksumFold(checksumAdd(acc, b)) % 0xFFFF, want % 0xFFFF) << "length " << len << " round " << round;
    }
  }
}

}  // namespace
}  // namespace hnv::wire
