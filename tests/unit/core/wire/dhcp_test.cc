// DHCPv4 messages: the fields address learning reads, and every refusal by
// the byte that is wrong.
#include "hnv/wire/dhcp.h"

#include <gtest/gtest.h>

#include <vector>

namespace hnv::wire {
namespace {

const MacAddr kClient = *MacAddr::parse("00:15:5d:00:00:04");

std::vector<std::uint8_t> ack() {
  std::vector<std::uint8_t> b(300);
  DhcpMessage m;
  m.op = DhcpOp::Reply;
  m.type = DhcpType::Ack;
  m.xid = 0x1234abcd;
  m.yiaddr = *Ipv4Addr::parse("10.0.1.77");
  m.chaddr = kClient;
  EXPECT_TRUE(writeDhcp(b, m).ok());
  return b;
}

TEST(Dhcp, ReadsWhatAWriterWrote) {
  auto m = parseDhcp(ack());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->op, DhcpOp::Reply);
  EXPECT_EQ(m->type, DhcpType::Ack);
  EXPECT_EQ(m->xid, 0x1234abcdu);
  EXPECT_EQ(m->yiaddr, *Ipv4Addr::parse("10.0.1.77"));
  EXPECT_TRUE(m->ciaddr.isUnspecified());
  EXPECT_EQ(m->chaddr, kClient);
}

TEST(Dhcp, FindsTheMessageTypeAfterOtherOptionsAndPads) {
  auto b = ack();
  // Move option 53 behind a pad and a subnet mask option (1, length 4).
  const std::uint8_t opts[] = {0, 1, 4, 255, 255, 255, 0, 53, 1, 5, 255};
  std::copy(std::begin(opts), std::end(opts), b.begin() + 240);
  auto m = parseDhcp(b);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, DhcpType::Ack);
  b[240 + 9] = 6;
  EXPECT_EQ(parseDhcp(b)->type, DhcpType::Nak);
}

TEST(Dhcp, ARequestCarriesTheAddressItAsksFor) {
  std::vector<std::uint8_t> b(300);
  DhcpMessage m;
  m.type = DhcpType::Request;
  m.chaddr = kClient;
  m.requested = *Ipv4Addr::parse("10.0.1.77");
  ASSERT_TRUE(writeDhcp(b, m).ok());
  auto r = parseDhcp(b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, DhcpType::Request);
  EXPECT_EQ(r->requested, *Ipv4Addr::parse("10.0.1.77"));
  ASSERT_EQ(b[243], 50);  // after option 53 (240..242)
  b[244] = 3;             // option 50 must hold 4 bytes
  auto bad = parseDhcp(b);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().offset, 244u);
}

TEST(Dhcp, PlainBootpHasNoMessageType) {
  std::vector<std::uint8_t> b(241);
  DhcpMessage m;
  ASSERT_EQ(*writeDhcp(b, m), 241u);
  EXPECT_EQ(parseDhcp(b)->type, DhcpType::None);
}

TEST(Dhcp, RefusesByTheByteThatIsWrong) {
  auto check = [](std::vector<std::uint8_t> b, WireErrc code, std::size_t offset) {
    auto m = parseDhcp(b);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, code);
    EXPECT_EQ(m.error().offset, offset);
  };
  check(std::vector<std::uint8_t>(239), WireErrc::Truncated, 239);
  auto b = ack();
  b[0] = 3;
  check(b, WireErrc::Malformed, 0);
  b = ack();
  b[1] = 6;  // IEEE 802 is 6: not Ethernet's 1
  check(b, WireErrc::Unsupported, 1);
  b = ack();
  b[2] = 8;
  check(b, WireErrc::Unsupported, 2);
  b = ack();
  b[236] = 0;
  check(b, WireErrc::Malformed, 236);
  b = ack();
  b[241] = 2;  // option 53 with length 2
  check(b, WireErrc::Malformed, 241);
  b = ack();
  b.resize(242);  // option 53's length, not its value
  check(b, WireErrc::Truncated, 240);
}

TEST(Dhcp, WriterRefusesATooSmallBuffer) {
  std::vector<std::uint8_t> b(243);
  DhcpMessage m;
  m.type = DhcpType::Ack;
  EXPECT_FALSE(writeDhcp(b, m).ok());
}

}  // namespace
}  // namespace hnv::wire
