#include <gtest/gtest.h>

#include <algorithm>

#include "hnv/dp/eal.h"

namespace hnv::dp {
namespace {

bool hasPair(const std::vector<std::string>& a, const std::string& k, const std::string& v) {
  for (std::size_t i = 0; i + 1 < a.size(); ++i) {
    if (a[i] == k && a[i + 1] == v) return true;
  }
  return false;
}

bool has(const std::vector<std::string>& a, const std::string& k) { return std::find(a.begin(), a.end(), k) != a.end(); }

TEST(EalArguments, PlainMemoryUsesNoHugeWithItsOwnPrefix) {
  EalConfig c;
  c.program = "hnvgwd";
  c.lcores = "0,1";
  c.memoryMb = 300;
  c.filePrefix = "gw7";
  c.vdevs = {"net_af_packet0,iface=ul0", "net_tap0,iface=t0"};
  auto a = ealArguments(c);
  EXPECT_EQ(a.front(), "hnvgwd");
  EXPECT_TRUE(has(a, "--no-pci"));
  EXPECT_TRUE(hasPair(a, "-l", "0,1"));
  EXPECT_TRUE(has(a, "--no-huge"));
  EXPECT_TRUE(hasPair(a, "-m", "300"));
  EXPECT_TRUE(hasPair(a, "--file-prefix", "gw7"));
  EXPECT_FALSE(has(a, "--in-memory"));
  EXPECT_TRUE(hasPair(a, "--vdev", "net_af_packet0,iface=ul0"));
  EXPECT_TRUE(hasPair(a, "--vdev", "net_tap0,iface=t0"));
}

TEST(EalArguments, HugepagesUseInMemoryAndNeverNoHuge) {
  EalConfig c;
  c.hugepages = true;
  c.telemetry = false;
  auto a = ealArguments(c);
  EXPECT_TRUE(has(a, "--in-memory"));
  // --no-huge and --in-memory together make rte_eal_init fail.
  EXPECT_FALSE(has(a, "--no-huge"));
  EXPECT_FALSE(has(a, "--file-prefix"));
  EXPECT_TRUE(has(a, "--no-telemetry"));
}

TEST(EalArguments, ExtraArgumentsComeLastAndVerbatim) {
  EalConfig c;
  c.extraArgs = {"--log-level=lib.eal:debug", "--huge-unlink"};
  auto a = ealArguments(c);
  ASSERT_GE(a.size(), 2u);
  EXPECT_EQ(a[a.size() - 2], "--log-level=lib.eal:debug");
  EXPECT_EQ(a.back(), "--huge-unlink");
}

}  // namespace
}  // namespace hnv::dp
