#include "hnv/wire/gre.h"

#include <gtest/gtest.h>

#include "captures.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "wire_test_util.h"

namespace hnv::wire {
namespace {

using test::Bytes;
using test::errorOf;
using test::ip4;
using test::mac;
using test::toBytes;

Bytes greOf(std::span<const std::uint8_t> frame) { return toBytes(frame.subspan(34)); }

TEST(Gre, ParsesHandWrittenChecksumKeySequence) {
  const Bytes message = greOf(test::kGreCks4);
  auto h = parseGre(message);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->protocol, kEtherTypeIpv4);
  EXPECT_EQ(h->checksum, 0x4396);
  EXPECT_EQ(h->key, 0x01020304u);
  EXPECT_EQ(h->sequence, 99u);
  EXPECT_EQ(h->headerLength, 16);
  EXPECT_TRUE(greChecksumOk(message));
  EXPECT_TRUE(parseIpv4(std::span(message).subspan(h->headerLength)).ok());
}

TEST(Gre, ParsesEveryFlagCombination) {
  for (int c = 0; c < 2; ++c) {
    for (int k = 0; k < 2; ++k) {
      for (int s = 0; s < 2; ++s) {
        GreFields f;
        f.protocol = kEtherTypeIpv6;
        f.withChecksum = c != 0;
        if (k) f.key = 0xabcdef01;
        if (s) f.sequence = 5;
        Bytes out(16, 0xEE);
        auto n = writeGre(out, f);
        ASSERT_TRUE(n.ok());
        EXPECT_EQ(*n, 4u + 4u * static_cast<unsigned>(c + k + s));
        auto h = parseGre(std::span(out).first(*n));
        ASSERT_TRUE(h.ok());
        EXPECT_EQ(h->headerLength, *n);
        EXPECT_EQ(h->protocol, kEtherTypeIpv6);
        EXPECT_EQ(h->checksum.has_value(), c != 0);
        EXPECT_EQ(h->key, f.key);
        EXPECT_EQ(h->sequence, f.sequence);
        // Every shorter prefix is truncated.
        for (std::size_t len = 0; len < *n; ++len) {
          EXPECT_EQ(errorOf(parseGre(std::span(out).first(len))).code, WireErrc::Truncated) << len;
        }
      }
    }
  }
}

TEST(Gre, BuilderMatchesHandWritten) {
  const std::uint8_t data[] = {0, 1, 2, 3, 4, 5, 6, 7};
  const Bytes frame = PacketBuilder()
                          .eth(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"))
                          .ipv4(ip4("10.0.0.1"), ip4("10.0.0.2"))
                          .ipId(0x5555)
                          .df()
                          .gre()
                          .greChecksum()
                          .greKey(0x01020304)
                          .greSequence(99)
                          .ipv4(ip4("198.51.100.1"), ip4("198.51.100.2"))
                          .ipId(0x00a5)
                          .df()
                          .icmpEchoRequest(0x27ba, 1)
                          .payload(data)
                          .build();
  EXPECT_EQ(frame, toBytes(test::kGreCks4));
}

TEST(Gre, RefusesOtherVersionsAndRfc1701Fields) {
  const Bytes good = greOf(test::kGreCks4);
  Bytes bad = good;
  bad[1] = 0x01;  // Version 1 (PPTP).
  EXPECT_EQ(errorOf(parseGre(bad)), (WireError{WireErrc::Unsupported, 1}));
  bad = good;
  bad[0] |= 0x40;  // Routing present.
  EXPECT_EQ(errorOf(parseGre(bad)), (WireError{WireErrc::Unsupported, 0}));
  bad = good;
  bad[0] |= 0x08;  // Strict source route.
  EXPECT_EQ(errorOf(parseGre(bad)), (WireError{WireErrc::Unsupported, 0}));
  bad = good;
  bad[0] |= 0x04;  // Recursion control, bit 5.
  EXPECT_EQ(errorOf(parseGre(bad)), (WireError{WireErrc::Unsupported, 0}));
  bad = good;
  bad[0] |= 0x03;  // Bits 6 and 7 are reserved and ignored.
  bad[1] |= 0xf8;  // So are bits 8-12.
  EXPECT_TRUE(parseGre(bad).ok());
}

TEST(Gre, ChecksumVerification) {
  Bytes message = greOf(test::kGreCks4);
  message.back() ^= 0x01;
  EXPECT_FALSE(greChecksumOk(message));
  ASSERT_TRUE(setGreChecksum(message));
  EXPECT_TRUE(greChecksumOk(message));
  // Without a checksum field there is nothing to verify or set.
  Bytes plain(4);
  ASSERT_TRUE(writeGre(plain, GreFields{kEtherTypeIpv4, false, std::nullopt, std::nullopt}).ok());
  EXPECT_FALSE(greChecksumOk(plain));
  EXPECT_FALSE(setGreChecksum(plain));
  const Bytes bad = PacketBuilder().gre().greChecksum().etherType(0x88b5).corruptChecksum().payload("x").build();
  EXPECT_TRUE(parseGre(bad).ok());
  EXPECT_FALSE(greChecksumOk(bad));
}

TEST(Gre, WriterRefusesShortBuffer) {
  Bytes out(11);
  EXPECT_EQ(errorOf(writeGre(out, GreFields{kEtherTypeIpv4, true, 1u, 2u})), (WireError{WireErrc::Truncated, 11}));
}

}  // namespace
}  // namespace hnv::wire
