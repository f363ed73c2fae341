#include "hnv/base/counters.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace hnv {
namespace {

CounterDesc desc(std::string name, std::vector<CounterLabel> labels = {}) {
  return CounterDesc{std::move(name), std::move(labels), "help text"};
}

TEST(CounterDesc, KeyIsPrometheusStyle) {
  EXPECT_EQ(desc("hnv_rx_total").key(), "hnv_rx_total");
  EXPECT_EQ(desc("hnv_node_drops_total", {{"node", "eth-input"}}).key(), "hnv_node_drops_total{node=\"eth-input\"}");
  EXPECT_EQ(desc("hnv_node_drops_total", {{"node", "eth-input"}, {"reason", "bad-ethertype"}}).key(),
            "hnv_node_drops_total{node=\"eth-input\",reason=\"bad-ethertype\"}");
}

TEST(CounterDesc, KeyEscapesLabelValues) {
  // Prometheus' text format escapes backslash, double quote and newline in label values.
  EXPECT_EQ(desc("c", {{"port", "a\"b"}}).key(), "c{port=\"a\\\"b\"}");
  EXPECT_EQ(desc("c", {{"port", "a\\b"}}).key(), "c{port=\"a\\\\b\"}");
  EXPECT_EQ(desc("c", {{"port", "a\nb"}}).key(), "c{port=\"a\\nb\"}");
}

TEST(CounterDesc, LabelLooksUpByKey) {
  auto d = desc("c", {{"node", "ip4-input"}, {"reason", "ttl"}});
  EXPECT_EQ(d.label("node"), "ip4-input");
  EXPECT_EQ(d.label("reason"), "ttl");
  EXPECT_EQ(d.label("port"), "");
}

TEST(CounterRegistry, AddGivesDenseIdsAndDeduplicates) {
  CounterRegistry reg(1);
  auto a = reg.add(desc("drops", {{"node", "a"}}));
  auto b = reg.add(desc("drops", {{"node", "b"}}));
  auto c = reg.add(desc("rx"));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->index(), 0u);
  EXPECT_EQ(b->index(), 1u);
  EXPECT_EQ(c->index(), 2u);
  auto again = reg.add(desc("drops", {{"node", "b"}}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *b);
  EXPECT_EQ(reg.size(), 3u);
  EXPECT_EQ(reg.describe(*b).key(), "drops{node=\"b\"}");
  EXPECT_EQ(reg.describe(*b).help, "help text");
}

TEST(CounterRegistry, RefusesAnEmptyName) {
  CounterRegistry reg(1);
  auto r = reg.add(desc(""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::InvalidArgument);
  EXPECT_EQ(reg.size(), 0u);
}

TEST(CounterRegistry, FindMatchesNameAndLabels) {
  CounterRegistry reg(1);
  auto a = *reg.add(desc("drops", {{"node", "a"}}));
  auto plain = *reg.add(desc("drops"));
  EXPECT_EQ(reg.find("drops", {{"node", "a"}}), a);
  EXPECT_EQ(reg.find("drops", {}), plain);
  EXPECT_EQ(reg.find("drops", {{"node", "b"}}), std::nullopt);
  EXPECT_EQ(reg.find("drop", {{"node", "a"}}), std::nullopt);
  EXPECT_EQ(reg.find("drops", {{"node", "a"}, {"x", "y"}}), std::nullopt);
}

TEST(CounterRegistry, TotalsSumEveryWriterBlock) {
  CounterRegistry reg(3);
  ASSERT_EQ(reg.writers(), 3u);
  auto a = *reg.add(desc("a"));
  auto b = *reg.add(desc("b"));
  reg.block(0).add(a);
  reg.block(1).add(a, 10);
  reg.block(2).add(a, 100);
  reg.block(2).add(a, 1000);
  reg.block(1).add(b, 7);
  EXPECT_EQ(reg.block(2).get(a), 1100u);
  EXPECT_EQ(reg.total(a), 1111u);
  EXPECT_EQ(reg.total(b), 7u);

  auto snap = reg.snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].first->name, "a");
  EXPECT_EQ(snap[0].second, 1111u);
  EXPECT_EQ(snap[1].first->name, "b");
  EXPECT_EQ(snap[1].second, 7u);
}

TEST(CounterRegistry, AtLeastOneWriterBlock) {
  CounterRegistry reg(0);
  EXPECT_EQ(reg.writers(), 1u);
  auto a = *reg.add(desc("a"));
  reg.block(0).add(a, 2);
  EXPECT_EQ(reg.total(a), 2u);
}

TEST(CounterRegistry, RefusesNewCountersWhenFull) {
  CounterRegistry reg(2, 2);
  ASSERT_TRUE(reg.add(desc("a")).ok());
  ASSERT_TRUE(reg.add(desc("b")).ok());
  auto full = reg.add(desc("c", {{"k", "v"}}));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, Errc::OutOfRange);
  EXPECT_EQ(full.error().what, "c{k=\"v\"}");
  EXPECT_NE(full.error().why.find("full (2 counters)"), std::string::npos) << full.error().why;
  EXPECT_EQ(reg.size(), 2u);
  // An existing counter is still found when the registry is full.
  auto again = reg.add(desc("b"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->index(), 1u);
}

// Prometheus' text format: families together (in registration order), HELP
// and TYPE once per family, one line per member.
TEST(PrometheusText, GroupsFamiliesWithHelpAndType) {
  CounterRegistry reg(2);
  auto a1 = *reg.add({"hnv_a_total", {{"node", "x"}}, "things a\\b"});
  auto b = *reg.add({"hnv_b_total", {}, ""});
  auto a2 = *reg.add({"hnv_a_total", {{"node", "y\"z"}}, ""});
  reg.block(1).add(a1, 3);
  reg.block(0).add(a2, 4);
  reg.block(1).add(a2, 1);
  (void)b;
  EXPECT_EQ(prometheusText(reg),
            "# HELP hnv_a_total things a\\\\b\n"
            "# TYPE hnv_a_total counter\n"
            "hnv_a_total{node=\"x\"} 3\n"
            "hnv_a_total{node=\"y\\\"z\"} 5\n"
            "# TYPE hnv_b_total counter\n"
            "hnv_b_total 0\n");
}

}  // namespace
}  // namespace hnv
