// The layers PacketBuilder records; private to the builder's sources.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "hnv/base/ip.h"
#include "hnv/base/mac.h"
#include "hnv/base/vsid.h"
#include "hnv/wire/arp.h"
#include "hnv/wire/gre.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/nd.h"
#include "hnv/wire/tcp.h"

namespace hnv::wire::detail {

struct EthLayer {
  MacAddr src;
  MacAddr dst;
  std::optional<std::uint16_t> tci;
  std::optional<std::uint16_t> etherType;
};

struct ArpLayer {
  ArpPacket arp;
};

struct Ipv4Layer {
  Ipv4Fields fields;
  bool protocolSet = false;
  std::vector<std::uint8_t> options;
};

struct Ipv6Layer {
  Ipv6Fields fields;
  bool nextHeaderSet = false;
  bool hopLimitSet = false;
};

struct Ipv6ExtLayer {
  std::uint8_t type = 0;
  std::uint16_t fragmentOffset = 0;  // Fragment header only.
  bool moreFragments = false;
  std::uint32_t fragmentId = 0;
};

// ICMPv4 and ICMPv6 messages that are a type, a code and a 32-bit word.
struct IcmpLayer {
  bool v6 = false;
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t word = 0;
};

struct NdLayer {
  std::uint8_t type = 0;  // 133, 135 or 136.
  Ipv6Addr target;
  NaFlags flags;
  std::optional<MacAddr> linkLayer;
};

struct UdpLayer {
  std::uint16_t srcPort = 0;
  std::uint16_t dstPort = 0;
};

struct TcpLayer {
  TcpFields fields;
};

struct GreLayer {
  GreFields fields;
  bool protocolSet = false;
};

struct NvgreLayer {
  Vsid vsid = Vsid::fromKey(0);
  std::uint8_t flowId = 0;
};

struct EspLayer {
  std::uint32_t spi = 0;
  std::uint32_t sequence = 0;
};

struct PayloadLayer {
  std::vector<std::uint8_t> bytes;
};

struct Layer {
  std::variant<EthLayer, ArpLayer, Ipv4Layer, Ipv6Layer, Ipv6ExtLayer, IcmpLayer, NdLayer, UdpLayer, TcpLayer, GreLayer,
               NvgreLayer, EspLayer, PayloadLayer>
      v;
  bool corruptChecksum = false;
};

// Prints "PacketBuilder: <what>" and aborts: misuse is a bug in the test.
[[noreturn]] void builderMisuse(std::string_view what);

// Serializes the layers (builder_build.cc).
std::vector<std::uint8_t> serialize(const std::vector<Layer>& layers);

}  // namespace hnv::wire::detail
