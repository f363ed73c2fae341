// ESP micro-benchmark (issue "Site-to-site IPsec VPN", acceptance 6): CPU
// cycles per packet and Gbps of ESP tunnel-mode encryption and decryption
// through the real code, librte_ipsec on a real cryptodev (the AES-NI
// multi-buffer PMD by default), on one core, with --tunnels tunnels
// installed (default 1,000: an outbound and an inbound SA each, so 2,000
// SAs and crypto sessions).
//
// Scenarios: {encrypt, decrypt} x {gcm128, gcm256} x {64, imix, 1400}.
// Sizes are the inner Ethernet frame (what the tenant sent, 64 B = a 50 B IP
// packet); IMIX is 7 x 64, 4 x 594, 1 x 1518. Each burst of 32 packets
// belongs to one SA; bursts go round robin over every tunnel. Only the
// espProcess call is timed (rdtsc around it): restoring the frames, and for
// decrypt the encryption that made the ciphertext, are not. Gbps counts the
// inner frames' bytes at the TSC rate of this core.
//
// Usage: esp_bench [--tunnels N] [--driver auto|aesni_mb|openssl] [--walks N]
//                  [--reps N] [--scenario NAME]... [--hugepages] [--lcore N] [--json FILE]
#include <rte_cycles.h>
#include <rte_random.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>

#include "bench_graph.h"
#include "hnv/vpn/crypto_device.h"
#include "hnv/vpn/esp_engine.h"
#include "hnv/vpn/esp_sa.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"

namespace {

namespace json = boost::json;
using namespace hnv;
using namespace hnv::vpn;

constexpr std::string_view kProgram = "esp_bench";

struct Tunnel {
  std::unique_ptr<EspSa> out, in;
};

std::vector<std::uint8_t> frameOf(std::size_t size, std::uint32_t k) {
  std::vector<std::uint8_t> f(size, 0);
  f[12] = 0x08;
  std::uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  wire::store16(ip + 2, static_cast<std::uint16_t>(size - 14));
  ip[8] = 64;
  ip[9] = 17;
  wire::store32(ip + 12, 0x0A000100u + (k & 0xff));
  wire::store32(ip + 16, 0xAC100114u);
  wire::store16(ip + 10, wire::internetChecksum({ip, 20}));
  for (std::size_t i = 34; i < size; ++i) f[i] = static_cast<std::uint8_t>(i * 13 + k);
  return f;
}

std::vector<Tunnel> installTunnels(CryptoDevice& dev, std::uint32_t count, std::size_t keyLen) {
  std::vector<Tunnel> t(count);
  for (std::uint32_t k = 0; k < count; ++k) {
    SaSpec s;
    s.spi = 0x1000 + k;
    s.cipher = Cipher::AesGcm16;
    s.cipherKey.resize(keyLen);
    for (auto& b : s.cipherKey) b = static_cast<std::uint8_t>(rte_rand());
    for (auto& b : s.salt) b = static_cast<std::uint8_t>(rte_rand());
    s.local = Ipv4Addr::fromHost(0xC0000201);
    s.remote = Ipv4Addr::fromHost(0xC6330000 + k);
    s.udpEncap = UdpEncap{};
    s.tenant = TenantId(1 + k % 100);
    s.direction = SaDirection::Outbound;
    auto out = EspSa::create(s, dev);
    if (!out) bench::fail(kProgram, out.error().message());
    // The peer's view of the same keys: what it sends, we receive.
    s.direction = SaDirection::Inbound;
    auto in = EspSa::create(s, dev);
    if (!in) bench::fail(kProgram, in.error().message());
    t[k] = Tunnel{std::move(*out), std::move(*in)};
  }
  return t;
}

struct Scenario {
  std::string name;
  bool encrypt;
  std::size_t keyLen;
  std::vector<std::size_t> sizes;  // per packet of a burst, cycled
  std::vector<double> cyclesPerPacket;
  std::vector<double> gbps;
};

void restore(rte_mbuf** m, const std::vector<std::vector<std::uint8_t>>& frames, std::size_t first) {
  for (std::uint16_t i = 0; i < bench::kBurst; ++i) {
    const auto& f = frames[(first + i) % frames.size()];
    m[i]->data_off = RTE_PKTMBUF_HEADROOM;
    m[i]->data_len = static_cast<std::uint16_t>(f.size());
    m[i]->pkt_len = static_cast<std::uint32_t>(f.size());
    m[i]->ol_flags = 0;
    m[i]->l2_len = 14;
    rte_memcpy(rte_pktmbuf_mtod(m[i], void*), f.data(), f.size());
  }
}

void run(Scenario& sc, std::vector<Tunnel>& tunnels, rte_mbuf** m, std::uint64_t walks, double hz) {
  std::vector<std::vector<std::uint8_t>> frames;
  for (std::size_t i = 0; i < sc.sizes.size(); ++i) frames.push_back(frameOf(sc.sizes[i], static_cast<std::uint32_t>(i)));
  std::uint64_t cycles = 0, packets = 0, bytes = 0;
  std::size_t first = 0;
  for (std::uint64_t w = 0; w < walks; ++w) {
    Tunnel& t = tunnels[w % tunnels.size()];
    restore(m, frames, first);
    for (std::uint16_t i = 0; i < bench::kBurst; ++i) bytes += frames[(first + i) % frames.size()].size();
    first += bench::kBurst;
    if (sc.encrypt) {
      const std::uint64_t t0 = rte_rdtsc_precise();
      const EspBurst r = espProcess(*t.out, 0, m, bench::kBurst);
      cycles += rte_rdtsc_precise() - t0;
      if (r.ok != bench::kBurst) bench::fail(kProgram, sc.name + ": encryption failed");
    } else {
      const EspBurst e = espProcess(*t.out, 0, m, bench::kBurst);
      if (e.ok != bench::kBurst) bench::fail(kProgram, sc.name + ": encryption failed");
      for (std::uint16_t i = 0; i < bench::kBurst; ++i) {
        m[i]->l2_len = 14;
        m[i]->l3_len = 28;
      }
      const std::uint64_t t0 = rte_rdtsc_precise();
      const EspBurst r = espProcess(*t.in, 0, m, bench::kBurst);
      cycles += rte_rdtsc_precise() - t0;
      if (r.ok != bench::kBurst) bench::fail(kProgram, sc.name + ": decryption failed");
    }
    packets += bench::kBurst;
  }
  const double cpp = static_cast<double>(cycles) / static_cast<double>(packets);
  sc.cyclesPerPacket.push_back(cpp);
  sc.gbps.push_back(static_cast<double>(bytes) * 8.0 / (static_cast<double>(cycles) / hz) / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Options o;
  o.walks = 2000;
  o.reps = 5;
  std::uint32_t tunnelCount = 1000;
  std::string driver = "aesni_mb";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (bench::parseCommonOption(kProgram, argc, argv, i, o)) continue;
    if (a == "--tunnels" && i + 1 < argc) {
      tunnelCount = static_cast<std::uint32_t>(std::stoul(argv[++i]));
      if (tunnelCount == 0 || tunnelCount > 100000) bench::fail(kProgram, "--tunnels: 1 to 100000");
    } else if (a == "--driver" && i + 1 < argc) {
      driver = argv[++i];
    } else {
      bench::fail(kProgram, "unknown argument '" + a + "'\nusage: esp_bench [--tunnels N] [--driver auto|aesni_mb|openssl] " +
                                bench::kCommonUsage);
    }
  }
  bench::Platform platform = bench::startPlatform(kProgram, o, 512);
  CryptoDevice::Options co;
  co.driver = driver;
  co.sessions = tunnelCount * 4 + 64;  // two key lengths x two directions
  co.descriptors = 256;
  auto dev = CryptoDevice::open(co);
  if (!dev) bench::fail(kProgram, dev.error().message());
  std::vector<Tunnel> gcm128 = installTunnels(**dev, tunnelCount, 16);
  std::vector<Tunnel> gcm256 = installTunnels(**dev, tunnelCount, 32);

  std::vector<Scenario> scenarios;
  const std::vector<std::size_t> imix{64, 594, 64, 1518, 64, 594, 64, 64, 594, 64, 594, 64};
  for (bool enc : {true, false}) {
    for (std::size_t key : {16u, 32u}) {
      for (const auto& [label, sizes] : std::vector<std::pair<std::string, std::vector<std::size_t>>>{
               {"64", {64}}, {"imix", imix}, {"1400", {1400}}}) {
        Scenario sc{std::string(enc ? "encrypt" : "decrypt") + "-gcm" + std::to_string(key * 8) + "-" + label, enc, key,
                    sizes, {}, {}};
        if (o.only.empty() || std::find(o.only.begin(), o.only.end(), sc.name) != o.only.end()) {
          scenarios.push_back(std::move(sc));
        }
      }
    }
  }
  if (scenarios.empty()) bench::fail(kProgram, "no scenario matches --scenario");
  rte_mbuf* m[bench::kBurst];
  for (auto& x : m) x = bench::benchState().ring.pop();
  const double hz = static_cast<double>(rte_get_tsc_hz());
  for (unsigned r = 0; r < o.reps; ++r) {
    for (auto& sc : scenarios) {
      auto& t = sc.keyLen == 16 ? gcm128 : gcm256;
      run(sc, t, m, std::max<std::uint64_t>(o.walks / 10, 1), hz);  // warm-up, dropped
      sc.cyclesPerPacket.pop_back();
      sc.gbps.pop_back();
      run(sc, t, m, o.walks, hz);
    }
  }
  std::printf("%s: %s PMD, %u tunnels (%u SAs), %u reps x %lu bursts of %u, TSC %.3f GHz, build %s\n",
              std::string(kProgram).c_str(), (*dev)->driver().c_str(), tunnelCount, tunnelCount * 4, o.reps,
              static_cast<unsigned long>(o.walks), bench::kBurst, hz / 1e9, HNV_BENCH_BUILD_TYPE);
  std::printf("%-24s %10s %10s %10s %8s\n", "scenario", "cyc/pkt", "min", "max", "Gbps");
  json::array rows;
  for (auto& sc : scenarios) {
    const double med = bench::median(sc.cyclesPerPacket);
    const double gb = bench::median(sc.gbps);
    const auto [mn, mx] = std::minmax_element(sc.cyclesPerPacket.begin(), sc.cyclesPerPacket.end());
    std::printf("%-24s %10.0f %10.0f %10.0f %8.2f\n", sc.name.c_str(), med, *mn, *mx, gb);
    rows.push_back(json::object{{"scenario", sc.name},
                                {"cycles_per_packet_median", med},
                                {"cycles_per_packet_min", *mn},
                                {"cycles_per_packet_max", *mx},
                                {"gbps_median", gb},
                                {"mpps_median", hz / med / 1e6}});
  }
  if (!o.jsonPath.empty()) {
    json::object doc{{"program", kProgram},
                     {"driver", (*dev)->driver()},
                     {"tunnels", tunnelCount},
                     {"sas_installed", tunnelCount * 4},
                     {"reps", o.reps},
                     {"bursts_per_rep", o.walks},
                     {"tsc_hz", hz},
                     {"build_type", HNV_BENCH_BUILD_TYPE},
                     {"results", rows}};
    std::ofstream(o.jsonPath) << json::serialize(doc) << "\n";
  }
  for (auto* x : m) bench::benchState().ring.push(x);
  gcm128.clear();
  gcm256.clear();
  return 0;
}
