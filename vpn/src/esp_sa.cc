#include "hnv/vpn/esp_sa.h"

#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_ipsec_sa.h>
#include <rte_malloc.h>

#include <cstring>
#include <string>

#include "hnv/wire/bytes.h"
#include "hnv/wire/checksum.h"

namespace hnv::vpn {
namespace {

rte_crypto_auth_algorithm authAlgorithm(Integrity i) {
  switch (i) {
    case Integrity::HmacSha1_96:
      return RTE_CRYPTO_AUTH_SHA1_HMAC;
    case Integrity::HmacSha256_128:
      return RTE_CRYPTO_AUTH_SHA256_HMAC;
    case Integrity::HmacSha384_192:
      return RTE_CRYPTO_AUTH_SHA384_HMAC;
    case Integrity::HmacSha512_256:
      return RTE_CRYPTO_AUTH_SHA512_HMAC;
    case Integrity::None:
      break;
  }
  return RTE_CRYPTO_AUTH_NULL;
}

// Ethernet placeholder and the outer IP header: IPv4 (DF clear, TTL 64,
// protocol ESP, or UDP for NAT-T: librte_ipsec then adds the UDP header,
// checksum 0 as RFC 3948 section 3.1.1 allows) or IPv6 (hop limit 64, next
// header ESP or UDP). librte_ipsec fills the lengths and the IPv4 id per
// packet; the IPv4 header checksum, and the UDP checksum IPv6 requires
// (RFC 8200 8.1), are ours (espProcess).
std::size_t buildTemplate(const SaSpec& s, std::uint8_t* t) {
  std::memset(t, 0, 80);
  std::uint8_t* ip = t + kTemplateL2;
  // librte_ipsec adds the UDP header itself (from the SA's udp ports).
  if (s.local.isV6()) {
    t[12] = 0x86;
    t[13] = 0xDD;
    ip[0] = 0x60;
    ip[6] = s.udpEncap ? 17 : 50;
    ip[7] = 64;
    s.local.v6().toBytes(ip + 8);
    s.remote.v6().toBytes(ip + 24);
    return kTemplateL2 + 40;
  }
  t[12] = 0x08;  // IPv4
  ip[0] = 0x45;
  ip[8] = 64;
  ip[9] = s.udpEncap ? 17 : 50;
  s.local.v4().toBytes(ip + 12);
  s.remote.v4().toBytes(ip + 16);
  return kTemplateL2 + 20;
}

}  // namespace

Result<std::unique_ptr<EspSa>> EspSa::create(const SaSpec& spec, CryptoDevice& device, std::uint64_t firstSequence) {
  if (auto st = validate(spec); !st) return st.error();
  std::unique_ptr<EspSa> self(new EspSa(spec, device));
  const bool out = spec.direction == SaDirection::Outbound;
  const std::uint64_t lastValid = spec.esn ? UINT64_MAX : UINT32_MAX;
  if (firstSequence == 0 || (out && firstSequence > lastValid) || (!out && firstSequence != 1)) {
    return makeError(Errc::InvalidArgument, std::string(out ? "outbound" : "inbound") + " SA " + std::to_string(spec.spi),
                     "first sequence number " + std::to_string(firstSequence),
                     out ? "not within 1.." + std::to_string(lastValid) : "an inbound SA starts at 1");
  }
  self->sequenceBase_ = firstSequence - 1;
  const std::string where = std::string(out ? "outbound" : "inbound") + " SA " + std::to_string(spec.spi);

  // Crypto transforms: AEAD, or cipher and HMAC chained (encrypt then
  // authenticate outbound, verify then decrypt inbound).
  rte_crypto_sym_xform cipher{}, auth{};
  rte_crypto_sym_xform* first = &cipher;
  std::vector<std::uint8_t> cipherKey = spec.cipherKey, integrityKey = spec.integrityKey;
  if (spec.cipher == Cipher::AesGcm16) {
    cipher.type = RTE_CRYPTO_SYM_XFORM_AEAD;
    cipher.aead.op = out ? RTE_CRYPTO_AEAD_OP_ENCRYPT : RTE_CRYPTO_AEAD_OP_DECRYPT;
    cipher.aead.algo = RTE_CRYPTO_AEAD_AES_GCM;
    cipher.aead.key.data = cipherKey.data();
    cipher.aead.key.length = static_cast<std::uint16_t>(cipherKey.size());
    cipher.aead.iv.offset = CryptoDevice::ivOffset();
    cipher.aead.iv.length = 12;
    cipher.aead.digest_length = 16;
    cipher.aead.aad_length = spec.esn ? 12 : 8;
  } else {
    cipher.type = RTE_CRYPTO_SYM_XFORM_CIPHER;
    cipher.cipher.op = out ? RTE_CRYPTO_CIPHER_OP_ENCRYPT : RTE_CRYPTO_CIPHER_OP_DECRYPT;
    cipher.cipher.algo = RTE_CRYPTO_CIPHER_AES_CBC;
    cipher.cipher.key.data = cipherKey.data();
    cipher.cipher.key.length = static_cast<std::uint16_t>(cipherKey.size());
    cipher.cipher.iv.offset = CryptoDevice::ivOffset();
    cipher.cipher.iv.length = 16;
    auth.type = RTE_CRYPTO_SYM_XFORM_AUTH;
    auth.auth.op = out ? RTE_CRYPTO_AUTH_OP_GENERATE : RTE_CRYPTO_AUTH_OP_VERIFY;
    auth.auth.algo = authAlgorithm(spec.integrity);
    auth.auth.key.data = integrityKey.data();
    auth.auth.key.length = static_cast<std::uint16_t>(integrityKey.size());
    auth.auth.digest_length = icvLength(spec.cipher, spec.integrity);
    if (out) {
      cipher.next = &auth;
    } else {
      auth.next = &cipher;
      first = &auth;
    }
  }

  rte_ipsec_sa_prm prm{};
  prm.userdata = reinterpret_cast<std::uintptr_t>(self.get());
  // Sequence numbers shared by every worker: atomic. An inbound SA without
  // anti-replay (a window of 0) has no replay state for librte_ipsec to
  // lock, and asking for atomic updates of it dereferences nothing.
  prm.flags = out || spec.replayWindow != 0 ? RTE_IPSEC_SAFLAG_SQN_ATOM : 0;
  auto& x = prm.ipsec_xform;
  x.spi = spec.spi;
  std::memcpy(&x.salt, spec.salt, 4);
  x.options.esn = spec.esn ? 1 : 0;
  // The first sequence number an outbound SA sends (librte_ipsec starts at
  // 1 below 2): a cluster's new active continues past the old one's.
  x.esn.value = out ? firstSequence : 0;
  // Inbound, the UDP header is just part of the outer header the caller
  // measures in l3_len (librte_ipsec 22.11 leaves an inbound SA with
  // udp_encap set uninitialised: its init switch has no such case).
  x.options.udp_encap = spec.udpEncap && out ? 1 : 0;
  x.direction = out ? RTE_SECURITY_IPSEC_SA_DIR_EGRESS : RTE_SECURITY_IPSEC_SA_DIR_INGRESS;
  x.proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP;
  x.mode = RTE_SECURITY_IPSEC_SA_MODE_TUNNEL;
  x.tunnel.type = spec.local.isV6() ? RTE_SECURITY_IPSEC_TUNNEL_IPV6 : RTE_SECURITY_IPSEC_TUNNEL_IPV4;
  x.replay_win_sz = out ? 0 : spec.replayWindow;
  if (spec.udpEncap && out) {
    x.udp.sport = spec.udpEncap->localPort;
    x.udp.dport = spec.udpEncap->remotePort;
  }
  prm.crypto_xform = first;
  std::uint8_t hdr[80];
  prm.tun.hdr_len = static_cast<std::uint8_t>(buildTemplate(spec, hdr));
  prm.tun.hdr_l3_off = kTemplateL2;
  prm.tun.next_proto = spec.inner6 ? 41 : 4;  // IPv6 or IPv4 inside (inbound: what the trailer must say)
  prm.tun.hdr = hdr;

  auto wipe = [&] {
    explicit_bzero(cipherKey.data(), cipherKey.size());
    explicit_bzero(integrityKey.data(), integrityKey.size());
  };
  const int size = rte_ipsec_sa_size(&prm);
  if (size < 0) {
    wipe();
    return makeError(Errc::Unsupported, where, "parameters", "librte_ipsec refuses them: " + std::string(rte_strerror(-size)));
  }
  self->sa_ = static_cast<rte_ipsec_sa*>(rte_zmalloc("hnv_esp_sa", static_cast<std::size_t>(size), RTE_CACHE_LINE_SIZE));
  if (self->sa_ == nullptr) {
    wipe();
    return makeError(Errc::Unavailable, where, std::to_string(size) + " bytes", "out of DPDK memory");
  }
  if (int rc = rte_ipsec_sa_init(self->sa_, &prm, static_cast<std::uint32_t>(size)); rc < 0) {
    wipe();
    rte_free(self->sa_);
    self->sa_ = nullptr;
    return makeError(Errc::Unsupported, where, "SA", "librte_ipsec: " + std::string(rte_strerror(-rc)));
  }
  self->cryptoSession_ = rte_cryptodev_sym_session_create(device.id(), first, device.sessionPool());
  wipe();
  if (self->cryptoSession_ == nullptr) {
    return makeError(Errc::Unavailable, where, "crypto session on " + device.driver(),
                     std::string("not created: ") + rte_strerror(rte_errno) + " (algorithm unsupported or pool full)");
  }
  self->session_.sa = self->sa_;
  self->session_.type = RTE_SECURITY_ACTION_TYPE_NONE;
  self->session_.crypto.ses = static_cast<rte_cryptodev_sym_session*>(self->cryptoSession_);
  self->session_.crypto.dev_id = device.id();
  if (int rc = rte_ipsec_session_prepare(&self->session_); rc < 0) {
    return makeError(Errc::Internal, where, "session", "librte_ipsec: " + std::string(rte_strerror(-rc)));
  }
  wipeKeys(self->spec_);
  return self;
}

EspSa::~EspSa() {
  wipeKeys(spec_);  // an SA refused half-built still holds them
  if (cryptoSession_ != nullptr) rte_cryptodev_sym_session_free(device_.id(), cryptoSession_);
  if (sa_ != nullptr) {
    rte_ipsec_sa_fini(sa_);
    rte_free(sa_);
  }
}

}  // namespace hnv::vpn
