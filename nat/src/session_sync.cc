#include "hnv/nat/session_sync.h"

#include <string>

#include "hnv/wire/bytes.h"

namespace hnv::nat {
namespace {

using wire::load16;
using wire::load32;
using wire::store16;
using wire::store32;

constexpr std::uint8_t kFromOutside = 1, kStatic = 2;

Error bad(std::size_t at, std::string value, std::string why) {
  return makeError(Errc::Malformed, "session event byte " + std::to_string(at), std::move(value), std::move(why));
}

}  // namespace

std::array<std::uint8_t, kSessionEventBytes> encodeEvent(const SessionEvent& e) {
  const SessionState& s = e.state;
  std::array<std::uint8_t, kSessionEventBytes> b{};
  b[0] = kSessionEventVersion;
  b[1] = static_cast<std::uint8_t>(s.kind);
  b[2] = ipProtocolOf(s.proto);
  b[3] = static_cast<std::uint8_t>((s.fromOutside ? kFromOutside : 0) | (s.isStatic ? kStatic : 0));
  b[4] = s.tcp;
  const auto& id = e.rdid.guid().bytes();
  std::copy(id.begin(), id.end(), b.begin() + 8);
  store32(&b[24], s.inAddr.host());
  store32(&b[28], s.extAddr.host());
  store32(&b[32], s.remAddr.host());
  store16(&b[36], s.inPort);
  store16(&b[38], s.extPort);
  store16(&b[40], s.remPort);
  store32(&b[44], s.idleMs);
  store32(&b[48], s.timeoutMs);
  return b;
}

Result<SessionEvent> decodeEvent(std::span<const std::uint8_t> b) {
  if (b.size() != kSessionEventBytes) {
    return makeError(Errc::Malformed, "session event", std::to_string(b.size()) + " bytes",
                     "a record has exactly " + std::to_string(kSessionEventBytes));
  }
  if (b[0] != kSessionEventVersion) return bad(0, std::to_string(b[0]), "unknown version (this node reads 1)");
  if (b[1] < 1 || b[1] > 3) return bad(1, std::to_string(b[1]), "kind must be 1 (create), 2 (refresh) or 3 (delete)");
  auto proto = protoOf(b[2]);
  if (!proto) return bad(2, std::to_string(b[2]), "protocol must be 6 (TCP), 17 (UDP) or 1 (ICMP)");
  if ((b[3] & ~(kFromOutside | kStatic)) != 0) return bad(3, std::to_string(b[3]), "unknown flags");
  if ((b[4] & ~0x1Fu) != 0) return bad(4, std::to_string(b[4]), "unknown TCP bits");
  for (std::size_t at : {5, 6, 7, 42, 43, 52, 53, 54, 55}) {
    if (b[at] != 0) return bad(at, std::to_string(b[at]), "reserved: must be 0");
  }
  SessionEvent e;
  SessionState& s = e.state;
  s.kind = static_cast<SessionEventKind>(b[1]);
  s.proto = *proto;
  s.fromOutside = (b[3] & kFromOutside) != 0;
  s.isStatic = (b[3] & kStatic) != 0;
  s.tcp = b[4];
  std::array<std::uint8_t, 16> id{};
  std::copy(b.begin() + 8, b.begin() + 24, id.begin());
  e.rdid = Rdid(Guid(id));
  s.inAddr = Ipv4Addr::fromHost(load32(&b[24]));
  s.extAddr = Ipv4Addr::fromHost(load32(&b[28]));
  s.remAddr = Ipv4Addr::fromHost(load32(&b[32]));
  s.inPort = load16(&b[36]);
  s.extPort = load16(&b[38]);
  s.remPort = load16(&b[40]);
  s.idleMs = load32(&b[44]);
  s.timeoutMs = load32(&b[48]);
  return e;
}

}  // namespace hnv::nat
