// The exported state of NAT44 sessions, for the cluster to replicate (the
// active gateway streams it, the standby imports it): a full snapshot
// (SessionTable::exportState) and a journal of events (create, refresh,
// delete) drained from a table that keeps one.
//
// On the wire an event is a fixed 56-byte record (encodeEvent), in network
// byte order, that names the tenant by its routing domain id: tenant
// indexes are a node's own, routing domains are the same on every node.
//
//   0   version (1)        1  kind (1 create, 2 refresh, 3 delete)
//   2   protocol (6, 17, 1) 3  flags: bit 0 opened from outside, bit 1 static mapping
//   4   TCP bits (TcpBits) 5..7 zero
//   8   routing domain id (16 bytes)
//   24  inside address     28 external address  32 remote address
//   36  inside port        38 external port     40 remote port   42..43 zero
//   44  idle milliseconds at export             48 timeout milliseconds
//   52..55 zero
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "hnv/base/guid.h"
#include "hnv/base/ip.h"
#include "hnv/base/result.h"
#include "hnv/base/tenant.h"
#include "hnv/nat/config.h"

namespace hnv::nat {

enum class SessionEventKind : std::uint8_t { Create = 1, Refresh = 2, Delete = 3 };

// One session as a table exports it (tenant as the node's index).
struct SessionState {
  SessionEventKind kind = SessionEventKind::Create;
  TenantId tenant = TenantId::node();
  Proto proto = Proto::Udp;
  std::uint8_t tcp = 0;
  bool fromOutside = false;
  bool isStatic = false;
  Ipv4Addr inAddr, extAddr, remAddr;
  std::uint16_t inPort = 0, extPort = 0, remPort = 0;
  std::uint32_t idleMs = 0;     // idle for this long when exported
  std::uint32_t timeoutMs = 0;  // its timeout then
};

// The same on the wire: the tenant as its routing domain.
struct SessionEvent {
  SessionState state;  // state.tenant unused
  Rdid rdid;
};

inline constexpr std::size_t kSessionEventBytes = 56;
inline constexpr std::uint8_t kSessionEventVersion = 1;

std::array<std::uint8_t, kSessionEventBytes> encodeEvent(const SessionEvent& e);
// Refuses a record of another length or version, an unknown kind, protocol
// or flag, and non-zero reserved bytes, naming the byte.
Result<SessionEvent> decodeEvent(std::span<const std::uint8_t> bytes);

}  // namespace hnv::nat
