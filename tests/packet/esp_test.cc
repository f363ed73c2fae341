// ESP on librte_ipsec and a real cryptodev (aesni_mb and openssl PMDs),
// checked against an independent implementation: OpenSSL's EVP decrypts
// what we encrypt and encrypts what we must decrypt (RFC 4303, RFC 4106
// for GCM, RFC 3948 for UDP encapsulation).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rte_mbuf.h>

#include <cstring>
#include <memory>
#include <vector>

#include "graph_harness.h"
#include "hnv/vpn/crypto_device.h"
#include "hnv/vpn/esp_engine.h"
#include "hnv/vpn/esp_sa.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/ipv6.h"

namespace hnv::vpn {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

// An inner IPv4/UDP packet 10.0.1.10 -> 172.16.1.20 with `payload` bytes.
Bytes innerPacket(std::size_t payload, std::uint8_t seed = 1) {
  Bytes p(28 + payload);
  p[0] = 0x45;
  wire::store16(&p[2], static_cast<std::uint16_t>(p.size()));
  p[8] = 63;
  p[9] = 17;
  const std::uint8_t src[4]{10, 0, 1, 10}, dst[4]{172, 16, 1, 20};
  std::memcpy(&p[12], src, 4);
  std::memcpy(&p[16], dst, 4);
  wire::store16(&p[10], wire::internetChecksum({p.data(), 20}));
  wire::store16(&p[20], 5000);
  wire::store16(&p[22], 6000);
  wire::store16(&p[24], static_cast<std::uint16_t>(8 + payload));
  auto body = pattern(payload, seed);
  std::copy(body.begin(), body.end(), p.begin() + 28);
  return p;
}

rte_mbuf* mbufOf(const Bytes& frame) {
  rte_mbuf* m = rte_pktmbuf_alloc(test::testPool());
  EXPECT_NE(m, nullptr);
  auto* d = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size())));
  std::memcpy(d, frame.data(), frame.size());
  return m;
}

Bytes bytesOf(rte_mbuf* m) {
  auto* d = rte_pktmbuf_mtod(m, std::uint8_t*);
  return Bytes(d, d + rte_pktmbuf_data_len(m));
}

Bytes withEthernet(const Bytes& ip) {
  Bytes f(14 + ip.size(), 0);
  f[12] = 0x08;
  std::copy(ip.begin(), ip.end(), f.begin() + 14);
  return f;
}

struct Keys {
  Bytes cipher;
  std::uint8_t salt[4]{0xde, 0xad, 0xbe, 0xef};
  Bytes integrity;
};

SaSpec spec(SaDirection dir, Cipher c, Integrity i, const Keys& k, bool natt) {
  SaSpec s;
  s.spi = 0x1234abcd;
  s.direction = dir;
  s.cipher = c;
  s.cipherKey = k.cipher;
  std::memcpy(s.salt, k.salt, 4);
  s.integrity = i;
  s.integrityKey = k.integrity;
  s.local = Ipv4Addr::fromHost(0xC0000201);   // 192.0.2.1
  s.remote = Ipv4Addr::fromHost(0xC6336402);  // 198.51.100.2
  if (natt) s.udpEncap = UdpEncap{4500, 4501};
  s.tenant = TenantId(3);
  return s;
}

const EVP_CIPHER* gcm(std::size_t keyLen) { return keyLen == 16 ? EVP_aes_128_gcm() : keyLen == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm(); }
const EVP_CIPHER* cbc(std::size_t keyLen) { return keyLen == 16 ? EVP_aes_128_cbc() : keyLen == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc(); }

// The ESP payload (from the SPI on) as OpenSSL builds it: plaintext =
// inner || 1, 2, 3... padding || pad length || next header 4.
Bytes opensslEsp(const SaSpec& s, const Keys& k, std::uint32_t seq, const Bytes& inner) {
  const bool aead = s.cipher == Cipher::AesGcm16;
  const std::size_t block = aead ? 4 : 16, ivLen = aead ? 8 : 16;
  Bytes plain = inner;
  std::size_t pad = (block - (inner.size() + 2) % block) % block;
  for (std::size_t i = 1; i <= pad; ++i) plain.push_back(static_cast<std::uint8_t>(i));
  plain.push_back(static_cast<std::uint8_t>(pad));
  plain.push_back(4);
  Bytes out(8);
  wire::store32(&out[0], s.spi);
  wire::store32(&out[4], seq);
  Bytes iv = pattern(ivLen, 0x5a);
  out.insert(out.end(), iv.begin(), iv.end());
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes ct(plain.size() + 16);
  int len = 0, fin = 0;
  if (aead) {
    std::uint8_t nonce[12];
    std::memcpy(nonce, k.salt, 4);
    std::memcpy(nonce + 4, iv.data(), 8);
    EVP_EncryptInit_ex(ctx, gcm(k.cipher.size()), nullptr, nullptr, nullptr);
    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr);
    EVP_EncryptInit_ex(ctx, nullptr, nullptr, k.cipher.data(), nonce);
    EVP_EncryptUpdate(ctx, nullptr, &len, out.data(), 8);  // AAD: SPI, sequence number
    EVP_EncryptUpdate(ctx, ct.data(), &len, plain.data(), static_cast<int>(plain.size()));
    EVP_EncryptFinal_ex(ctx, ct.data() + len, &fin);
    ct.resize(static_cast<std::size_t>(len + fin));
    std::uint8_t tag[16];
    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag);
    out.insert(out.end(), ct.begin(), ct.end());
    out.insert(out.end(), tag, tag + 16);
  } else {
    EVP_EncryptInit_ex(ctx, cbc(k.cipher.size()), nullptr, k.cipher.data(), iv.data());
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    EVP_EncryptUpdate(ctx, ct.data(), &len, plain.data(), static_cast<int>(plain.size()));
    EVP_EncryptFinal_ex(ctx, ct.data() + len, &fin);
    ct.resize(static_cast<std::size_t>(len + fin));
    out.insert(out.end(), ct.begin(), ct.end());
    std::uint8_t mac[64];
    unsigned macLen = 0;
    HMAC(EVP_sha256(), k.integrity.data(), static_cast<int>(k.integrity.size()), out.data(), out.size(), mac, &macLen);
    out.insert(out.end(), mac, mac + 16);  // HMAC-SHA256-128
  }
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

// Decrypts and verifies an ESP payload (from the SPI on) with OpenSSL;
// returns the plaintext (inner || padding || pad length || next header),
// or nothing when the ICV does not verify.
// With `seqHi` (ESN): the high 32 bits of the sequence number, which the
// ICV covers without travelling: in the AAD between SPI and the low bits
// (RFC 4106), after the payload for HMAC (RFC 4303).
std::optional<Bytes> opensslOpen(const SaSpec& s, const Keys& k, const Bytes& esp,
                                 std::optional<std::uint32_t> seqHi = std::nullopt) {
  const bool aead = s.cipher == Cipher::AesGcm16;
  const std::size_t ivLen = aead ? 8 : 16, icv = 16;
  if (esp.size() < 8 + ivLen + icv) return std::nullopt;
  const std::uint8_t* iv = esp.data() + 8;
  const std::uint8_t* ct = iv + ivLen;
  const std::size_t ctLen = esp.size() - 8 - ivLen - icv;
  Bytes plain(ctLen + 16);
  int len = 0, fin = 0;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  bool ok = true;
  if (aead) {
    std::uint8_t nonce[12];
    std::memcpy(nonce, k.salt, 4);
    std::memcpy(nonce + 4, iv, 8);
    EVP_DecryptInit_ex(ctx, gcm(k.cipher.size()), nullptr, nullptr, nullptr);
    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr);
    EVP_DecryptInit_ex(ctx, nullptr, nullptr, k.cipher.data(), nonce);
    Bytes aad(esp.begin(), esp.begin() + 8);
    if (seqHi) {
      aad.insert(aad.begin() + 4, 4, 0);
      wire::store32(&aad[4], *seqHi);
    }
    EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size()));
    EVP_DecryptUpdate(ctx, plain.data(), &len, ct, static_cast<int>(ctLen));
    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, const_cast<std::uint8_t*>(ct + ctLen));
    ok = EVP_DecryptFinal_ex(ctx, plain.data() + len, &fin) == 1;
  } else {
    std::uint8_t mac[64];
    unsigned macLen = 0;
    Bytes covered(esp.begin(), esp.end() - static_cast<long>(icv));
    if (seqHi) {
      covered.resize(covered.size() + 4);
      wire::store32(&covered[covered.size() - 4], *seqHi);
    }
    HMAC(EVP_sha256(), k.integrity.data(), static_cast<int>(k.integrity.size()), covered.data(), covered.size(), mac,
         &macLen);
    ok = std::memcmp(mac, esp.data() + esp.size() - icv, icv) == 0;
    EVP_DecryptInit_ex(ctx, cbc(k.cipher.size()), nullptr, k.cipher.data(), iv);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    EVP_DecryptUpdate(ctx, plain.data(), &len, ct, static_cast<int>(ctLen));
    EVP_DecryptFinal_ex(ctx, plain.data() + len, &fin);
  }
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return std::nullopt;
  plain.resize(static_cast<std::size_t>(len + fin));
  return plain;
}

struct Suite {
  const char* name;
  Cipher cipher;
  Integrity integrity;
  std::size_t keyLen;
};

class EspTest : public ::testing::TestWithParam<std::tuple<std::string, Suite>> {
 protected:
  void SetUp() override {
    test::testPool();
    CryptoDevice::Options o;
    o.driver = std::get<0>(GetParam());
    o.sessions = 64;
    o.descriptors = 256;
    auto d = CryptoDevice::open(o);
    ASSERT_TRUE(d.ok()) << d.error().message();
    device_ = std::move(*d);
    const Suite& s = std::get<1>(GetParam());
    keys_.cipher = pattern(s.keyLen, 0x10);
    if (s.integrity != Integrity::None) keys_.integrity = pattern(32, 0x80);
  }
  SaSpec make(SaDirection dir, bool natt) const {
    const Suite& s = std::get<1>(GetParam());
    return spec(dir, s.cipher, s.integrity, keys_, natt);
  }
  std::unique_ptr<EspSa> sa(const SaSpec& s) {
    auto r = EspSa::create(s, *device_);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? std::move(*r) : nullptr;
  }
  std::unique_ptr<CryptoDevice> device_;
  Keys keys_;
};

TEST_P(EspTest, OutboundPacketsDecryptWithOpenSslToTheInnerPacket) {
  for (bool natt : {false, true}) {
    SCOPED_TRACE(natt ? "NAT-T" : "plain ESP");
    const SaSpec s = make(SaDirection::Outbound, natt);
    auto out = sa(s);
    ASSERT_NE(out, nullptr);
    for (std::uint32_t seq = 1; seq <= 3; ++seq) {
      const Bytes inner = innerPacket(seq * 37);
      rte_mbuf* m = mbufOf(withEthernet(inner));
      m->l2_len = 14;
      auto r = espProcess(*out, 0, &m, 1);
      ASSERT_EQ(r.ok, 1) << "failed " << r.failed;
      const Bytes f = bytesOf(m);
      rte_pktmbuf_free(m);
      const std::uint8_t* ip = f.data() + kTemplateL2;
      ASSERT_EQ(ip[0], 0x45);
      EXPECT_EQ(wire::load16(ip + 2), f.size() - kTemplateL2) << "outer total length";
      EXPECT_EQ(wire::internetChecksum({ip, 20}), 0) << "outer IPv4 checksum";
      EXPECT_EQ(wire::load32(ip + 12), 0xC0000201u);
      EXPECT_EQ(wire::load32(ip + 16), 0xC6336402u);
      std::size_t espAt = kTemplateL2 + 20;
      if (natt) {
        ASSERT_EQ(ip[9], 17);
        EXPECT_EQ(wire::load16(ip + 20), 4500);
        EXPECT_EQ(wire::load16(ip + 22), 4501);
        EXPECT_EQ(wire::load16(ip + 24), f.size() - kTemplateL2 - 20) << "UDP length";
        EXPECT_EQ(wire::load16(ip + 26), 0) << "UDP checksum 0 (RFC 3948)";
        espAt += 8;
      } else {
        EXPECT_EQ(ip[9], 50);
      }
      const Bytes esp(f.begin() + static_cast<long>(espAt), f.end());
      EXPECT_EQ(wire::load32(esp.data()), s.spi);
      EXPECT_EQ(wire::load32(esp.data() + 4), seq);
      auto plain = opensslOpen(s, keys_, esp);
      ASSERT_TRUE(plain.has_value()) << "OpenSSL does not verify our ICV";
      ASSERT_GE(plain->size(), inner.size() + 2);
      EXPECT_EQ(Bytes(plain->begin(), plain->begin() + static_cast<long>(inner.size())), inner);
      EXPECT_EQ(plain->back(), 4) << "next header: IPv4";
      const std::uint8_t pad = (*plain)[plain->size() - 2];
      EXPECT_EQ(plain->size(), inner.size() + pad + 2);
      for (std::uint8_t i = 1; i <= pad; ++i) EXPECT_EQ((*plain)[inner.size() + i - 1], i) << "padding";
    }
    EXPECT_EQ(out->counters().packets.load(), 3u);
  }
}

// Between IPv6 endpoints: an IPv6 outer header (payload length, next header
// ESP or UDP), and over UDP a checksum, which IPv6 requires.
TEST_P(EspTest, OutboundPacketsBetweenIpv6EndpointsCarryAnIpv6OuterHeader) {
  const Ipv6Addr local = *Ipv6Addr::parse("2001:db8::1"), remote = *Ipv6Addr::parse("2001:db8:1::2");
  for (bool natt : {false, true}) {
    SCOPED_TRACE(natt ? "NAT-T" : "plain ESP");
    SaSpec s = make(SaDirection::Outbound, natt);
    s.local = local;
    s.remote = remote;
    auto out = sa(s);
    ASSERT_NE(out, nullptr);
    const Bytes inner = innerPacket(77);
    rte_mbuf* m = mbufOf(withEthernet(inner));
    m->l2_len = 14;
    ASSERT_EQ(espProcess(*out, 0, &m, 1).ok, 1);
    const Bytes f = bytesOf(m);
    rte_pktmbuf_free(m);
    EXPECT_EQ(wire::load16(&f[12]), 0x86DD) << "the template's EtherType";
    auto ip = wire::parseIpv6(std::span<const std::uint8_t>(f).subspan(kTemplateL2));
    ASSERT_TRUE(ip.ok());
    EXPECT_EQ(ip->src, local);
    EXPECT_EQ(ip->dst, remote);
    EXPECT_EQ(ip->hopLimit, 64);
    EXPECT_EQ(ip->payloadLength, f.size() - kTemplateL2 - 40) << "payload length";
    Bytes esp(ip->payload.begin(), ip->payload.end());
    if (natt) {
      ASSERT_EQ(ip->nextHeader, 17);
      EXPECT_EQ(wire::load16(&esp[0]), 4500);
      EXPECT_EQ(wire::load16(&esp[2]), 4501);
      EXPECT_EQ(wire::load16(&esp[4]), esp.size()) << "UDP length";
      EXPECT_EQ(wire::checksumFinish(wire::checksumAdd(
                    wire::ipv6PseudoHeaderSum(local, remote, 17, static_cast<std::uint32_t>(esp.size())), esp)),
                0)
          << "UDP checksum";
      esp.erase(esp.begin(), esp.begin() + 8);
    } else {
      EXPECT_EQ(ip->nextHeader, 50);
    }
    EXPECT_EQ(wire::load32(esp.data()), s.spi);
    auto plain = opensslOpen(s, keys_, esp);
    ASSERT_TRUE(plain.has_value()) << "OpenSSL does not verify our ICV";
    EXPECT_EQ(Bytes(plain->begin(), plain->begin() + static_cast<long>(inner.size())), inner);
  }
}

// A cluster's new active continues an outbound SA past the numbers the old
// one used: the SA is built again with a first sequence number.
TEST_P(EspTest, AnOutboundSaBuiltWithAFirstSequenceNumberSendsFromIt) {
  const SaSpec s = make(SaDirection::Outbound, true);
  auto r = EspSa::create(s, *device_, 70001);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EspSa& out = **r;
  EXPECT_EQ(out.lastSequence(), 70000u);
  for (std::uint32_t seq = 70001; seq <= 70002; ++seq) {
    const Bytes inner = innerPacket(90);
    rte_mbuf* m = mbufOf(withEthernet(inner));
    m->l2_len = 14;
    ASSERT_EQ(espProcess(out, 0, &m, 1).ok, 1);
    const Bytes f = bytesOf(m);
    rte_pktmbuf_free(m);
    const Bytes esp(f.begin() + kTemplateL2 + 28, f.end());
    EXPECT_EQ(wire::load32(esp.data() + 4), seq);
    auto plain = opensslOpen(s, keys_, esp);
    ASSERT_TRUE(plain.has_value()) << "OpenSSL does not verify our ICV at sequence number " << seq;
    EXPECT_EQ(Bytes(plain->begin(), plain->begin() + static_cast<long>(inner.size())), inner);
  }
  EXPECT_EQ(out.lastSequence(), 70002u);
  // Zero, past 32 bits without ESN, or other than 1 inbound: refused with the reason.
  for (auto [dir, first] : {std::pair{SaDirection::Outbound, std::uint64_t{0}},
                            std::pair{SaDirection::Outbound, std::uint64_t{1} << 32},
                            std::pair{SaDirection::Inbound, std::uint64_t{5}}}) {
    auto bad = EspSa::create(make(dir, false), *device_, first);
    ASSERT_FALSE(bad.ok()) << first;
    EXPECT_NE(bad.error().message().find("first sequence number " + std::to_string(first)), std::string::npos)
        << bad.error().message();
  }
}

// ESN (RFC 4303 2.2.1): an SA past 2^32 packets sends the low 32 bits and
// keeps the high ones in its ICV only.
TEST_P(EspTest, WithEsnTheHighBitsOfTheSequenceNumberAreCoveredByTheIcvNotSent) {
  SaSpec s = make(SaDirection::Outbound, true);
  s.esn = true;
  const std::uint64_t first = (std::uint64_t{1} << 32) + 7;
  auto r = EspSa::create(s, *device_, first);
  ASSERT_TRUE(r.ok()) << r.error().message();
  for (std::uint64_t seq = first; seq < first + 2; ++seq) {
    const Bytes inner = innerPacket(60);
    rte_mbuf* m = mbufOf(withEthernet(inner));
    m->l2_len = 14;
    ASSERT_EQ(espProcess(**r, 0, &m, 1).ok, 1);
    const Bytes f = bytesOf(m);
    rte_pktmbuf_free(m);
    const Bytes esp(f.begin() + kTemplateL2 + 28, f.end());
    EXPECT_EQ(wire::load32(esp.data() + 4), static_cast<std::uint32_t>(seq)) << "the low 32 bits on the wire";
    auto plain = opensslOpen(s, keys_, esp, 1);
    ASSERT_TRUE(plain.has_value()) << "OpenSSL with the high bits 1 does not verify our ICV";
    EXPECT_EQ(Bytes(plain->begin(), plain->begin() + static_cast<long>(inner.size())), inner);
    EXPECT_FALSE(opensslOpen(s, keys_, esp).has_value()) << "the high bits are not in the ICV";
  }
  EXPECT_EQ((*r)->lastSequence(), first + 1);
}

TEST_P(EspTest, InboundPacketsFromOpenSslDecryptAndReplaysAndForgeriesAreCounted) {
  for (bool natt : {false, true}) {
    SCOPED_TRACE(natt ? "NAT-T" : "plain ESP");
    const SaSpec s = make(SaDirection::Inbound, natt);
    auto in = sa(s);
    ASSERT_NE(in, nullptr);
    auto frame = [&](std::uint32_t seq, const Bytes& inner) {
      Bytes esp = opensslEsp(s, keys_, seq, inner);
      Bytes f(14 + 20 + (natt ? 8 : 0), 0);
      f[12] = 0x08;
      f[14] = 0x45;
      wire::store16(&f[16], static_cast<std::uint16_t>(f.size() - 14 + esp.size()));
      f[22] = 64;
      f[23] = natt ? 17 : 50;
      wire::store32(&f[26], 0xC6336402u);
      wire::store32(&f[30], 0xC0000201u);
      if (natt) {
        wire::store16(&f[34], 4501);
        wire::store16(&f[36], 4500);
        wire::store16(&f[38], static_cast<std::uint16_t>(8 + esp.size()));
      }
      f.insert(f.end(), esp.begin(), esp.end());
      return f;
    };
    auto run = [&](const Bytes& f) -> std::optional<Bytes> {
      rte_mbuf* m = mbufOf(f);
      m->l2_len = 14;
      m->l3_len = natt ? 28 : 20;
      auto r = espProcess(*in, 0, &m, 1);
      EXPECT_EQ(r.ok + r.failed, 1);
      std::optional<Bytes> got;
      if (r.ok == 1) got = bytesOf(m);
      rte_pktmbuf_free(m);
      return got;
    };
    const Bytes a = innerPacket(100, 3), b = innerPacket(1300, 4);
    EXPECT_EQ(run(frame(1, a)), a);
    EXPECT_EQ(run(frame(5, b)), b);
    EXPECT_EQ(run(frame(1, a)), std::nullopt) << "a replay of sequence number 1";
    EXPECT_EQ(in->counters().replayed.load(), 1u);
    Bytes forged = frame(6, a);
    forged[forged.size() - 20] ^= 0x01;  // one ciphertext bit
    EXPECT_EQ(run(forged), std::nullopt);
    EXPECT_EQ(in->counters().authFailed.load(), 1u);
    EXPECT_EQ(run(frame(6, a)), a) << "the genuine 6 after the forgery";
    EXPECT_EQ(in->counters().packets.load(), 3u);
  }
}

// IKE may negotiate no anti-replay (a replay window of 0, e.g. charon's
// replay_window = 0): the SA accepts any sequence number, again and again.
// librte_ipsec keeps no replay state then, which once made the first
// packet crash the data plane (the SA asked for atomic replay updates).
TEST_P(EspTest, AnInboundSaWithoutAntiReplayAcceptsAReplayedPacket) {
  SaSpec s = make(SaDirection::Inbound, true);
  s.replayWindow = 0;
  auto in = sa(s);
  ASSERT_NE(in, nullptr);
  const Bytes inner = innerPacket(100, 3);
  const Bytes esp = opensslEsp(s, keys_, 7, inner);
  Bytes f(14 + 28, 0);
  f[12] = 0x08;
  f[14] = 0x45;
  wire::store16(&f[16], static_cast<std::uint16_t>(f.size() - 14 + esp.size()));
  f[22] = 64;
  f[23] = 17;
  wire::store32(&f[26], 0xC6336402u);
  wire::store32(&f[30], 0xC0000201u);
  wire::store16(&f[34], 4500);
  wire::store16(&f[36], 4500);
  wire::store16(&f[38], static_cast<std::uint16_t>(8 + esp.size()));
  f.insert(f.end(), esp.begin(), esp.end());
  for (int i = 0; i < 3; ++i) {
    rte_mbuf* m = mbufOf(f);
    m->l2_len = 14;
    m->l3_len = 28;
    auto r = espProcess(*in, 0, &m, 1);
    ASSERT_EQ(r.ok, 1) << "pass " << i;
    EXPECT_EQ(bytesOf(m), inner);
    rte_pktmbuf_free(m);
  }
  EXPECT_EQ(in->counters().replayed.load(), 0u);
  EXPECT_EQ(in->counters().packets.load(), 3u);
}

TEST_P(EspTest, ABurstKeepsItsOrderAndSplitsGoodFromBad) {
  const SaSpec so = make(SaDirection::Outbound, true);
  SaSpec si = so;
  si.direction = SaDirection::Inbound;
  std::swap(si.local, si.remote);
  // The inbound SA of the far end sees our packets; it is ours with ends swapped.
  si.udpEncap = UdpEncap{4501, 4500};
  auto out = sa(so);
  auto in = sa(si);
  ASSERT_NE(out, nullptr);
  ASSERT_NE(in, nullptr);
  std::vector<Bytes> inner;
  rte_mbuf* m[32];
  for (int i = 0; i < 32; ++i) {
    inner.push_back(innerPacket(static_cast<std::size_t>(20 + i * 41), static_cast<std::uint8_t>(i)));
    m[i] = mbufOf(withEthernet(inner.back()));
    m[i]->l2_len = 14;
  }
  auto r = espProcess(*out, 0, m, 32);
  ASSERT_EQ(r.ok, 32);
  // Corrupt packets 3 and 17 on the way.
  rte_pktmbuf_mtod(m[3], std::uint8_t*)[rte_pktmbuf_data_len(m[3]) - 1] ^= 0xff;
  rte_pktmbuf_mtod(m[17], std::uint8_t*)[rte_pktmbuf_data_len(m[17]) - 1] ^= 0xff;
  for (auto* x : m) {
    x->l2_len = 14;
    x->l3_len = 28;
  }
  r = espProcess(*in, 0, m, 32);
  ASSERT_EQ(r.ok, 30);
  ASSERT_EQ(r.failed, 2);
  std::size_t want = 0;
  for (int i = 0; i < 30; ++i, ++want) {
    if (want == 3 || want == 17) ++want;
    EXPECT_EQ(bytesOf(m[i]), inner[want]) << "packet " << i;
  }
  for (auto* x : m) rte_pktmbuf_free(x);
  EXPECT_EQ(in->counters().authFailed.load(), 2u);
}

const Suite kSuites[] = {
    {"gcm128", Cipher::AesGcm16, Integrity::None, 16},
    {"gcm256", Cipher::AesGcm16, Integrity::None, 32},
    {"cbc128_sha256", Cipher::AesCbc, Integrity::HmacSha256_128, 16},
    {"cbc256_sha256", Cipher::AesCbc, Integrity::HmacSha256_128, 32},
};

INSTANTIATE_TEST_SUITE_P(Drivers, EspTest,
                         ::testing::Combine(::testing::Values(std::string("aesni_mb"), std::string("openssl")),
                                            ::testing::ValuesIn(kSuites)),
                         [](const auto& p) { return std::get<0>(p.param) + "_" + std::get<1>(p.param).name; });

TEST(EspSaSpec, ValidationSaysWhatIsWrong) {
  SaSpec s = spec(SaDirection::Outbound, Cipher::AesGcm16, Integrity::None, Keys{pattern(16, 1), {}, {}}, false);
  EXPECT_TRUE(validate(s).ok());
  SaSpec bad = s;
  bad.cipherKey.resize(15);
  EXPECT_NE(validate(bad).error().message().find("15 bytes"), std::string::npos);
  bad = s;
  bad.spi = 7;
  EXPECT_NE(validate(bad).error().message().find("reserved"), std::string::npos);
  bad = s;
  bad.integrity = Integrity::HmacSha1_96;
  EXPECT_FALSE(validate(bad).ok());
  bad = s;
  bad.tenant = TenantId::node();
  EXPECT_FALSE(validate(bad).ok());
  bad = s;
  bad.cipher = Cipher::AesCbc;
  EXPECT_NE(validate(bad).error().message().find("integrity"), std::string::npos);
  bad = s;
  bad.remote = *Ipv6Addr::parse("2001:db8::2");
  EXPECT_NE(validate(bad).error().message().find("two families"), std::string::npos);
}

TEST(EspSaSpec, AlgorithmsFromIkev2TransformIds) {
  SaSpec s = spec(SaDirection::Inbound, Cipher::AesCbc, Integrity::None, Keys{pattern(16, 1), {}, {}}, false);
  Bytes km = pattern(36, 9);  // AES-256 key || salt
  ASSERT_TRUE(setAlgorithms(s, 20, km, 1024, {}).ok());
  EXPECT_EQ(s.cipher, Cipher::AesGcm16);
  EXPECT_EQ(s.cipherKey, Bytes(km.begin(), km.begin() + 32));
  EXPECT_EQ(std::memcmp(s.salt, km.data() + 32, 4), 0);
  ASSERT_TRUE(setAlgorithms(s, 12, pattern(16, 2), 12, pattern(32, 3)).ok());
  EXPECT_EQ(s.integrity, Integrity::HmacSha256_128);
  auto r = setAlgorithms(s, 3, pattern(24, 2), 2, pattern(20, 3));  // 3DES
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::Unsupported);
  EXPECT_NE(r.error().message().find("transform 3"), std::string::npos);
}

TEST(EspCryptoDevice, AnUnknownDriverIsRefusedByName) {
  test::testPool();
  CryptoDevice::Options o;
  o.driver = "qat";
  auto d = CryptoDevice::open(o);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("known: auto, aesni_mb, openssl"), std::string::npos);
}

}  // namespace
}  // namespace hnv::vpn
