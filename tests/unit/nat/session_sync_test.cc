// Exporting a table's sessions and importing them into another (the
// cluster's standby): the standby translates the active's flows the same
// way; the journal carries creates, refreshes and deletes; records that
// are not right are refused with the byte that is wrong.
#include "hnv/nat/session_sync.h"

#include <gtest/gtest.h>

#include "hnv/nat/sessions.h"

namespace hnv::nat {
namespace {

Ipv4Addr ip(const char* s) { return *Ipv4Addr::parse(s); }
const TenantId kA(1), kInternet(9);
const Rdid kRdidA = *Rdid::parse("aaaaaaaa-0000-4000-8000-00000000000a");

NatConfig config() {
  Instance i;
  i.tenant = kA;
  i.outside = kInternet;
  i.name = kRdidA.toString();
  i.addresses.push_back({ip("203.0.113.10"), 1024, 65535});
  i.addresses.push_back({ip("203.0.113.11"), 1024, 65535});
  i.statics.push_back({Proto::Tcp, ip("203.0.113.10"), 80, ip("10.0.1.20"), 8080, std::nullopt});
  i.addresses[0].firstPort = 1024;
  i.timeouts.udpIdle = 100;
  auto c = NatConfig::build({i});
  EXPECT_TRUE(c) << c.error().message();
  return std::move(*c);
}

// Through the wire format and back, tenant by routing domain.
SessionState viaWire(const SessionState& s) {
  SessionEvent e{s, kRdidA};
  auto bytes = encodeEvent(e);
  auto back = decodeEvent(bytes);
  EXPECT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->rdid, kRdidA);
  SessionState out = back->state;
  out.tenant = kA;  // the standby's index of that routing domain
  return out;
}

TEST(SessionSync, AStandbyFedTheSnapshotTranslatesLikeTheActive) {
  const auto c = config();
  SessionTable active({}), standby({});
  auto udp = active.in2out(c, kA, Flow{Proto::Udp, ip("10.0.1.10"), ip("198.51.100.1"), 4000, 53}, 0, 60, 1'000);
  auto web = active.out2in(c, kInternet, Flow{Proto::Tcp, ip("198.51.100.7"), ip("203.0.113.10"), 33000, 80}, 0x02, 60,
                           1'500);
  active.in2out(c, kA, Flow{Proto::Tcp, ip("10.0.1.20"), ip("198.51.100.7"), 8080, 33000}, 0x12, 60, 1'600);
  ASSERT_EQ(active.sessions(), 2u);
  int n = 0;
  active.exportState(2'000, [&](const SessionState& s) {
    ASSERT_TRUE(standby.importState(c, viaWire(s), 50'000).ok());
    ++n;
  });
  EXPECT_EQ(n, 2);
  EXPECT_EQ(standby.sessions(), 2u);
  // The answer to the UDP flow finds the same inside endpoint on the standby, same external port.
  auto back = standby.out2in(c, kInternet,
                             Flow{Proto::Udp, ip("198.51.100.1"), udp.session->extAddr, 53, udp.session->extPort}, 0, 60,
                             50'001);
  ASSERT_EQ(back.verdict, Verdict::Ok);
  EXPECT_FALSE(back.created);
  EXPECT_EQ(back.session->inAddr, ip("10.0.1.10"));
  EXPECT_EQ(back.session->inPort, 4000);
  // The web session kept its state (both SYNs: established) and its static mapping.
  Session* w = standby.findInside(kA, Proto::Tcp, ip("10.0.1.20"), 8080, ip("198.51.100.7"), 33000, 50'001);
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(w->tcpEstablished());
  EXPECT_TRUE(w->fromOutside);
  EXPECT_EQ(w->extPort, 80);
  EXPECT_EQ(w->timeoutMs, web.session->timeoutMs);
  // The idle time carried over: exported 1 s idle, imported at 50 s, the UDP session's last packet counts
  // as 49 s on the standby's clock (the answer from outside does not refresh it): it expires after 149 s.
  EXPECT_EQ(standby.expire(149'000, 10), 0u);
  EXPECT_EQ(standby.expire(149'001, 10), 1u);
}

TEST(SessionSync, TheJournalCarriesCreatesRefreshesAndDeletes) {
  const auto c = config();
  SessionTable active({}), standby({});
  active.keepJournal(100);
  const Flow f{Proto::Udp, ip("10.0.1.10"), ip("198.51.100.1"), 4000, 53};
  active.in2out(c, kA, f, 0, 60, 0);
  active.in2out(c, kA, f, 0, 60, 10'000);   // 10 s of a 100 s timeout: not worth a refresh yet
  active.in2out(c, kA, f, 0, 60, 30'000);   // 30 s since the last one told: a refresh
  std::vector<SessionState> events;
  auto drain = [&] {
    events.clear();
    active.drainJournal([&](const SessionState& s) { events.push_back(s); });
    for (const auto& e : events) ASSERT_TRUE(standby.importState(c, viaWire(e), 30'000).ok());
  };
  drain();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, SessionEventKind::Create);
  EXPECT_EQ(events[1].kind, SessionEventKind::Refresh);
  EXPECT_EQ(standby.sessions(), 1u);
  EXPECT_EQ(active.expire(130'001, 10), 1u);
  drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, SessionEventKind::Delete);
  EXPECT_EQ(standby.sessions(), 0u);
  EXPECT_EQ(standby.mappings(), 0u);
  // A bounded journal says when it lost events.
  SessionTable small({});
  small.keepJournal(1);
  small.in2out(c, kA, f, 0, 60, 0);
  small.in2out(c, kA, Flow{Proto::Udp, ip("10.0.1.11"), ip("198.51.100.1"), 4000, 53}, 0, 60, 0);
  EXPECT_TRUE(small.journalOverflowed());
}

TEST(SessionSync, ImportRefusesWhatThisNodeCannotHold) {
  const auto c = config();
  SessionTable standby({});
  SessionState s;
  s.tenant = kA;
  s.proto = Proto::Udp;
  s.inAddr = ip("10.0.1.10");
  s.inPort = 4000;
  s.remAddr = ip("198.51.100.1");
  s.remPort = 53;
  s.extAddr = ip("203.0.113.99");
  s.extPort = 4000;
  s.timeoutMs = 100'000;
  auto st = standby.importState(c, s, 0);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("not an external address of the tenant"), std::string::npos) << st.error().message();
  s.extAddr = ip("203.0.113.10");
  ASSERT_TRUE(standby.importState(c, s, 0).ok());
  EXPECT_EQ(standby.importState(c, s, 0).error().code, Errc::AlreadyExists);
  SessionState other = s;
  other.inAddr = ip("10.0.1.99");  // another endpoint on the same external port
  EXPECT_EQ(standby.importState(c, other, 0).error().code, Errc::Conflict);
  SessionTable worker1({.sessions = 64, .worker = 1, .workers = 2});
  s.extPort = 4000;  // (4000 - 1024) is even: worker 0's
  EXPECT_EQ(worker1.importState(c, s, 0).error().code, Errc::OutOfRange);
  SessionState gone = s;
  gone.kind = SessionEventKind::Delete;
  gone.remPort = 54;
  EXPECT_EQ(standby.importState(c, gone, 0).error().code, Errc::NotFound);
  SessionState foreign = s;
  foreign.tenant = TenantId(7);
  EXPECT_EQ(standby.importState(c, foreign, 0).error().code, Errc::NotFound);
}

TEST(SessionSync, BadRecordsAreRefusedByTheByteThatIsWrong) {
  SessionEvent e;
  e.state.proto = Proto::Tcp;
  e.rdid = kRdidA;
  const auto good = encodeEvent(e);
  EXPECT_TRUE(decodeEvent(good).ok());
  auto expectRefused = [&](std::size_t at, std::uint8_t value, const char* part) {
    auto b = good;
    b[at] = value;
    auto r = decodeEvent(b);
    ASSERT_FALSE(r.ok()) << "byte " << at;
    EXPECT_NE(r.error().message().find(part), std::string::npos) << r.error().message();
  };
  expectRefused(0, 2, "byte 0: 2: unknown version");
  expectRefused(1, 4, "kind must be");
  expectRefused(2, 47, "protocol must be");
  expectRefused(3, 4, "unknown flags");
  expectRefused(4, 0x20, "unknown TCP bits");
  expectRefused(43, 1, "reserved");
  auto shorter = decodeEvent(std::span(good).first(55));
  ASSERT_FALSE(shorter.ok());
  EXPECT_NE(shorter.error().message().find("55 bytes"), std::string::npos);
}

}  // namespace
}  // namespace hnv::nat
