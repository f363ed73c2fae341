// Extension hook points on prebuilt frames: a capture sees the customer
// frame and the NVGRE packet made of it (and the reverse on receive); a
// filter drops.
#include "overlay_fixture.h"

namespace hnv::test {
namespace {

// A suite of its own: gtest wants one fixture class per suite, and the
// fixture (anonymous namespace) is another class in each file.
class OverlayExtensions : public OverlayNodes {};

TEST_F(OverlayExtensions, ExtensionsSeeTheCustomerFrameAndTheEncapsulatedPacketBothWays) {
  std::map<overlay::HookPoint, std::vector<std::vector<std::uint8_t>>> seen;
  std::vector<std::pair<std::uint16_t, std::uint32_t>> where;  // (port, vsid) per call
  for (auto point : {overlay::HookPoint::FromVm, overlay::HookPoint::Encapsulated, overlay::HookPoint::Received,
                     overlay::HookPoint::ToVm}) {
    ASSERT_TRUE(ext_->add(point, "capture", [&](const overlay::HookPacket& p) {
      seen[p.point].emplace_back(p.frame.begin(), p.frame.end());
      where.emplace_back(p.port, p.vsid.value());
      return overlay::HookVerdict::Pass;
    }).ok());
  }
  auto out = udpFrame(kA1, kA2, kCa10, kCa20);
  auto r = fromVm(kPortA1, out);
  ASSERT_EQ(r.sent.size(), 1u);
  ASSERT_EQ(seen[overlay::HookPoint::FromVm].size(), 1u);
  EXPECT_EQ(seen[overlay::HookPoint::FromVm][0], out);
  ASSERT_EQ(seen[overlay::HookPoint::Encapsulated].size(), 1u);
  EXPECT_EQ(seen[overlay::HookPoint::Encapsulated][0], r.sent[0].bytes) << "the NVGRE packet as it leaves";
  EXPECT_EQ(parseOuter(seen[overlay::HookPoint::Encapsulated][0]).inner, out);
  EXPECT_EQ(where[0], (std::pair<std::uint16_t, std::uint32_t>{kPortA1, 5001}));
  EXPECT_EQ(where[1], (std::pair<std::uint16_t, std::uint32_t>{kUplink, 5001}));

  auto inner = udpFrame(kA2, kA1, kCa20, kCa10);
  auto packet = nvgreFrame(kPa2, 5001, inner);
  r = fromUnderlay(packet);
  ASSERT_EQ(r.sent.size(), 1u);
  ASSERT_EQ(seen[overlay::HookPoint::Received].size(), 1u);
  EXPECT_EQ(parseOuter(seen[overlay::HookPoint::Received][0]).inner, inner);
  ASSERT_EQ(seen[overlay::HookPoint::ToVm].size(), 1u);
  EXPECT_EQ(seen[overlay::HookPoint::ToVm][0], inner);
  EXPECT_EQ(where[3], (std::pair<std::uint16_t, std::uint32_t>{kPortA1, 5001}));
  // A spoofed packet never reaches an extension: receive validation comes first.
  fromUnderlay(nvgreFrame(kPa3, 5001, inner));
  EXPECT_EQ(seen[overlay::HookPoint::Received].size(), 1u);
}

TEST_F(OverlayExtensions, AFilterExtensionDropsWhatItRefusesUntilRemoved) {
  // Refuses UDP from source port 9.
  auto filter = ext_->add(overlay::HookPoint::FromVm, "no-udp-9", [](const overlay::HookPacket& p) {
    const bool udp9 = p.frame.size() >= 36 && p.frame[23] == 17 && wire::load16(p.frame.data() + 34) == 9;
    return udp9 ? overlay::HookVerdict::Drop : overlay::HookVerdict::Pass;
  });
  ASSERT_TRUE(filter.ok());
  expectDrop(fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20, 0, 9)), "vm-input", "extension-drop");
  EXPECT_EQ(fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20, 0, 10)).sent.size(), 1u);
  ASSERT_EQ(ext_->list().size(), 1u);
  EXPECT_EQ(ext_->list()[0].second, "no-udp-9 at from-vm");
  ASSERT_TRUE(ext_->remove(*filter).ok());
  EXPECT_FALSE(ext_->remove(*filter).ok()) << "an unknown id";
  EXPECT_EQ(fromVm(kPortA1, udpFrame(kA1, kA2, kCa10, kCa20, 0, 9)).sent.size(), 1u);
}


}  // namespace
}  // namespace hnv::test
