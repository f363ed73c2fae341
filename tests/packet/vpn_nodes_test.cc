// Site-to-site ESP through the real graph on prebuilt frames: tenant A's
// LAN (an external interface, port 1) reaches site A's LAN 172.16.1.0/24
// through tunnel 0, whose ESP travels in UDP 4500 in the outside routing
// domain (port 0) between the gateway's endpoint 192.0.2.5 and the site's
// 192.0.2.2. The site's end is a second pair of SAs with the same keys,
// on the same engine (packet_esp checks the engine against OpenSSL).
#include <gtest/gtest.h>
#include <rte_cycles.h>

#include "graph_harness.h"
#include "hnv/nat/module.h"
#include "hnv/nodes/module.h"
#include "hnv/overlay/module.h"
#include "hnv/overlay/overlay_policy.h"
#include "hnv/vpn/crypto_device.h"
#include "hnv/vpn/esp_engine.h"
#include "hnv/vpn/module.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nvgre.h"

#include <boost/json/parse.hpp>

namespace hnv::test {
namespace {

using wire::PacketBuilder;
using Bytes = std::vector<std::uint8_t>;
using namespace hnv::vpn;

MacAddr mac(const char* s) { return *MacAddr::parse(s); }
Ipv4Addr v4(const char* s) { return *Ipv4Addr::parse(s); }
Prefix pfx(const char* s) { return *Prefix::parse(s); }

constexpr std::uint16_t kWan = 0, kLan = 1;
const MacAddr kWanMac = mac("02:00:5e:00:71:01"), kLanMac = mac("02:00:5e:00:72:01");
const MacAddr kSiteMac = mac("02:00:00:00:00:02"), kHostMac = mac("02:00:00:00:10:10");
const Ipv4Addr kEndpoint = v4("192.0.2.5"), kSite = v4("192.0.2.2"), kHost = v4("10.0.1.10"),
               kRemote = v4("172.16.1.20");
constexpr TenantId kTenantA{1}, kOutside{2};
constexpr std::uint32_t kSpiIn = 0xc0000101, kSpiOut = 0xc0000202;
// Tunnel 1 carries IPv6: tenant A's VM fd00:1::10 in VSID 5001 (on a host
// behind the underlay port) and site A's IPv6 LAN fd00:5::/64.
constexpr std::uint16_t kUnderlay = 2;
constexpr std::uint32_t kSpiIn6 = 0xc0000303, kSpiOut6 = 0xc0000404;
const MacAddr kUnderlayMac = mac("02:00:5e:00:73:01"), kHostPaMac = mac("02:00:5e:00:73:11"),
              kVmMac = mac("00:15:5d:00:0a:01"), kGwVsidMac = mac("00:15:5d:ff:00:0a");
const Ipv4Addr kGwPa = v4("198.18.0.1"), kHostPa = v4("198.18.0.11");
const Ipv6Addr kVm6 = *Ipv6Addr::parse("fd00:1::10"), kRemote6 = *Ipv6Addr::parse("fd00:5::20");
// Tunnel 2 travels over IPv6: the gateway's endpoint 2001:db8:5::5 on the
// wan interface (2001:db8:5::1/64) and the site's 2001:db8:5::2; site A's
// second LAN 172.16.2.0/24 inside.
constexpr std::uint32_t kSpiIn46 = 0xc0000505, kSpiOut46 = 0xc0000606;
const Ipv6Addr kEndpoint6 = *Ipv6Addr::parse("2001:db8:5::5"), kSite6 = *Ipv6Addr::parse("2001:db8:5::2");
const Ipv4Addr kRemote2 = v4("172.16.2.20");

constexpr const char* kOverlay = R"({
  "node": "gw1", "role": "gateway", "revision": 1,
  "routing-domains": [{"rdid": "aaaaaaaa-0000-4000-8000-00000000000a"}, {"rdid": "bbbbbbbb-0000-4000-8000-00000000000b"}],
  "virtual-subnets": [{"vsid": 5001, "rdid": "aaaaaaaa-0000-4000-8000-00000000000a", "prefixes": ["fd00:1::/64"],
                       "defaultGatewayMac": "02:00:00:00:50:01"}],
  "provider-addresses": [{"node": "gw1", "interface": "underlay", "address": "198.18.0.1", "prefixLength": 24,
                          "mac": "02:00:5e:00:73:01"}],
  "lookup-records": [
    {"vsid": 5001, "ca": "fd00:1::10", "mac": "00:15:5d:00:0a:01", "pa": "198.18.0.11"},
    {"vsid": 5001, "type": "GatewayWildcard", "mac": "00:15:5d:ff:00:0a", "pa": "198.18.0.1"}]
})";

Bytes key(std::uint8_t seed) {
  Bytes k(32);
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed + 3 * i);
  return k;
}

// An SA of the tunnel, from the side whose endpoints are local -> remote.
SaSpec spec(std::uint32_t spi, SaDirection dir, IpAddr local, IpAddr remote, std::uint8_t keySeed) {
  SaSpec s;
  s.spi = spi;
  s.direction = dir;
  s.cipher = Cipher::AesGcm16;
  s.cipherKey = key(keySeed);
  s.salt[0] = keySeed;
  s.local = local;
  s.remote = remote;
  s.udpEncap = UdpEncap{4500, 4500};
  s.tenant = kTenantA;
  return s;
}

class VpnNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    testPool();
    auto rcu = dp::Rcu::create(1);
    ASSERT_TRUE(rcu.ok());
    rcu_ = std::move(rcu).value();
    CryptoDevice::Options o;
    o.sessions = 64;
    o.descriptors = 256;
    auto dev = CryptoDevice::open(o);
    ASSERT_TRUE(dev.ok()) << dev.error().message();
    device_ = std::move(*dev);
    // Ours: out = kSpiOut (keys 1), in = kSpiIn (keys 2). The site's are the mirror.
    ourOut_ = make(spec(kSpiOut, SaDirection::Outbound, kEndpoint, kSite, 1));
    ourIn_ = make(spec(kSpiIn, SaDirection::Inbound, kEndpoint, kSite, 2));
    siteIn_ = make(spec(kSpiOut, SaDirection::Inbound, kSite, kEndpoint, 1));
    siteOut_ = make(spec(kSpiIn, SaDirection::Outbound, kSite, kEndpoint, 2));
    auto spec6 = [](std::uint32_t spi, SaDirection dir, Ipv4Addr local, Ipv4Addr remote, std::uint8_t keySeed) {
      SaSpec s = spec(spi, dir, local, remote, keySeed);
      s.inner6 = true;
      return s;
    };
    ourOut6_ = make(spec6(kSpiOut6, SaDirection::Outbound, kEndpoint, kSite, 3));
    ourIn6_ = make(spec6(kSpiIn6, SaDirection::Inbound, kEndpoint, kSite, 4));
    siteIn6_ = make(spec6(kSpiOut6, SaDirection::Inbound, kSite, kEndpoint, 3));
    siteOut6_ = make(spec6(kSpiIn6, SaDirection::Outbound, kSite, kEndpoint, 4));
    ourOut46_ = make(spec(kSpiOut46, SaDirection::Outbound, kEndpoint6, kSite6, 5));
    ourIn46_ = make(spec(kSpiIn46, SaDirection::Inbound, kEndpoint6, kSite6, 6));
    siteIn46_ = make(spec(kSpiOut46, SaDirection::Inbound, kSite6, kEndpoint6, 5));
    siteOut46_ = make(spec(kSpiIn46, SaDirection::Outbound, kSite6, kEndpoint6, 6));
    auto policy = overlay::OverlayPolicy::compile(boost::json::parse(kOverlay).as_object());
    ASSERT_TRUE(policy.ok()) << policy.error().message();
    ASSERT_EQ(policy->tenant(*Rdid::parse("aaaaaaaa-0000-4000-8000-00000000000a")), kTenantA);
    policy_ = std::make_unique<dp::Published<overlay::OverlayPolicy>>(
        *rcu_, std::make_unique<const overlay::OverlayPolicy>(std::move(*policy)));

    fib::TenantInterface wan;
    wan.name = "outside/wan";
    wan.tenant = kOutside;
    wan.port = kWan;
    wan.mac = kWanMac;
    wan.address = v4("192.0.2.1");
    wan.proxyArp = {kEndpoint};
    wan.address6 = *Ipv6Addr::parse("2001:db8:5::1");
    wan.proxyNd = {kEndpoint6};
    fib::TenantInterface lan;
    lan.name = "a/lan";
    lan.tenant = kTenantA;
    lan.port = kLan;
    lan.mac = kLanMac;
    lan.address = v4("10.0.1.1");
    std::vector<fib::TenantRoute> routes{
        {kOutside, pfx("192.0.2.5/32"), 0, {fib::RouteKind::VpnLocal, 0, std::nullopt}, "vpn endpoint"},
        {kOutside, pfx("192.0.2.0/24"), 0, {fib::RouteKind::External, 0, std::nullopt}, "wan"},
        {kOutside, pfx("192.0.2.1/32"), 0, {fib::RouteKind::Local, 0, std::nullopt}, "wan address"},
        {kTenantA, pfx("10.0.1.0/24"), 0, {fib::RouteKind::External, 1, std::nullopt}, "lan"},
        {kTenantA, pfx("10.0.1.1/32"), 0, {fib::RouteKind::Local, 1, std::nullopt}, "lan address"},
        {kTenantA, pfx("172.16.1.0/24"), 10, {fib::RouteKind::Vpn, 0, std::nullopt}, "tunnel 0"},
        {kTenantA, pfx("fd00:1::/64"), 0, {fib::RouteKind::Overlay, 0, std::nullopt}, "virtual subnet 5001"},
        {kTenantA, pfx("fd00:5::/64"), 10, {fib::RouteKind::Vpn, 1, std::nullopt}, "tunnel 1"},
        // Routes of the wrong family (policy never makes them): into the other tunnel.
        {kTenantA, pfx("172.16.9.0/24"), 10, {fib::RouteKind::Vpn, 1, std::nullopt}, "IPv4 into tunnel 1"},
        {kTenantA, pfx("fd00:9::/64"), 10, {fib::RouteKind::Vpn, 0, std::nullopt}, "IPv6 into tunnel 0"},
        {kOutside, pfx("2001:db8:5::5/128"), 0, {fib::RouteKind::VpnLocal, 0, std::nullopt}, "IPv6 vpn endpoint"},
        {kOutside, pfx("2001:db8:5::/64"), 0, {fib::RouteKind::External, 0, std::nullopt}, "wan, IPv6"},
        {kTenantA, pfx("172.16.2.0/24"), 10, {fib::RouteKind::Vpn, 2, std::nullopt}, "tunnel 2"}};
    auto tables = fib::TenantTables::build({wan, lan}, std::move(routes));
    ASSERT_TRUE(tables.ok()) << tables.error().message();
    fib::NeighborTable::Map m;
    m.emplace(fib::NeighborKey(kSite, tables->interfaces()[0].scope), fib::Neighbor{kSiteMac, kWan});
    m.emplace(fib::NeighborKey(kHost, tables->interfaces()[1].scope), fib::Neighbor{kHostMac, kLan});
    m.emplace(fib::NeighborKey(kHostPa), fib::Neighbor{kHostPaMac, kUnderlay});
    m.emplace(fib::NeighborKey(kSite6, tables->interfaces()[0].scope), fib::Neighbor{kSiteMac, kWan});
    tenants_ = std::make_unique<dp::Published<fib::TenantTables>>(
        *rcu_, std::make_unique<const fib::TenantTables>(std::move(*tables)));
    neighbors_ = std::make_unique<dp::Published<fib::NeighborTable>>(
        *rcu_, std::make_unique<const fib::NeighborTable>(std::move(m)));
    local_ = std::make_unique<dp::Published<fib::LocalAddresses>>(
        *rcu_, std::make_unique<const fib::LocalAddresses>(oneUplink(kUnderlay, kUnderlayMac, "198.18.0.1/24")));
    vpn_ = std::make_unique<dp::Published<VpnTables>>(*rcu_, makeTables(true));

    nodesCtx_.local = local_.get();
    nodesCtx_.neighbors = neighbors_.get();
    nodesCtx_.tenants = tenants_.get();
    nodesCtx_.arpPunt = 8;
    nodesCtx_.missPunt = 9;
    overlayCtx_.policy = policy_.get();
    overlayCtx_.local = local_.get();
    overlayCtx_.neighbors = neighbors_.get();
    overlayCtx_.tenants = tenants_.get();
    vpnCtx_.tables = vpn_.get();
    vpnCtx_.tenants = tenants_.get();
    vpnCtx_.ikePunt = 7;
    ASSERT_TRUE(nodes::addGenericNodes(h_.catalog(), nodesCtx_).ok());
    ASSERT_TRUE(overlay::addOverlayNodes(h_.catalog(), overlayCtx_).ok());
    ASSERT_TRUE(nat::addNatNodes(h_.catalog(), natCtx_, 1).ok());
    ASSERT_TRUE(vpn::addVpnNodes(h_.catalog(), vpnCtx_, 1).ok());
    h_.build();
  }
  void TearDown() override {
    vpn_.reset();  // before the SAs it points to
  }

  std::unique_ptr<EspSa> make(const SaSpec& s) {
    auto r = EspSa::create(s, *device_);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? std::move(*r) : nullptr;
  }
  // `lan` and `site`: the SA's selectors on our side and the site's
  // (protocol and ports included; an empty one: the whole /24, any).
  std::unique_ptr<const VpnTables> makeTables(bool up, bool onDemand = false, std::uint64_t egressBps = 0,
                                              std::uint64_t ingressBps = 0, TrafficSelector lan = {},
                                              TrafficSelector site = {}) {
    VpnTables::Limiters egress(new RateLimiter[3]), ingress(new RateLimiter[3]);
    egress[0].configure(egressBps, rte_get_tsc_hz(), rte_rdtsc());
    ingress[0].configure(ingressBps, rte_get_tsc_hz(), rte_rdtsc());
    lan.from = v4("10.0.1.0");
    lan.to = v4("10.0.1.255");
    site.from = v4("172.16.1.0");
    site.to = v4("172.16.1.255");
    const bool narrowed = lan.narrowed() || site.narrowed();
    Tunnel tunnel;
    tunnel.tenant = kTenantA;
    tunnel.outside = kOutside;
    tunnel.outbound = up ? ourOut_.get() : nullptr;
    tunnel.onDemand = onDemand;
    tunnel.narrowed = narrowed;
    tunnel.local = {lan};
    tunnel.remote = {site};
    // Tunnel 1: IPv6 inside, the whole prefixes.
    const TrafficSelector6 lan6{*Ipv6Addr::parse("fd00:1::"), *Ipv6Addr::parse("fd00:1::ffff:ffff:ffff:ffff")};
    const TrafficSelector6 site6{*Ipv6Addr::parse("fd00:5::"), *Ipv6Addr::parse("fd00:5::ffff:ffff:ffff:ffff")};
    Tunnel tunnel6;
    tunnel6.tenant = kTenantA;
    tunnel6.outside = kOutside;
    tunnel6.outbound = up ? ourOut6_.get() : nullptr;
    tunnel6.inner6 = true;
    // Tunnel 2: IPv4 inside, IPv6 outside.
    TrafficSelector site2;
    site2.from = v4("172.16.2.0");
    site2.to = v4("172.16.2.255");
    Tunnel tunnel46;
    tunnel46.tenant = kTenantA;
    tunnel46.outside = kOutside;
    tunnel46.outbound = up ? ourOut46_.get() : nullptr;
    tunnel46.local = {lan};
    tunnel46.remote = {site2};
    auto t = std::make_unique<VpnTables>(std::vector<Tunnel>{tunnel, tunnel6, tunnel46}, egress, ingress);
    t->sad.emplace(kSpiIn, InboundSa{ourIn_.get(), 0, {site}, {lan}, narrowed, false, {}, {}});
    t->sad.emplace(kSpiIn6, InboundSa{ourIn6_.get(), 1, {}, {}, false, true, {site6}, {lan6}});
    t->sad.emplace(kSpiIn46, InboundSa{ourIn46_.get(), 2, {site2}, {lan}, false, false, {}, {}});
    return t;
  }

  // The site's ESP frame (to our endpoint) carrying `inner` (by default
  // on tunnel 0's SA).
  Bytes fromSite(const Bytes& inner, EspSa* sa = nullptr) {
    rte_mbuf* m = rte_pktmbuf_alloc(testPool());
    Bytes f = PacketBuilder().eth(kSiteMac, kWanMac).etherType(wire::kEtherTypeIpv4).payload(inner).build();
    std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(f.size())), f.data(), f.size());
    m->l2_len = 14;
    auto r = espProcess(sa != nullptr ? *sa : *siteOut_, 0, &m, 1);
    EXPECT_EQ(r.ok, 1);
    Bytes out = Bytes(rte_pktmbuf_mtod(m, std::uint8_t*), rte_pktmbuf_mtod(m, std::uint8_t*) + rte_pktmbuf_data_len(m));
    rte_pktmbuf_free(m);
    // The placeholder Ethernet header becomes the site's.
    Bytes eth = PacketBuilder()
                    .eth(kSiteMac, kWanMac)
                    .etherType((out[14] >> 4) == 6 ? wire::kEtherTypeIpv6 : wire::kEtherTypeIpv4)
                    .build();
    std::copy(eth.begin(), eth.end(), out.begin());
    return out;
  }
  // What the site reads from one of our ESP frames (nothing if it does not decrypt).
  // (The outer header: IPv4 or IPv6, and UDP.)
  std::optional<Bytes> atSite(const Bytes& frame, EspSa* sa = nullptr) {
    rte_mbuf* m = rte_pktmbuf_alloc(testPool());
    std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size())), frame.data(), frame.size());
    m->l2_len = 14;
    m->l3_len = (frame[14] >> 4) == 6 ? 48 : 28;
    auto r = espProcess(sa != nullptr ? *sa : *siteIn_, 0, &m, 1);
    std::optional<Bytes> got;
    if (r.ok == 1) got = Bytes(rte_pktmbuf_mtod(m, std::uint8_t*), rte_pktmbuf_mtod(m, std::uint8_t*) + rte_pktmbuf_data_len(m));
    rte_pktmbuf_free(m);
    return got;
  }

  std::unique_ptr<CryptoDevice> device_;
  std::unique_ptr<EspSa> ourOut_, ourIn_, siteIn_, siteOut_;
  std::unique_ptr<EspSa> ourOut6_, ourIn6_, siteIn6_, siteOut6_;      // tunnel 1, IPv6 inside
  std::unique_ptr<EspSa> ourOut46_, ourIn46_, siteIn46_, siteOut46_;  // tunnel 2, IPv6 outside
  std::unique_ptr<dp::Published<overlay::OverlayPolicy>> policy_;
  std::unique_ptr<dp::Rcu> rcu_;
  std::unique_ptr<dp::Published<fib::LocalAddresses>> local_;
  std::unique_ptr<dp::Published<fib::NeighborTable>> neighbors_;
  std::unique_ptr<dp::Published<fib::TenantTables>> tenants_;
  std::unique_ptr<dp::Published<VpnTables>> vpn_;
  nodes::NodesContext nodesCtx_;
  overlay::OverlayContext overlayCtx_;
  nat::NatContext natCtx_;  // no NAT here: the nodes complete ip4-lookup's edges
  vpn::VpnContext vpnCtx_;
  GraphHarness h_{{"eth-input", "vm-input"}};  // vm-input: no node may stand isolated
};

Bytes udpPacket(Ipv4Addr src, Ipv4Addr dst, std::uint8_t ttl, const char* payload = "site-to-site bytes") {
  return PacketBuilder().ipv4(src, dst).ttl(ttl).udp(5000, 6000).payload(payload).build();
}

// `ip` with its TTL one lower and the header checksum fixed (what a router forwards).
Bytes forwarded(Bytes ip) {
  ip[8] -= 1;
  wire::store16(&ip[10], 0);
  wire::store16(&ip[10], wire::internetChecksum({ip.data(), 20}));
  return ip;
}

TEST_F(VpnNodes, ALanPacketIntoTheTunnelLeavesAsEspInUdpThatTheSiteDecrypts) {
  const Bytes inner = udpPacket(kHost, kRemote, 64);
  auto r = h_.run(PacketBuilder().eth(kHostMac, kLanMac).etherType(wire::kEtherTypeIpv4).payload(inner).build(), kLan);
  ASSERT_EQ(r.sent.size(), 1u) << r.dropped.size() << " dropped";
  const Bytes& f = r.sent[0].bytes;
  EXPECT_EQ(r.sent[0].port, kWan);
  auto eth = wire::parseEthernet(f);
  ASSERT_TRUE(eth.ok());
  EXPECT_EQ(eth->dst, kSiteMac);
  EXPECT_EQ(eth->src, kWanMac);
  auto ip = wire::parseIpv4(std::span<const std::uint8_t>(f).subspan(14));
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->src, kEndpoint);
  EXPECT_EQ(ip->dst, kSite);
  EXPECT_EQ(ip->protocol, 17);
  EXPECT_EQ(ip->ttl, 63) << "the outer header is routed once in the outside domain";
  EXPECT_EQ(wire::load16(&f[34]), 4500);
  EXPECT_EQ(wire::load16(&f[36]), 4500);
  EXPECT_EQ(wire::load32(&f[42]), kSpiOut);
  auto plain = atSite(f);
  ASSERT_TRUE(plain.has_value()) << "the site cannot decrypt what we sent";
  EXPECT_EQ(*plain, forwarded(inner)) << "the site gets the LAN's packet, TTL decremented once";
}

TEST_F(VpnNodes, EspFromTheSiteIsDecryptedAndRoutedInTheTenant) {
  const Bytes inner = udpPacket(kRemote, kHost, 64);
  auto r = h_.run(fromSite(inner), kWan);
  ASSERT_EQ(r.sent.size(), 1u) << r.dropped.size() << " dropped, " << r.punted.size() << " punted";
  EXPECT_EQ(r.sent[0].port, kLan);
  const Bytes& f = r.sent[0].bytes;
  auto eth = wire::parseEthernet(f);
  ASSERT_TRUE(eth.ok());
  EXPECT_EQ(eth->dst, kHostMac);
  EXPECT_EQ(eth->src, kLanMac);
  EXPECT_EQ(Bytes(f.begin() + 14, f.end()), forwarded(inner));
  EXPECT_EQ(ourIn_->counters().packets.load(), 1u);
}

TEST_F(VpnNodes, WhatMustNotPassIsDroppedWithItsReason) {
  // A replay of a packet already delivered.
  const Bytes good = fromSite(udpPacket(kRemote, kHost, 64));
  ASSERT_EQ(h_.run(good, kWan).sent.size(), 1u);
  auto before = h_.nodeError("esp-input", "decrypt-failed");
  EXPECT_TRUE(h_.run(good, kWan).sent.empty());
  EXPECT_EQ(h_.nodeError("esp-input", "decrypt-failed"), before + 1);
  EXPECT_EQ(ourIn_->counters().replayed.load(), 1u);
  // A flipped ciphertext bit.
  Bytes forged = fromSite(udpPacket(kRemote, kHost, 64));
  forged[forged.size() - 20] ^= 1;
  EXPECT_TRUE(h_.run(forged, kWan).sent.empty());
  EXPECT_EQ(ourIn_->counters().authFailed.load(), 1u);
  // The site sends what its selectors do not allow (a source outside 172.16.1.0/24).
  before = h_.nodeError("esp-input", "selector-mismatch");
  EXPECT_TRUE(h_.run(fromSite(udpPacket(v4("172.16.9.9"), kHost, 64)), kWan).sent.empty());
  EXPECT_EQ(h_.nodeError("esp-input", "selector-mismatch"), before + 1);
  // An SPI nobody knows.
  Bytes unknown = fromSite(udpPacket(kRemote, kHost, 64));
  wire::store32(&unknown[42], 0xdeadbeef);
  before = h_.nodeError("esp-input", "unknown-spi");
  EXPECT_TRUE(h_.run(unknown, kWan).sent.empty());
  EXPECT_EQ(h_.nodeError("esp-input", "unknown-spi"), before + 1);
  // Plain UDP to the endpoint is no ESP.
  before = h_.nodeError("esp-input", "not-esp");
  EXPECT_TRUE(h_.run(PacketBuilder().eth(kSiteMac, kWanMac).ipv4(kSite, kEndpoint).udp(1234, 53).payload("x").build(),
                     kWan).sent.empty());
  EXPECT_EQ(h_.nodeError("esp-input", "not-esp"), before + 1);
}

TEST_F(VpnNodes, IkeToTheEndpointIsPuntedForHnvIked) {
  const Bytes marker{0, 0, 0, 0, 'i', 'k', 'e'};
  for (auto [sport, dport, payload] : {std::tuple{500, 500, Bytes{'i', 'k', 'e'}}, std::tuple{4500, 4500, marker}}) {
    auto r = h_.run(PacketBuilder()
                        .eth(kSiteMac, kWanMac)
                        .ipv4(kSite, kEndpoint)
                        .udp(static_cast<std::uint16_t>(sport), static_cast<std::uint16_t>(dport))
                        .payload(payload)
                        .build(),
                    kWan);
    ASSERT_EQ(r.punted.size(), 1u) << "UDP " << dport;
    EXPECT_EQ(r.punted[0].kind, 7);
  }
}

TEST_F(VpnNodes, ATunnelWithoutAnOutboundSaDropsItsTrafficAsDown) {
  vpn_->publish(makeTables(false));
  auto r = h_.run(PacketBuilder().eth(kHostMac, kLanMac).etherType(wire::kEtherTypeIpv4).payload(udpPacket(kHost, kRemote, 64)).build(),
                  kLan);
  EXPECT_TRUE(r.sent.empty());
  EXPECT_EQ(h_.nodeError("esp-encrypt", "tunnel-down"), 1u);
  EXPECT_FALSE(vpn_->get()->takeDemand(0)) << "a persistent tunnel is not dialed by traffic";
}

TEST_F(VpnNodes, AnOnDemandTunnelWithoutSaDropsAsDialingAndAsksForTheTunnelOnce) {
  vpn_->publish(makeTables(false, true));
  const Bytes frame =
      PacketBuilder().eth(kHostMac, kLanMac).etherType(wire::kEtherTypeIpv4).payload(udpPacket(kHost, kRemote, 64)).build();
  auto r = h_.run(std::vector<Bytes>{frame, frame, frame}, kLan);
  EXPECT_TRUE(r.sent.empty());
  EXPECT_EQ(h_.nodeError("esp-encrypt", "tunnel-dialing"), 3u);
  EXPECT_EQ(h_.nodeError("esp-encrypt", "tunnel-down"), 0u);
  const VpnTables& t = *vpn_->get();
  EXPECT_TRUE(t.takeDemand(0)) << "the packets asked for the tunnel";
  EXPECT_FALSE(t.takeDemand(0)) << "taken once";
  EXPECT_FALSE(t.takeDemand(1)) << "no such tunnel";
  // With its SA the same packet is encrypted and asks for nothing.
  vpn_->publish(makeTables(true, true));
  r = h_.run(frame, kLan);
  EXPECT_EQ(r.sent.size(), 1u);
  EXPECT_FALSE(vpn_->get()->takeDemand(0));
}

TEST_F(VpnNodes, ATunnelsBandwidthLimitsDropWhatExceedsTheirBucketInEachDirection) {
  // 1000 bytes/s: a bucket of RateLimiter::kMinBurst (18432) bytes, refilled
  // by about a byte per millisecond: 17 packets of 1028 bytes pass, the
  // rest of the burst does not. The other direction is not limited.
  vpn_->publish(makeTables(true, false, 1000, 0));
  const std::string big(1000, 'x');
  const Bytes out = PacketBuilder()
                        .eth(kHostMac, kLanMac)
                        .etherType(wire::kEtherTypeIpv4)
                        .payload(udpPacket(kHost, kRemote, 64, big.c_str()))
                        .build();
  auto r = h_.run(std::vector<Bytes>(30, out), kLan);
  EXPECT_EQ(r.sent.size(), 17u);
  EXPECT_EQ(h_.nodeError("esp-encrypt", "rate-limited"), 13u);
  std::vector<Bytes> in;
  for (int i = 0; i < 30; ++i) in.push_back(fromSite(udpPacket(kRemote, kHost, 64, big.c_str())));
  EXPECT_EQ(h_.run(in, kWan).sent.size(), 30u) << "ingress has no limit";
  // Now the other way round.
  vpn_->publish(makeTables(true, false, 0, 1000));
  EXPECT_EQ(h_.run(std::vector<Bytes>(30, out), kLan).sent.size(), 30u) << "egress has no limit";
  in.clear();
  for (int i = 0; i < 30; ++i) in.push_back(fromSite(udpPacket(kRemote, kHost, 64, big.c_str())));
  EXPECT_EQ(h_.run(in, kWan).sent.size(), 17u);
  EXPECT_EQ(h_.nodeError("esp-input", "rate-limited"), 13u);
}

// Selectors that name UDP and a port on each side: only that flow goes
// through, each way; the rest is dropped as selector-mismatch (ICMP, another
// port, a later fragment whose ports cannot be read).
TEST_F(VpnNodes, SelectorsNamingAProtocolAndPortsPassOnlyThatTrafficEachWay) {
  vpn_->publish(makeTables(true, false, 0, 0, TrafficSelector{{}, {}, 17, 5000, 5000},
                           TrafficSelector{{}, {}, 17, 6000, 6000}));
  auto lan = [&](const Bytes& ip) {
    return h_.run(PacketBuilder().eth(kHostMac, kLanMac).etherType(wire::kEtherTypeIpv4).payload(ip).build(), kLan);
  };
  // Out: UDP 5000 -> 6000 is encrypted, the site reads it.
  auto r = lan(udpPacket(kHost, kRemote, 64));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_TRUE(atSite(r.sent[0].bytes).has_value());
  const Bytes otherPort = PacketBuilder().ipv4(kHost, kRemote).ttl(64).udp(5000, 6001).payload("x").build();
  const Bytes icmp = PacketBuilder().ipv4(kHost, kRemote).ttl(64).icmpEchoRequest(1, 1).payload("ping").build();
  // Offset 1480 bytes: what follows the IPv4 header is no UDP header.
  const Bytes laterFragment =
      PacketBuilder().ipv4(kHost, kRemote).ttl(64).fragment(185, false).udp(5000, 6000).payload("x").build();
  for (const Bytes& ip : {otherPort, icmp, laterFragment}) EXPECT_TRUE(lan(ip).sent.empty());
  EXPECT_EQ(h_.nodeError("esp-encrypt", "selector-mismatch"), 3u);
  EXPECT_EQ(ourOut_->counters().packets.load(), 1u) << "nothing else was encrypted";
  // In: the site's UDP 6000 -> 5000 is delivered, from another port it is not.
  r = h_.run(fromSite(PacketBuilder().ipv4(kRemote, kHost).ttl(64).udp(6000, 5000).payload("back").build()), kWan);
  EXPECT_EQ(r.sent.size(), 1u);
  r = h_.run(fromSite(PacketBuilder().ipv4(kRemote, kHost).ttl(64).udp(6002, 5000).payload("back").build()), kWan);
  EXPECT_TRUE(r.sent.empty());
  EXPECT_EQ(h_.nodeError("esp-input", "selector-mismatch"), 1u);
}

// RFC 4301 6.2: an ICMP error about the traffic a narrowed tunnel carries
// crosses it, judged by the packet it quotes (path-MTU discovery through
// the tunnel); an error about other traffic, or one not addressed to the
// quoted packet's source, does not.
TEST_F(VpnNodes, IcmpErrorsAboutANarrowedTunnelsOwnTrafficCrossItEachWay) {
  vpn_->publish(
      makeTables(true, false, 0, 0, TrafficSelector{{}, {}, 17, 5000, 5000}, TrafficSelector{{}, {}, 17, 6000, 6000}));
  auto lan = [&](const Bytes& ip) {
    return h_.run(PacketBuilder().eth(kHostMac, kLanMac).etherType(wire::kEtherTypeIpv4).payload(ip).build(), kLan);
  };
  // What an ICMP error quotes: the header and 8 bytes of the packet.
  auto quote = [](Bytes p) {
    p.resize(28);
    return p;
  };
  auto error = [](Ipv4Addr from, Ipv4Addr to, std::uint8_t type, std::uint8_t code, const Bytes& quoted) {
    return PacketBuilder().ipv4(from, to).ttl(64).icmpError(type, code, 1400).payload(quoted).build();
  };
  auto udp = [](Ipv4Addr from, Ipv4Addr to, std::uint16_t sport, std::uint16_t dport) {
    return PacketBuilder().ipv4(from, to).ttl(64).df().udp(sport, dport).payload(std::string(1400, 'x')).build();
  };
  // Out: our host tells the site that its UDP 6000 -> 5000 did not fit.
  auto r = lan(error(kHost, kRemote, 3, 4, quote(udp(kRemote, kHost, 6000, 5000))));
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_TRUE(atSite(r.sent[0].bytes).has_value());
  // Not about traffic the tunnel does not carry, not to another address
  // than the quoted source, and no other ICMP type (a redirect).
  EXPECT_TRUE(lan(error(kHost, kRemote, 3, 4, quote(udp(kRemote, kHost, 6000, 5001)))).sent.empty());
  EXPECT_TRUE(lan(error(kHost, kRemote, 3, 4, quote(udp(v4("172.16.1.99"), kHost, 6000, 5000)))).sent.empty());
  EXPECT_TRUE(lan(error(kHost, kRemote, 5, 0, quote(udp(kRemote, kHost, 6000, 5000)))).sent.empty());
  EXPECT_EQ(h_.nodeError("esp-encrypt", "selector-mismatch"), 3u);
  EXPECT_EQ(ourOut_->counters().packets.load(), 1u);
  // In: a router of the site tells our host that its UDP 5000 -> 6000 did
  // not fit (the router's own address is no matter), or that it expired.
  const Ipv4Addr router = v4("172.16.1.254");
  r = h_.run(fromSite(error(router, kHost, 3, 4, quote(udp(kHost, kRemote, 5000, 6000)))), kWan);
  EXPECT_EQ(r.sent.size(), 1u);
  r = h_.run(fromSite(error(router, kHost, 11, 0, quote(udp(kHost, kRemote, 5000, 6000)))), kWan);
  EXPECT_EQ(r.sent.size(), 1u);
  r = h_.run(fromSite(error(router, kHost, 3, 4, quote(udp(kHost, kRemote, 5000, 6001)))), kWan);
  EXPECT_TRUE(r.sent.empty());
  // Not from outside the site's addresses (as an SA without ports would
  // check), and not with less than an IPv4 header quoted.
  r = h_.run(fromSite(error(v4("192.0.2.200"), kHost, 3, 4, quote(udp(kHost, kRemote, 5000, 6000)))), kWan);
  EXPECT_TRUE(r.sent.empty());
  Bytes shortQuote = udp(kHost, kRemote, 5000, 6000);
  shortQuote.resize(16);
  r = h_.run(fromSite(error(router, kHost, 3, 4, shortQuote)), kWan);
  EXPECT_TRUE(r.sent.empty());
  EXPECT_EQ(h_.nodeError("esp-input", "selector-mismatch"), 3u);
}

TEST_F(VpnNodes, ABurstOfManyPacketsKeepsItsOrderThroughTheTunnel) {
  std::vector<Bytes> frames, inners;
  for (int i = 0; i < 40; ++i) {
    inners.push_back(udpPacket(kHost, kRemote, 64, std::string(static_cast<std::size_t>(10 + i), 'a' + i % 26).c_str()));
    frames.push_back(PacketBuilder().eth(kHostMac, kLanMac).etherType(wire::kEtherTypeIpv4).payload(inners.back()).build());
  }
  auto r = h_.run(frames, kLan);
  ASSERT_EQ(r.sent.size(), 40u);
  for (int i = 0; i < 40; ++i) {
    auto plain = atSite(r.sent[static_cast<std::size_t>(i)].bytes);
    ASSERT_TRUE(plain.has_value()) << i;
    EXPECT_EQ(*plain, forwarded(inners[static_cast<std::size_t>(i)])) << i;
  }
}

// Tunnel 1: a VM's IPv6 packet, decapsulated from NVGRE, routed by the
// tenant's IPv6 table into the tunnel; the site's IPv6 packet back, routed
// into the VM's VSID.
Bytes udpPacket6(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t hops) {
  return PacketBuilder().ipv6(src, dst).ttl(hops).udp(5000, 6000).payload("site-to-site over IPv6").build();
}

// The VM's IPv6 packet as its host sends it to the gateway: NVGRE in VSID
// 5001 to the gateway's MAC there.
Bytes fromVm6(const Bytes& ip) {
  return PacketBuilder()
      .eth(kHostPaMac, kUnderlayMac)
      .ipv4(kHostPa, kGwPa)
      .nvgre(*Vsid::forTenant(5001), 1)
      .eth(kVmMac, kGwVsidMac)
      .etherType(wire::kEtherTypeIpv6)
      .payload(ip)
      .build();
}

Bytes hopped(Bytes ip) {
  ip[7] -= 1;
  return ip;
}

TEST_F(VpnNodes, AVmsIpv6PacketCrossesTheIpv6TunnelEachWay) {
  const Bytes out = udpPacket6(kVm6, kRemote6, 64);
  auto r = h_.run(fromVm6(out), kUnderlay);
  ASSERT_EQ(r.sent.size(), 1u) << r.dropped.size() << " dropped";
  EXPECT_EQ(r.sent[0].port, kWan);
  const Bytes& f = r.sent[0].bytes;
  EXPECT_EQ(wire::load32(&f[42]), kSpiOut6) << "tunnel 1's SA";
  EXPECT_FALSE(atSite(f, siteIn_.get()).has_value()) << "not tunnel 0's keys";
  auto plain = atSite(f, siteIn6_.get());
  ASSERT_TRUE(plain.has_value()) << "the site cannot decrypt (or its SA expects another next header)";
  EXPECT_EQ(*plain, hopped(out)) << "the VM's packet, hop limit decremented once";

  const Bytes back = udpPacket6(kRemote6, kVm6, 64);
  r = h_.run(fromSite(back, siteOut6_.get()), kWan);
  ASSERT_EQ(r.sent.size(), 1u) << r.dropped.size() << " dropped";
  EXPECT_EQ(r.sent[0].port, kUnderlay);
  const Bytes& g = r.sent[0].bytes;
  auto outer = wire::parseIpv4(std::span<const std::uint8_t>(g).subspan(14));
  ASSERT_TRUE(outer.ok());
  EXPECT_EQ(outer->dst, kHostPa);
  auto nv = wire::parseNvgre(outer->payload);
  ASSERT_TRUE(nv.ok());
  EXPECT_EQ(nv->vsid.value(), 5001u);
  auto eth = wire::parseEthernet(outer->payload.subspan(wire::kNvgreHeaderLen));
  ASSERT_TRUE(eth.ok());
  EXPECT_EQ(eth->dst, kVmMac);
  EXPECT_EQ(eth->src, kGwVsidMac);
  EXPECT_EQ(eth->etherType, wire::kEtherTypeIpv6);
  const auto inner = outer->payload.subspan(wire::kNvgreHeaderLen + 14);
  EXPECT_EQ(Bytes(inner.begin(), inner.end()), hopped(back));
  EXPECT_EQ(ourIn6_->counters().packets.load(), 1u);
}

TEST_F(VpnNodes, TheIpv6TunnelRefusesWhatItsSelectorsAndFamilyDoNotCover) {
  // From the site, a source outside its IPv6 LAN.
  auto r = h_.run(fromSite(udpPacket6(*Ipv6Addr::parse("fd00:6::1"), kVm6, 64), siteOut6_.get()), kWan);
  EXPECT_TRUE(r.sent.empty());
  EXPECT_EQ(h_.nodeError("esp-input", "selector-mismatch"), 1u);
  // An IPv4 packet inside the IPv6 SA.
  r = h_.run(fromSite(udpPacket(kRemote, kHost, 64), siteOut6_.get()), kWan);
  EXPECT_TRUE(r.sent.empty());
  EXPECT_EQ(h_.nodeError("esp-input", "malformed"), 1u);
  EXPECT_EQ(ourIn6_->counters().packets.load(), 2u) << "both decrypted: the checks come after";
}

TEST_F(VpnNodes, ATunnelTakesOnlyPacketsOfItsFamily) {
  auto r = h_.run(PacketBuilder()
                      .eth(kHostMac, kLanMac)
                      .etherType(wire::kEtherTypeIpv4)
                      .payload(udpPacket(kHost, v4("172.16.9.5"), 64))
                      .build(),
                  kLan);
  EXPECT_TRUE(r.sent.empty());
  EXPECT_EQ(h_.nodeError("esp-encrypt", "family-mismatch"), 1u) << "IPv4 routed into the IPv6 tunnel";
  r = h_.run(fromVm6(udpPacket6(kVm6, *Ipv6Addr::parse("fd00:9::5"), 64)), kUnderlay);
  EXPECT_TRUE(r.sent.empty());
  EXPECT_EQ(h_.nodeError("esp-encrypt", "family-mismatch"), 2u) << "IPv6 routed into the IPv4 tunnel";
  EXPECT_EQ(ourOut_->counters().packets.load() + ourOut6_->counters().packets.load(), 0u) << "nothing encrypted";
}

// The ESP trailer's next header says what is inside (41: IPv6, 4: IPv4);
// each end's SA checks it, so the family of an SA is part of its keys' use.
TEST_F(VpnNodes, AnSaOfOneFamilyRefusesTheOthersTrailer) {
  SaSpec s = spec(kSpiOut6, SaDirection::Inbound, kSite, kEndpoint, 3);  // siteIn6_'s keys, IPv4 inside
  auto siteIn4 = make(s);
  ASSERT_NE(siteIn4, nullptr);
  const Bytes out = udpPacket6(kVm6, kRemote6, 64);
  auto r = h_.run(fromVm6(out), kUnderlay);
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_FALSE(atSite(r.sent[0].bytes, siteIn4.get()).has_value()) << "the trailer says 41, not 4";
  EXPECT_TRUE(atSite(r.sent[0].bytes, siteIn6_.get()).has_value());
}

// --- Tunnel 2: ESP over IPv6 ---

TEST_F(VpnNodes, ALanPacketLeavesThroughTheIpv6OutsideAsEspInUdpThatTheSiteDecrypts) {
  const Bytes inner = udpPacket(kHost, kRemote2, 64);
  auto r = h_.run(PacketBuilder().eth(kHostMac, kLanMac).etherType(wire::kEtherTypeIpv4).payload(inner).build(), kLan);
  ASSERT_EQ(r.sent.size(), 1u) << r.dropped.size() << " dropped, " << r.punted.size() << " punted";
  const Bytes& f = r.sent[0].bytes;
  EXPECT_EQ(r.sent[0].port, kWan);
  auto eth = wire::parseEthernet(f);
  ASSERT_TRUE(eth.ok());
  EXPECT_EQ(eth->etherType, wire::kEtherTypeIpv6);
  EXPECT_EQ(eth->dst, kSiteMac);
  auto ip = wire::parseIpv6(std::span<const std::uint8_t>(f).subspan(14));
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->src, kEndpoint6);
  EXPECT_EQ(ip->dst, kSite6);
  EXPECT_EQ(ip->nextHeader, 17);
  EXPECT_EQ(ip->hopLimit, 63) << "the outer header is routed once in the outside domain";
  EXPECT_EQ(ip->payloadLength, f.size() - 14 - 40);
  EXPECT_EQ(wire::load16(&ip->payload[2]), 4500);
  EXPECT_EQ(wire::load16(&ip->payload[4]), ip->payloadLength) << "UDP length";
  EXPECT_NE(wire::load16(&ip->payload[6]), 0) << "IPv6 forbids a zero UDP checksum";
  EXPECT_EQ(wire::checksumFinish(
                wire::checksumAdd(wire::ipv6PseudoHeaderSum(kEndpoint6, kSite6, 17, ip->payloadLength), ip->payload)),
            0)
      << "UDP checksum";
  EXPECT_EQ(wire::load32(&ip->payload[8]), kSpiOut46);
  auto plain = atSite(f, siteIn46_.get());
  ASSERT_TRUE(plain.has_value()) << "the site cannot decrypt what we sent";
  EXPECT_EQ(*plain, forwarded(inner));
  EXPECT_FALSE(atSite(f, siteIn_.get()).has_value()) << "tunnel 0's keys do not open it";
}

TEST_F(VpnNodes, EspOverIpv6FromTheSiteIsDecryptedAndRoutedInTheTenant) {
  const Bytes inner = udpPacket(kRemote2, kHost, 64);
  const Bytes esp = fromSite(inner, siteOut46_.get());
  ASSERT_EQ(wire::load16(&esp[12]), wire::kEtherTypeIpv6);
  auto r = h_.run(esp, kWan);
  ASSERT_EQ(r.sent.size(), 1u) << r.dropped.size() << " dropped, " << r.punted.size() << " punted";
  EXPECT_EQ(r.sent[0].port, kLan);
  const Bytes& f = r.sent[0].bytes;
  EXPECT_EQ(Bytes(f.begin() + 14, f.end()), forwarded(inner));
  EXPECT_EQ(ourIn46_->counters().packets.load(), 1u);
  // The same SPI to the IPv4 endpoint is not this SA's: wrong tunnel.
  Bytes elsewhere = fromSite(udpPacket(kRemote, kHost, 64));
  const std::uint32_t spi = wire::load32(&elsewhere[14 + 28]);
  ASSERT_EQ(spi, kSpiIn);
  wire::store32(&elsewhere[14 + 28], kSpiIn46);
  EXPECT_TRUE(h_.run(elsewhere, kWan).sent.empty());
  EXPECT_EQ(h_.nodeError("esp-input", "wrong-tunnel"), 1u);
}

// The site resolves the IPv6 endpoint: the gateway answers for it on the wan.
TEST_F(VpnNodes, TheIpv6EndpointIsAnsweredByNeighbourDiscovery) {
  const Ipv6Addr group = kEndpoint6.solicitedNode();
  auto ns = PacketBuilder()
                .eth(kSiteMac, MacAddr::forIpv6Multicast(group))
                .ipv6(kSite6, group)
                .ttl(255)
                .neighborSolicitation(kEndpoint6, kSiteMac)
                .build();
  auto r = h_.run(ns, kWan);
  ASSERT_EQ(r.sent.size(), 1u) << r.dropped.size() << " dropped";
  EXPECT_EQ(r.sent[0].bytes, PacketBuilder()
                                 .eth(kWanMac, kSiteMac)
                                 .ipv6(kEndpoint6, kSite6)
                                 .ttl(255)
                                 .neighborAdvertisement(wire::NaFlags{false, true, true}, kEndpoint6, kWanMac)
                                 .build());
}

}  // namespace
}  // namespace hnv::test
