// What hnv-iked and hnvgwd tell each other over the local IKE socket: one
// JSON object per line, "type" first. No DPDK and no strongSwan here: both
// programs (and their tests) use the same encoder and parser.
//
//   iked -> hnvgwd   hello, sa-add, sa-update, sa-del, policy, event,
//                    ike-out (an IKE datagram to send from an endpoint)
//   hnvgwd -> iked   hello, counters (per SA, every second), expire (an SA
//                    reached a volume limit), result (to sa-add: refused),
//                    connections (the swanctl.conf of this gateway's S2S
//                    interfaces), ike-in (an IKE datagram to an endpoint),
//                    cluster-role (a cluster member's role, see ClusterRole),
//                    ike-resync (send the IKE state sync again, IkeResync),
//                    dial (start an on-demand connection, Dial)
//
// Keys travel in hex inside sa-add only; the socket is the service's own
// (mode 0600 in a 0700 directory). Nothing here ever logs a key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hnv/base/ip.h"
#include "hnv/base/result.h"

namespace hnv::ikeipc {

inline constexpr int kVersion = 1;

// An IKE traffic selector: an address range, a protocol (0: any) and a port range.
struct Selector {
  IpAddr from;
  IpAddr to;
  std::uint8_t protocol = 0;
  std::uint16_t fromPort = 0;
  std::uint16_t toPort = 65535;
  bool operator==(const Selector&) const = default;
};
std::string toString(const Selector& s);  // "10.0.1.0/24", "10.0.1.5-10.0.1.9 udp 53"

struct Hello {
  std::string program;
  int version = kVersion;
  // hnv-iked only: its IKE state sync with the other member's hnv-iked
  // (strongSwan's ha plugin), "LOCAL<->REMOTE"; empty without one.
  std::string ha;
};

struct SaAdd {
  std::uint32_t spi = 0;
  bool inbound = false;
  IpAddr src, dst;  // the SA's packets go src -> dst
  std::uint16_t srcPort = 0, dstPort = 0;  // UDP ports when encap
  bool encap = false;
  std::uint16_t encAlg = 0, intAlg = 0;  // IKEv2 transform ids
  std::vector<std::uint8_t> encKey, intKey;
  std::uint32_t replayWindow = 0;
  bool esn = false;
  std::uint32_t reqid = 0;
  std::uint32_t ifId = 0;  // the tenant's routing domain on this gateway
  std::uint64_t softBytes = 0, hardBytes = 0, softPackets = 0, hardPackets = 0;
  std::uint64_t softSeconds = 0, hardSeconds = 0;
  std::vector<Selector> srcTs, dstTs;
  // An SA handed over again (hnv-iked's replay to a restarted hnvgwd), with
  // what the data plane last reported of its use: its volume lifetime goes
  // on, and an outbound SA continues past usedSequence (the highest
  // sequence number reported sent) plus a margin for what was sent after
  // the report. Only on the wire when handedOver.
  bool handedOver = false;
  std::uint64_t usedPackets = 0, usedBytes = 0, usedSequence = 0;
};

struct SaUpdate {
  std::uint32_t spi = 0;
  IpAddr src, dst;
  std::uint16_t srcPort = 0, dstPort = 0;
  bool encap = false;
};

struct SaDel {
  std::uint32_t spi = 0;
  IpAddr dst;
};

enum class PolicyDirection : std::uint8_t { In, Out, Forward };
struct Policy {
  bool add = true;
  PolicyDirection direction = PolicyDirection::Out;
  Selector src, dst;
  IpAddr tunnelSrc, tunnelDst;  // add only
  std::uint32_t spi = 0, reqid = 0, ifId = 0;
};

struct Event {
  std::string kind;        // alert, ike-up, ike-down, child-up, child-down, child-rekeyed, destination
  std::string connection;  // charon's peer config name
  std::string child;
  std::string what;  // the alert
  std::uint32_t spiIn = 0, spiOut = 0;
};

struct SaCount {
  std::uint32_t spi = 0;
  std::uint64_t bytes = 0, packets = 0;
  std::uint64_t lastUse = 0;  // monotonic seconds, 0: never
  std::uint64_t sequence = 0;  // outbound: the highest sequence number handed out (0: none)
};
struct Counters {
  std::vector<SaCount> sas;
};

struct Expire {
  std::uint32_t spi = 0;
  IpAddr dst;
  bool hard = false;
};

// hnvgwd's answer to an sa-add it could not install (iked logs it; charon
// already believes the SA is in place, so the CHILD SA will not pass traffic
// and DPD or rekeying repairs it).
struct Result_ {
  std::uint32_t spi = 0;
  bool ok = true;
  std::string error;
};

// A file of certificate authentication for swanctl's credential
// directories: "x509" (our certificates), "x509ca" (trust anchors),
// "x509crl" (revocation lists) or "private" (keys); `name` is a plain file name ([A-Za-z0-9_.-], no
// leading '.').
struct CredentialFile {
  std::string dir;
  std::string name;
  std::string pem;
  bool operator==(const CredentialFile&) const = default;
};

// The S2S interfaces as a swanctl.conf (connections and their secrets)
// and the credential files it names: hnv-iked loads them as a whole; what
// they no longer name is unloaded.
struct Connections {
  std::string swanctlConf;
  std::vector<CredentialFile> credentials;
};

// Whether `dir`/`name` may be a CredentialFile's; the reason if not.
std::optional<std::string> credentialFileProblem(std::string_view dir, std::string_view name);

// hnvgwd in a gateway cluster tells its hnv-iked the member's role at each
// change and after each hello. Only the active member's charon initiates,
// and it starts the persistent connections (named here) that have no IKE
// SA; with an IKE state sync the IKE SAs follow the role (passive on the
// standby), without one a member that stops being active closes its own.
struct ClusterRole {
  bool active = false;
  std::vector<std::string> persistent;  // connection names
};

// When a standby lacks IKE state: first to its own hnv-iked with `forget`
// (drop the passive copies it has: a resync would add second ones), then to
// the active member's without (the ha plugin sends its IKE SAs to the other
// member again and rekeys the CHILD SAs, whose keys it cannot send later).
struct IkeResync {
  bool forget = false;
};

// hnvgwd routed traffic into an on-demand interface whose tunnel has no
// SA: hnv-iked starts its CHILD SA unless one is installed or coming.
struct Dial {
  std::string connection;
};

// An IKE datagram between an endpoint of the gateway and a peer: the UDP
// payload as is (on port 4500 with its non-ESP marker, which charon's
// sender adds and its receiver removes).
struct IkeDatagram {
  IpAddr src, dst;
  std::uint16_t srcPort = 0, dstPort = 0;
  std::vector<std::uint8_t> data;
};
struct IkeIn : IkeDatagram {};
struct IkeOut : IkeDatagram {};

using Message = std::variant<Hello, SaAdd, SaUpdate, SaDel, Policy, Event, Counters, Expire, Result_, Connections,
                             IkeIn, IkeOut, ClusterRole, IkeResync, Dial>;

// One line of JSON, without the newline.
std::string encode(const Message& m);
// Parses one line; the error names the field and says why.
Result<Message> decode(std::string_view line);

std::string toHex(const std::vector<std::uint8_t>& bytes);

}  // namespace hnv::ikeipc
