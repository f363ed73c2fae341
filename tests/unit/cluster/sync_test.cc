// The state sync: frames both ways and what is refused, and two StateSync
// objects over real TCP on the loopback (127.0.4x.1 serves, the standby
// connects from 127.0.4x.2), with records from a provider the test fills.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstring>

#include "hnv/cluster/state_sync.h"

namespace hnv::cluster {
namespace {

using ::testing::HasSubstr;

TEST(SyncFrame, EachTypeRoundTripsAndArrivesInPieces) {
  std::vector<std::uint8_t> wire;
  Frame hello{FrameType::Hello, 0, SyncStream::NatSessions, 0, {'{', '}'}};
  Frame records{FrameType::Records, 9, SyncStream::NatSessions, 4, {1, 2, 3, 4, 5, 6, 7, 8}};
  Frame end{FrameType::SnapshotEnd, 10, SyncStream::NatSessions, 0, {}};
  for (const auto* f : {&hello, &records, &end}) encodeFrame(*f, wire);
  // Byte by byte: nothing until a frame is whole.
  std::vector<std::uint8_t> buffer;
  std::vector<Frame> got;
  for (auto b : wire) {
    buffer.push_back(b);
    auto f = takeFrame(buffer);
    ASSERT_TRUE(f) << f.error().message();
    if (*f) got.push_back(std::move(**f));
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(got[0].body, hello.body);
  EXPECT_EQ(got[1].seq, 9u);
  EXPECT_EQ(got[1].records(), 2u);
  EXPECT_EQ(got[1].body, records.body);
  EXPECT_EQ(got[2].type, FrameType::SnapshotEnd);
  EXPECT_EQ(got[2].seq, 10u);
}

TEST(SyncFrame, RefusesWhatDoesNotFitItsType) {
  struct Case {
    std::vector<std::uint8_t> bytes;
    std::string says;
  } cases[] = {
      {{0, 0, 0, 0}, "a frame has 1 to 1048576 bytes"},
      {{0, 0x20, 0, 0}, "a frame has 1 to"},
      {{0, 0, 0, 1, 9}, "unknown frame type"},
      {{0, 0, 0, 2, 2, 0}, "has no payload"},
      {{0, 0, 0, 3, 5, 0, 0}, "carries an 8-byte sequence number only"},
      {{0, 0, 0, 5, 3, 0, 0, 0, 0}, "shorter than its 13-byte header"},
      {{0, 0, 0, 15, 3, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 4, 0, 1, 9}, "1 records of 4 bytes do not fill 1 bytes"},
      {{0, 0, 0, 14, 3, 0, 0, 0, 0, 0, 0, 0, 1, 7, 0, 4, 0, 0}, "unknown stream 7"},
  };
  for (auto& c : cases) {
    auto r = takeFrame(c.bytes);
    ASSERT_FALSE(r) << c.says;
    EXPECT_THAT(r.error().message(), HasSubstr(c.says));
  }
}

ClusterSettings member(const char* self, const char* selfAddr, const char* peer, const char* peerAddr) {
  ClusterSettings s;
  s.cluster = "gw1";
  s.self = {self, *Ipv4Addr::parse(selfAddr), 100};
  s.peer = MemberSettings{peer, *Ipv4Addr::parse(peerAddr), 100};
  s.syncPort = 17471;
  return s;
}

std::array<std::uint8_t, 8> record(std::uint64_t v) {
  std::array<std::uint8_t, 8> r{};
  std::memcpy(r.data(), &v, sizeof v);
  return r;
}

// Each test its own loopback addresses (127.0.<test>.x): ctest runs tests in parallel.
class SyncPair : public ::testing::Test {
 protected:
  std::string net() const {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    return name.starts_with("Snapshot") ? "127.0.41." : name.starts_with("With") ? "127.0.43." : "127.0.42.";
  }
  std::string addr(int host) const { return net() + std::to_string(host); }
  SyncPair() {
    SyncProvider p;
    p.snapshot = [this](const RecordEmit& emit) {
      for (auto v : state) emit(SyncStream::NatSessions, record(v));
    };
    p.drain = [this](const RecordEmit& emit) {
      for (auto v : journal) emit(SyncStream::NatSessions, record(v));
      journal.clear();
      return !lost;
    };
    SyncConsumer c;
    c.reset = [this] {
      replica.clear();
      ++resets;
    };
    c.apply = [this](SyncStream, std::span<const std::uint8_t> r) -> Status {
      if (r.size() != 8) return makeError(Errc::Malformed, "record", std::to_string(r.size()), "not 8 bytes");
      std::uint64_t v = 0;
      std::memcpy(&v, r.data(), sizeof v);
      replica.push_back(v);
      return okStatus();
    };
    active.emplace(io, p, SyncConsumer{});
    standby.emplace(io, SyncProvider{}, c);
    active->configure(member("gw1-a", addr(1).c_str(), "gw1-b", addr(2).c_str()));
    standby->configure(member("gw1-b", addr(2).c_str(), "gw1-a", addr(1).c_str()));
    active->setMode(Role::Active, false, 1);
    standby->setMode(Role::Standby, true, 1);
  }
  // Runs both for up to `limit` until `done`.
  bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      active->tick();
      standby->tick();
      io.run_for(std::chrono::milliseconds(5));
      if (done()) return true;
    }
    return false;
  }
  boost::asio::io_context io;
  std::vector<std::uint64_t> state, journal, replica;
  bool lost = false;
  int resets = 0;
  std::optional<StateSync> active, standby;
};

TEST_F(SyncPair, SnapshotThenChangesInOrderThenAResnapshotAfterLoss) {
  for (std::uint64_t i = 0; i < 10000; ++i) state.push_back(i);
  ASSERT_TRUE(runUntil([&] { return standby->synced(); })) << boost::json::serialize(standby->status());
  EXPECT_EQ(replica.size(), 10000u);
  EXPECT_EQ(resets, 1);
  auto st = active->status();
  EXPECT_EQ(st.at("last_snapshot").at("records"), 10000);
  // 10 frames of 1000 records (8 bytes each, 18 bytes of header), begin and end.
  EXPECT_EQ(st.at("last_snapshot").at("bytes"), 10 * (18 + 8000) + 5 + 13);
  ASSERT_TRUE(runUntil([&] { return active->status().at("unacked_frames") == 0; }));
  // Changes follow in order.
  journal = {20000, 20001, 20002};
  ASSERT_TRUE(runUntil([&] { return replica.size() == 10003; }));
  EXPECT_EQ(replica.back(), 20002u);
  // Changes were lost: the whole state again, after a reset.
  state.push_back(30000);
  lost = true;
  journal = {30000};
  ASSERT_TRUE(runUntil([&] { return resets == 2 && standby->synced(); }));
  lost = false;
  ASSERT_TRUE(runUntil([&] { return replica.size() == 10001; }));
  EXPECT_GE(active->status().at("snapshots_sent").to_number<std::int64_t>(), 2);
}

TEST_F(SyncPair, WithASecretAHelloWithoutItsCodeIsNotServed) {
  state = {1, 2, 3};
  auto withSecret = [&](const char* self, int selfHost, const char* peer, int peerHost, const char* secret) {
    auto s = member(self, addr(selfHost).c_str(), peer, addr(peerHost).c_str());
    s.secret = secret;
    return s;
  };
  active->configure(withSecret("gw1-a", 1, "gw1-b", 2, "the cluster's shared secret"));
  standby->configure(withSecret("gw1-b", 2, "gw1-a", 1, "not the cluster's secret!"));
  // Until the active has refused a hello (not a fixed time: a loaded machine is slow).
  ASSERT_TRUE(runUntil([&] { return !active->status().at("last_error").as_string().empty(); }));
  EXPECT_FALSE(standby->synced());
  EXPECT_EQ(active->status().at("last_error").as_string(),
            "a hello without the cluster's authentication code");
  standby->configure(withSecret("gw1-b", 2, "gw1-a", 1, "the cluster's shared secret"));
  ASSERT_TRUE(runUntil([&] { return standby->synced(); }));
  EXPECT_EQ(replica.size(), 3u);
}

TEST_F(SyncPair, OnlyThePeerIsServedAndOnlyWhileActive) {
  state = {1, 2, 3};
  // A stranger from 127.0.0.3 with the standby's hello is not served.
  StateSync stranger(io, SyncProvider{}, SyncConsumer{[] {}, [](SyncStream, std::span<const std::uint8_t>) { return okStatus(); }});
  stranger.configure(member("gw1-b", addr(3).c_str(), "gw1-a", addr(1).c_str()));
  stranger.setMode(Role::Standby, true, 1);
  runUntil([&] {
    stranger.tick();
    return false;
  }, std::chrono::milliseconds(300));
  EXPECT_FALSE(stranger.synced());
  ASSERT_TRUE(runUntil([&] { return standby->synced(); }));
  // The active becomes standby: the connection goes, the standby is no longer synced but keeps what it has.
  active->setMode(Role::Standby, false, 2);
  ASSERT_TRUE(runUntil([&] { return !standby->synced(); }));
  EXPECT_EQ(replica.size(), 3u);
}

}  // namespace
}  // namespace hnv::cluster
