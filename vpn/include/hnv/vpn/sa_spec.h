// One ESP security association as IKE negotiated it: the plain description
// hnv-iked hands the data plane (from charon's add_sa), before any DPDK
// object exists. Tunnel mode, IPv4 or IPv6 outer addresses, optionally
// inside UDP (NAT-T, RFC 3948).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hnv/base/ip.h"
#include "hnv/base/result.h"
#include "hnv/base/tenant.h"

namespace hnv::vpn {

enum class Cipher : std::uint8_t { AesCbc, AesGcm16 };
enum class Integrity : std::uint8_t { None, HmacSha1_96, HmacSha256_128, HmacSha384_192, HmacSha512_256 };
enum class SaDirection : std::uint8_t { Inbound, Outbound };

const char* cipherName(Cipher c);
const char* integrityName(Integrity i);
// Bytes of the integrity check value the algorithm appends (GCM: 16).
std::uint8_t icvLength(Cipher c, Integrity i);

struct UdpEncap {
  std::uint16_t localPort = 4500;
  std::uint16_t remotePort = 4500;
};

struct SaSpec {
  std::uint32_t spi = 0;  // host order
  SaDirection direction = SaDirection::Inbound;
  Cipher cipher = Cipher::AesGcm16;
  std::vector<std::uint8_t> cipherKey;  // AES key (16, 24 or 32 bytes), GCM without its salt
  std::uint8_t salt[4]{};               // GCM: the 4 bytes IKE derived after the key
  Integrity integrity = Integrity::None;
  std::vector<std::uint8_t> integrityKey;
  // The tunnel's ends from this gateway's side: an outbound SA's packets go
  // local -> remote, an inbound SA's come remote -> local.
  IpAddr local;  // both ends of one family: the outer header's
  IpAddr remote;
  std::optional<UdpEncap> udpEncap;
  bool inner6 = false;              // the packets inside are IPv6 (IPv4 otherwise): the ESP trailer's next header
  std::uint32_t replayWindow = 64;  // packets; 0: no anti-replay (inbound)
  bool esn = false;
  TenantId tenant = TenantId::node();
  // Limits after which the SA is reported expired (0: none).
  std::uint64_t softBytes = 0;
  std::uint64_t hardBytes = 0;
  std::uint64_t softPackets = 0;
  std::uint64_t hardPackets = 0;
};

// Overwrites the keys and the salt with zeros and empties them.
void wipeKeys(SaSpec& sa);

// Refuses what the data plane cannot build: key lengths that do not fit the
// algorithm, integrity with GCM or none with CBC, SPI below 256 (RFC 4303
// reserves them), an unspecified tunnel end or ends of two families, a
// tenant of 0.
Status validate(const SaSpec& sa);

// The algorithms from IKEv2 transform ids (RFC 7296 / IANA): encryption
// ENCR_AES_CBC 12, ENCR_AES_GCM_16 20; integrity AUTH_HMAC_SHA1_96 2,
// AUTH_HMAC_SHA2_256_128 12, _384_192 13, _512_256 14, and none as 0 or
// strongSwan's AUTH_UNDEFINED 1024. For GCM `encKey` is key || salt.
Status setAlgorithms(SaSpec& sa, std::uint16_t encTransform, const std::vector<std::uint8_t>& encKey,
                     std::uint16_t intTransform, const std::vector<std::uint8_t>& intKey);

}  // namespace hnv::vpn
