#include "hnv/wire/esp.h"

#include <gtest/gtest.h>

#include "captures.h"
#include "hnv/wire/builder.h"
#include "wire_test_util.h"

namespace hnv::wire {
namespace {

using test::Bytes;
using test::errorOf;
using test::ip4;
using test::mac;
using test::toBytes;

Bytes espOf(std::span<const std::uint8_t> frame) { return toBytes(frame.subspan(34)); }

TEST(Esp, ParsesHandWrittenPacket) {
  const Bytes bytes = espOf(test::kEsp4);
  auto h = parseEsp(bytes);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->spi, 0xc0deu);
  EXPECT_EQ(h->sequence, 7u);
  ASSERT_EQ(h->payload.size(), 16u);
  EXPECT_EQ(h->payload[15], 15);
}

TEST(Esp, BuilderMatchesHandWritten) {
  std::uint8_t ciphertext[16];
  for (std::uint8_t i = 0; i < 16; ++i) ciphertext[i] = i;
  const Bytes frame = PacketBuilder()
                          .eth(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"))
                          .ipv4(ip4("10.0.0.1"), ip4("10.0.0.2"))
                          .ipId(0x4321)
                          .df()
                          .esp(0xc0de, 7)
                          .payload(ciphertext)
                          .build();
  EXPECT_EQ(frame, toBytes(test::kEsp4));
}

TEST(Esp, TruncatedAtEveryLength) { test::expectTruncatedBelow(parseEsp, espOf(test::kEsp4), kEspHeaderLen); }

TEST(Esp, RefusesReservedSpiZero) {
  Bytes bytes = espOf(test::kEsp4);
  bytes[2] = bytes[3] = 0;
  EXPECT_EQ(errorOf(parseEsp(bytes)), (WireError{WireErrc::Malformed, 0}));
  bytes[3] = 1;  // IANA-reserved 1..255 are accepted (see esp.h).
  EXPECT_TRUE(parseEsp(bytes).ok());
}

TEST(Esp, Writer) {
  Bytes out(8);
  auto n = writeEsp(out, 0xdeadbeef, 0x01020304);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 8u);
  EXPECT_EQ(out, (Bytes{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4}));
  EXPECT_EQ(errorOf(writeEsp(out, 0, 1)), (WireError{WireErrc::Malformed, 0}));
  EXPECT_EQ(errorOf(writeEsp(std::span(out).first(7), 1, 1)), (WireError{WireErrc::Truncated, 7}));
}

}  // namespace
}  // namespace hnv::wire
