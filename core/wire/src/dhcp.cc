#include "hnv/wire/dhcp.h"

#include <algorithm>

#include "hnv/wire/bytes.h"

namespace hnv::wire {

namespace {

constexpr std::uint8_t kOptionPad = 0, kOptionEnd = 255, kOptionMessageType = 53, kOptionRequestedAddress = 50;
constexpr std::size_t kHeaderAndCookie = kDhcpFixedLen + 4;

}  // namespace

WireResult<DhcpMessage> parseDhcp(std::span<const std::uint8_t> b) {
  if (b.size() < kHeaderAndCookie) return wireError(WireErrc::Truncated, b.size());
  const std::uint8_t* p = b.data();
  if (p[0] != 1 && p[0] != 2) return wireError(WireErrc::Malformed, 0);
  if (p[1] != 1) return wireError(WireErrc::Unsupported, 1);
  if (p[2] != 6) return wireError(WireErrc::Unsupported, 2);
  if (load32(p + kDhcpFixedLen) != kDhcpMagicCookie) return wireError(WireErrc::Malformed, kDhcpFixedLen);
  DhcpMessage m;
  m.op = static_cast<DhcpOp>(p[0]);
  m.xid = load32(p + 4);
  m.ciaddr = Ipv4Addr::fromBytes(p + 12);
  m.yiaddr = Ipv4Addr::fromBytes(p + 16);
  m.chaddr = MacAddr::fromBytes(p + 28);
  for (std::size_t i = kHeaderAndCookie; i < b.size();) {
    const std::uint8_t code = p[i];
    if (code == kOptionEnd) break;
    if (code == kOptionPad) {
      ++i;
      continue;
    }
    if (i + 2 > b.size() || i + 2 + p[i + 1] > b.size()) return wireError(WireErrc::Truncated, i);
    const std::uint8_t len = p[i + 1];
    if (code == kOptionMessageType) {
      if (len != 1) return wireError(WireErrc::Malformed, i + 1);
      m.type = static_cast<DhcpType>(p[i + 2]);
    } else if (code == kOptionRequestedAddress) {
      if (len != 4) return wireError(WireErrc::Malformed, i + 1);
      m.requested = Ipv4Addr::fromBytes(p + i + 2);
    }
    i += 2u + len;
  }
  return m;
}

WireResult<std::size_t> writeDhcp(std::span<std::uint8_t> out, const DhcpMessage& m) {
  const std::size_t len = kHeaderAndCookie + (m.type == DhcpType::None ? 0 : 3) + (m.requested ? 6 : 0) + 1;
  if (out.size() < len) return wireError(WireErrc::Truncated, out.size());
  std::fill(out.begin(), out.end(), 0);
  std::uint8_t* p = out.data();
  p[0] = static_cast<std::uint8_t>(m.op);
  p[1] = 1;
  p[2] = 6;
  store32(p + 4, m.xid);
  m.ciaddr.toBytes(p + 12);
  m.yiaddr.toBytes(p + 16);
  m.chaddr.toBytes(p + 28);
  store32(p + kDhcpFixedLen, kDhcpMagicCookie);
  std::size_t i = kHeaderAndCookie;
  if (m.type != DhcpType::None) {
    p[i++] = kOptionMessageType;
    p[i++] = 1;
    p[i++] = static_cast<std::uint8_t>(m.type);
  }
  if (m.requested) {
    p[i++] = kOptionRequestedAddress;
    p[i++] = 4;
    m.requested->toBytes(p + i);
    i += 4;
  }
  p[i++] = kOptionEnd;
  return std::max(len, out.size());
}

}  // namespace hnv::wire
