// Writes that succeed: create, get, list with filters, replace, patch, delete,
// revisions, batches, store failures, listeners, global settings, history and
// reopening the engine on the same store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy_fixture.h"

namespace hnv::policy::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

class EngineWrite : public PolicyFixture {
 protected:
  void SetUp() override {
    PolicyFixture::SetUp();
    buildTypical();
    ASSERT_FALSE(HasFailure());
  }
  std::vector<std::string> recordKeys(const std::map<std::string, std::string>& filters) {
    return keysOf<LookupRecord>(list(kLr, filters));
  }
};

TEST_F(EngineWrite, TypicalTopologyHasOneRevisionPerObject) {
  EXPECT_EQ(engine.revision(), kTypicalObjects);
  EXPECT_EQ(engine.state().objectCount(), kTypicalObjects);
  EXPECT_EQ(store.revision(), engine.revision());
  EXPECT_EQ(store.commits(), kTypicalObjects);
  EXPECT_EQ(store.rowCount(), kTypicalObjects);
  ASSERT_EQ(store.history().size(), kTypicalObjects);
  for (std::size_t i = 0; i < store.history().size(); ++i) {
    EXPECT_EQ(store.history()[i].revision, i + 1);
    EXPECT_EQ(store.history()[i].op, ChangeOp::Put);
  }
}

TEST_F(EngineWrite, CreateGetDelete) {
  const Revision r0 = engine.revision();
  auto created = run(createOp(kLr, R"({"vsid":5001,"ca":"10.0.1.12","mac":"00-15-5D-00-00-09","pa":"192.168.0.12",
                                       "vmName":"web3"})"));
  ASSERT_TRUE(created) << describe(created.error());
  ASSERT_EQ(created->size(), 1u);
  const Change& c = created->front();
  const std::string key = "5001/10.0.1.12/00:15:5d:00:00:09";
  EXPECT_EQ(c.revision, r0 + 1);
  EXPECT_EQ(c.kind, "lookup-records");
  EXPECT_EQ(c.key, key);
  EXPECT_EQ(c.op, ChangeOp::Put);
  EXPECT_EQ(c.object.at("revision"), r0 + 1);
  EXPECT_EQ(c.object.at("createdRevision"), r0 + 1);
  EXPECT_EQ(c.object.at("mac"), "00:15:5d:00:00:09");
  EXPECT_EQ(engine.revision(), r0 + 1);

  auto got = get(kLr, key);
  EXPECT_EQ(got.at("vmName"), "web3");
  EXPECT_EQ(got.at("pa"), "192.168.0.12");
  EXPECT_EQ(got.at("type"), "Static");
  EXPECT_EQ(got.at("revision"), r0 + 1);
  EXPECT_EQ(got.at("unusable"), false);
  EXPECT_TRUE(got.contains("unsynchronized"));

  const StoredRow* row = store.row("lookup-records", key);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->revision, r0 + 1);
  EXPECT_THAT(row->body, Not(HasSubstr("revision")));

  auto removed = run(deleteOp(kLr, key));
  ASSERT_TRUE(removed) << describe(removed.error());
  ASSERT_EQ(removed->size(), 1u);
  EXPECT_EQ(removed->front().op, ChangeOp::Delete);
  EXPECT_EQ(removed->front().revision, r0 + 2);
  EXPECT_EQ(removed->front().object.at("vmName"), "web3");  // the object as it was
  EXPECT_EQ(removed->front().object.at("revision"), r0 + 1);
  auto gone = engine.get(kLr, key, Access::admin());
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::NotFound);
  EXPECT_EQ(store.row("lookup-records", key), nullptr);
  EXPECT_EQ(engine.state().objectCount(), kTypicalObjects);
}

TEST_F(EngineWrite, ReplaceAndPatchKeepCreatedRevision) {
  const auto* before = engine.state().find<LookupRecord>(kRecWeb2);
  ASSERT_NE(before, nullptr);
  const Revision created = before->createdRevision;
  const Revision r0 = engine.revision();
  ASSERT_LT(created, r0);

  Revision r1 = must(replaceOp(kLr, kRecWeb2, R"({"vsid":5001,"ca":"10.0.1.11","mac":"00:15:5d:00:00:02",
                                                   "pa":"192.168.0.11","vmName":"web2","context":"moved"})"));
  EXPECT_EQ(r1, r0 + 1);
  auto o = get(kLr, kRecWeb2);
  EXPECT_EQ(o.at("revision"), r1);
  EXPECT_EQ(o.at("createdRevision"), created);
  EXPECT_EQ(o.at("pa"), "192.168.0.11");

  // Patch changes only the given fields.
  Revision r2 = must(patchOp(kLr, kRecWeb2, R"({"vmName":"web2b"})"));
  EXPECT_EQ(r2, r1 + 1);
  o = get(kLr, kRecWeb2);
  EXPECT_EQ(o.at("vmName"), "web2b");
  EXPECT_EQ(o.at("context"), "moved");
  EXPECT_EQ(o.at("pa"), "192.168.0.11");
  EXPECT_EQ(o.at("createdRevision"), created);

  // Replace drops what it does not name.
  must(replaceOp(kLr, kRecWeb2, R"({"vsid":5001,"ca":"10.0.1.11","mac":"00:15:5d:00:00:02","pa":"192.168.0.11"})"));
  o = get(kLr, kRecWeb2);
  EXPECT_EQ(o.at("vmName"), "");
  EXPECT_EQ(o.at("context"), "");
  EXPECT_EQ(o.at("createdRevision"), created);
  EXPECT_EQ(engine.revision(), r2 + 1);
}

TEST_F(EngineWrite, MatchingRevisionIsAccepted) {
  const Revision cur = engine.state().find<LookupRecord>(kRecWeb1)->revision;
  EXPECT_NE(must(withRevision(patchOp(kLr, kRecWeb1, R"({"vmName":"a"})"), cur)), 0u);
  const Revision now = engine.revision();
  EXPECT_NE(must(patchOp(kLr, kRecWeb1, R"({"vmName":"b","revision":)" + std::to_string(now) + "}")), 0u);
  // Revision 0 means "no precondition".
  EXPECT_NE(must(patchOp(kLr, kRecWeb1, R"({"vmName":"c","revision":0})")), 0u);
  EXPECT_NE(must(withRevision(deleteOp(kLr, kRecWeb1), engine.revision())), 0u);
}

TEST_F(EngineWrite, ListFilters) {
  EXPECT_THAT(recordKeys({{"vsid", "5001"}}), ElementsAre(kRecWeb1, kRecWeb2, kRecGwA, kRecWeb1v6));
  EXPECT_THAT(recordKeys({{"mac", "00-15-5D-00-00-01"}}), ElementsAre(kRecWeb1, kRecWeb1v6));
  EXPECT_THAT(recordKeys({{"mac", "00:15:5d:00:00:01"}, {"ca", "FD00:1::10"}}), ElementsAre(kRecWeb1v6));
  EXPECT_THAT(recordKeys({{"type", "L2Only"}}), ElementsAre(kRecL2));
  EXPECT_THAT(recordKeys({{"type", "GatewayWildcard"}}), ElementsAre(kRecWildB));
  EXPECT_THAT(recordKeys({{"type", "Dynamic"}}), IsEmpty());
  EXPECT_THAT(recordKeys({{"vsid", "6001"}, {"pa", "192.168.0.12"}}), ElementsAre(kRecB1, kRecB2));
  EXPECT_THAT(recordKeys({{"ca", "10.0.1.10"}}), ElementsAre(kRecWeb1, kRecB1));
  EXPECT_EQ(list(kLr).size(), 10u);
  EXPECT_EQ(list(kLr, {{"vsid", "5003"}}).size(), 0u);

  EXPECT_THAT(keysOf<VirtualSubnet>(list(kVs, {{"rdid", std::string(kRdidA)}})), ElementsAre("5001", "5002"));
  EXPECT_THAT(keysOf<VirtualSubnet>(list(kVs, {{"prefixes", "10.0.1.0/24"}})), ElementsAre("5001", "6001"));
  EXPECT_THAT(keysOf<NodeEntry>(list(kNode, {{"role", "host"}})), ElementsAre("host1", "host2"));
  EXPECT_THAT(keysOf<NodeEntry>(list(kNode, {{"tenants", "{AAAAAAAA-0000-4000-8000-00000000000A}"}})),
              ElementsAre("gw1"));
  EXPECT_THAT(keysOf<CustomerRoute>(list(kCr, {{"destinationPrefix", "0.0.0.0/0"}})), ElementsAre(kRouteDefaultA));
  EXPECT_THAT(keysOf<ProviderAddress>(list(kPa, {{"address", "192.168.0.1"}})), ElementsAre("gw1/192.168.0.1"));
}

TEST_F(EngineWrite, ListFilterErrors) {
  auto unknown = engine.list(kLr, {{"color", "red"}}, Access::admin());
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::InvalidArgument);
  EXPECT_EQ(unknown.error().where, "color");
  EXPECT_THAT(unknown.error().why, HasSubstr("not a field of lookup-records"));

  auto badValue = engine.list(kLr, {{"vsid", "five"}}, Access::admin());
  ASSERT_FALSE(badValue);
  EXPECT_EQ(badValue.error().where, "vsid");
  EXPECT_THAT(badValue.error().why, HasSubstr("whole number"));

  auto badMac = engine.list(kLr, {{"mac", "00-15-5D"}}, Access::admin());
  ASSERT_FALSE(badMac);
  EXPECT_EQ(badMac.error().where, "mac");

  auto revision = engine.list(kLr, {{"revision", "3"}}, Access::admin());
  EXPECT_FALSE(revision);

  auto kind = engine.list("lookup-record", {}, Access::admin());
  ASSERT_FALSE(kind);
  EXPECT_EQ(kind.error().code, Errc::NotFound);
}

TEST_F(EngineWrite, DerivedFieldsCanBeFiltered) {
  // No node owns 192.168.0.99: the record is unusable.
  addRecord(5002, "10.0.2.20", "00:15:5d:00:00:20", "192.168.0.99");
  EXPECT_THAT(recordKeys({{"unusable", "true"}}), ElementsAre("5002/10.0.2.20/00:15:5d:00:00:20"));
  EXPECT_EQ(recordKeys({{"unusable", "false"}}).size(), 10u);
}

TEST_F(EngineWrite, BatchIsAllOrNothing) {
  const Revision r0 = engine.revision();
  const std::string before = snapshot();
  const std::size_t attempts = store.attempts();
  std::vector<Operation> ops = {
      createOp(kVs, R"({"vsid":5003,"rdid":"@A","prefixes":["10.0.3.0/24"]})"),
      createOp(kLr, R"({"vsid":5003,"ca":"10.0.3.10","mac":"00:15:5d:00:03:10","pa":"192.168.0.11"})"),
      createOp(kLr, R"({"vsid":5003,"ca":"10.0.4.10","mac":"00:15:5d:00:03:11","pa":"192.168.0.11"})"),  // outside
      patchOp(kLr, kRecWeb1, R"({"vmName":"never"})"),
  };
  auto r = runBatch(ops);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().where, StartsWith("operations[2]"));
  EXPECT_EQ(r.error().where, "operations[2].ca");
  EXPECT_THAT(r.error().why, HasSubstr("lies in none of the prefixes of virtual subnet 5003"));
  EXPECT_EQ(engine.revision(), r0);
  EXPECT_EQ(engine.state().find<VirtualSubnet>("5003"), nullptr);
  EXPECT_EQ(store.attempts(), attempts);
  EXPECT_EQ(snapshot(), before);

  // The same batch without the bad operation commits as one store transaction.
  ops.erase(ops.begin() + 2);
  auto ok = runBatch(ops);
  ASSERT_TRUE(ok) << describe(ok.error());
  ASSERT_EQ(ok->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ((*ok)[i].revision, r0 + 1 + i);
  EXPECT_EQ(engine.revision(), r0 + 3);
  EXPECT_EQ(store.attempts(), attempts + 1);
  EXPECT_EQ(store.revision(), r0 + 3);
  EXPECT_EQ(get(kLr, kRecWeb1).at("vmName"), "never");
}

TEST_F(EngineWrite, BatchMayDeleteAndRecreate) {
  std::vector<Operation> ops = {
      deleteOp(kLr, kRecWeb2),
      createOp(kLr, R"({"vsid":5001,"ca":"10.0.1.11","mac":"00:15:5d:00:00:22","pa":"192.168.0.12"})"),
  };
  auto r = runBatch(ops);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(engine.state().find<LookupRecord>(kRecWeb2), nullptr);
  EXPECT_NE(engine.state().find<LookupRecord>("5001/10.0.1.11/00:15:5d:00:00:22"), nullptr);
}

TEST_F(EngineWrite, EmptyAndOversizedBatches) {
  const std::size_t attempts = store.attempts();
  auto empty = runBatch({});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(store.attempts(), attempts);

  MemoryStore small;
  PolicyEngine limited(small, EngineLimits{100, 2});
  ASSERT_TRUE(limited.open());
  std::vector<Operation> three(3, createOp(kRd, R"({"rdid":"@X"})"));
  auto r = limited.apply(three, Access::admin());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::OutOfRange);
  EXPECT_EQ(r.error().where, "operations");
}

TEST_F(EngineWrite, FailedCommitRollsBack) {
  const Revision r0 = engine.revision();
  const std::string before = snapshot();
  int notified = 0;
  engine.subscribe([&](std::span<const Change>) { ++notified; });

  store.failNextCommit();
  // Creates, a patch that moves a record to another PA, and deletes that touch the indexes.
  std::vector<Operation> ops = {
      createOp(kRd, R"({"rdid":"@X"})"),
      patchOp(kLr, kRecWeb1, R"({"pa":"192.168.0.12"})"),
      deleteOp(kLr, kRecWeb2),
      deleteOp(kPr, "host1/0.0.0.0/0/192.168.0.254"),
      deleteOp(kPa, "host2/192.168.0.12"),
      patchOp(kGlobal, "", R"({"useExternalRouter":true})"),
  };
  auto r = runBatch(ops);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Io);
  EXPECT_EQ(store.refused(), 1u);
  EXPECT_EQ(engine.revision(), r0);
  EXPECT_EQ(engine.state().objectCount(), kTypicalObjects);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(notified, 0);
  // The indexes are back too.
  ASSERT_NE(engine.state().paOwner(*IpAddr::parse("192.168.0.12")), nullptr);
  EXPECT_EQ(*engine.state().paOwner(*IpAddr::parse("192.168.0.12")), "host2");
  const auto* host1 = engine.state().find<NodeEntry>("host1");
  ASSERT_NE(host1, nullptr);
  EXPECT_EQ(engine.state().scope(host1->object).size(), 1u);
  EXPECT_EQ(engine.state().vsidsAtPa(*IpAddr::parse("192.168.0.11")).size(), 2u);
  EXPECT_FALSE(engine.state().global().useExternalRouter);

  // The next commit gets the next revision; nothing was skipped.
  auto again = runBatch(ops);
  ASSERT_TRUE(again) << describe(again.error());
  ASSERT_EQ(again->size(), ops.size());
  EXPECT_EQ(again->front().revision, r0 + 1);
  EXPECT_EQ(engine.revision(), r0 + ops.size());
  EXPECT_EQ(notified, 1);
  EXPECT_EQ(engine.state().paOwner(*IpAddr::parse("192.168.0.12")), nullptr);
}

TEST_F(EngineWrite, ListenersSeeCommitsInOrder) {
  std::vector<Revision> seen;
  int id = engine.subscribe([&](std::span<const Change> changes) {
    for (const auto& c : changes) seen.push_back(c.revision);
  });
  const Revision r0 = engine.revision();
  must(patchOp(kLr, kRecWeb1, R"({"vmName":"a"})"));
  ASSERT_TRUE(runBatch({patchOp(kLr, kRecWeb1, R"({"vmName":"b"})"), patchOp(kLr, kRecWeb2, R"({"vmName":"c"})")}));
  EXPECT_FALSE(run(createOp(kRd, R"({"rdid":"@A"})")));  // refused: not seen
  engine.unsubscribe(id);
  must(patchOp(kLr, kRecWeb1, R"({"vmName":"d"})"));
  EXPECT_THAT(seen, ElementsAre(r0 + 1, r0 + 2, r0 + 3));
}

TEST_F(EngineWrite, GlobalSettings) {
  auto g = get(kGlobal, "");
  EXPECT_EQ(g.at("useExternalRouter"), false);
  EXPECT_EQ(g.at("revision"), 0u);
  EXPECT_FALSE(engine.state().global().useExternalRouter);

  Revision r = must(patchOp(kGlobal, "default", R"({"useExternalRouter":true})"));
  EXPECT_EQ(r, kTypicalObjects + 1);
  g = get(kGlobal, "anything");  // the key of the single object does not matter
  EXPECT_EQ(g.at("useExternalRouter"), true);
  EXPECT_EQ(g.at("revision"), r);
  EXPECT_EQ(g.at("createdRevision"), r);
  EXPECT_TRUE(engine.state().global().useExternalRouter);
  EXPECT_EQ(list(kGlobal).size(), 1u);

  // Replace with {} restores the defaults; createdRevision stays.
  Revision r2 = must(withRevision(replaceOp(kGlobal, "", "{}"), r));
  g = get(kGlobal, "");
  EXPECT_EQ(g.at("useExternalRouter"), false);
  EXPECT_EQ(g.at("revision"), r2);
  EXPECT_EQ(g.at("createdRevision"), r);

  auto tenant = engine.get(kGlobal, "", tenantA());
  ASSERT_FALSE(tenant);
  EXPECT_EQ(tenant.error().code, Errc::NotFound);
}

TEST_F(EngineWrite, ReopenRestoresEverything) {
  must(patchOp(kGlobal, "", R"({"useExternalRouter":true})"));
  must(deleteOp(kLr, kRecB2));
  must(patchOp(kLr, kRecWeb1, R"({"vmName":"web1"})"));
  const std::string before = snapshot();
  PolicyEngine reopened(store);
  auto s = reopened.open();
  ASSERT_TRUE(s) << describe(s.error());
  EXPECT_EQ(reopened.revision(), engine.revision());
  EXPECT_EQ(reopened.state().objectCount(), engine.state().objectCount());
  std::string after;
  forEachKind([&](auto k) {
    using T = typename decltype(k)::type;
    after += std::string(KindTraits<T>::kName) + "=" +
             json::serialize(*reopened.list(KindTraits<T>::kName, {}, Access::admin())) + "\n";
  });
  after += "global=" + json::serialize(*reopened.get(kGlobal, "", Access::admin())) + "\n";
  EXPECT_EQ(after, before);
  // The history read back from the store still tells tenants their changes apart:
  // the typical topology's 11 changes of A plus the patch of web1.
  auto history = reopened.changesSince(0, 1000);
  ASSERT_TRUE(history) << describe(history.error());
  std::size_t seenByA = 0;
  for (const auto& c : *history) seenByA += reopened.visible(c, tenantA()) ? 1 : 0;
  EXPECT_EQ(seenByA, 12u);
  // The reopened engine continues the revisions.
  auto r = reopened.apply(std::vector<Operation>{patchOp(kLr, kRecWeb1, R"({"vmName":"x"})")}, Access::admin());
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->front().revision, engine.revision() + 1);
}

TEST(EngineOpen, RefusesAnInvalidStoredRow) {
  MemoryStore store;
  store.putRow({"virtual-subnets", "12", 1, 1, R"({"vsid":12,"rdid":"aaaaaaaa-0000-4000-8000-00000000000a"})"}, 1);
  PolicyEngine engine(store);
  auto s = engine.open();
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().where, HasSubstr("store virtual-subnets/12"));
  EXPECT_THAT(s.error().why, HasSubstr("range from 4096"));

  MemoryStore unknownKind;
  unknownKind.putRow({"widgets", "1", 1, 1, "{}"}, 1);
  PolicyEngine e2(unknownKind);
  EXPECT_FALSE(e2.open());

  MemoryStore failing;
  failing.failLoad(true);
  PolicyEngine e3(failing);
  auto s3 = e3.open();
  ASSERT_FALSE(s3);
  EXPECT_EQ(s3.error().code, Errc::Io);
}

TEST_F(EngineWrite, HistoryAndCompaction) {
  auto all = engine.changesSince(0, 1000);
  ASSERT_TRUE(all) << describe(all.error());
  EXPECT_EQ(all->size(), kTypicalObjects);
  auto some = engine.changesSince(20, 2);
  ASSERT_TRUE(some);
  ASSERT_EQ(some->size(), 2u);
  EXPECT_EQ((*some)[0].revision, 21u);
  EXPECT_EQ((*some)[1].revision, 22u);
  auto none = engine.changesSince(engine.revision(), 10);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  // A small history limit compacts once the history outgrows it by an eighth.
  MemoryStore small;
  PolicyEngine e(small, EngineLimits{8, 100});
  ASSERT_TRUE(e.open());
  for (int i = 0; i < 10; ++i) {
    std::string body = R"({"name":"h)" + std::to_string(i) + R"(","role":"host"})";
    ASSERT_TRUE(e.apply(std::vector<Operation>{createOp(kNode, body)}, Access::admin()));
  }
  EXPECT_EQ(e.revision(), 10u);
  EXPECT_EQ(e.compactedRevision(), 2u);
  EXPECT_EQ(small.history().size(), 8u);
  auto lost = e.changesSince(1, 100);
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, Errc::OutOfRange);
  EXPECT_EQ(lost.error().where, "from");
  auto kept = e.changesSince(2, 100);
  ASSERT_TRUE(kept) << describe(kept.error());
  ASSERT_EQ(kept->size(), 8u);
  EXPECT_EQ(kept->front().revision, 3u);
  EXPECT_EQ(kept->back().revision, 10u);
}

}  // namespace
}  // namespace hnv::policy::testing
