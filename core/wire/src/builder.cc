// PacketBuilder's chain methods: they only record layers. builder_build.cc
// turns them into bytes.
#include "hnv/wire/builder.h"

#include <cstdio>
#include <cstdlib>

#include "builder_layers.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/icmpv6.h"

namespace hnv::wire {

namespace detail {

void builderMisuse(std::string_view what) {
  std::fprintf(stderr, "PacketBuilder: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace detail

using namespace detail;

namespace {

// The last layer, which must be a T (`what` names the modifier for the message).
template <class T>
T& last(std::vector<Layer>& layers, const char* what) {
  if (layers.empty()) builderMisuse(what);
  T* layer = std::get_if<T>(&layers.back().v);
  if (layer == nullptr) builderMisuse(what);
  return *layer;
}

}  // namespace

PacketBuilder::PacketBuilder() = default;
PacketBuilder::~PacketBuilder() = default;
PacketBuilder::PacketBuilder(const PacketBuilder& other) = default;
PacketBuilder& PacketBuilder::operator=(const PacketBuilder& other) = default;
PacketBuilder::PacketBuilder(PacketBuilder&& other) noexcept = default;
PacketBuilder& PacketBuilder::operator=(PacketBuilder&& other) noexcept = default;

Layer& PacketBuilder::add(Layer layer) {
  layers_.push_back(std::move(layer));
  return layers_.back();
}

PacketBuilder& PacketBuilder::eth(const MacAddr& src, const MacAddr& dst) {
  add({EthLayer{src, dst, std::nullopt, std::nullopt}});
  return *this;
}

PacketBuilder& PacketBuilder::vlan(std::uint16_t vid, std::uint8_t pcp) {
  if (vid > 0x0FFF || pcp > 7) builderMisuse("vlan(): VID has 12 bits and PCP 3");
  last<EthLayer>(layers_, "vlan() must follow eth()").tci = static_cast<std::uint16_t>(pcp << 13 | vid);
  return *this;
}

PacketBuilder& PacketBuilder::etherType(std::uint16_t type) {
  if (layers_.empty()) builderMisuse("etherType() must follow eth() or gre()");
  if (auto* e = std::get_if<EthLayer>(&layers_.back().v)) {
    e->etherType = type;
  } else {
    auto& g = last<GreLayer>(layers_, "etherType() must follow eth() or gre()");
    g.fields.protocol = type;
    g.protocolSet = true;
  }
  return *this;
}

PacketBuilder& PacketBuilder::arpRequest(const MacAddr& sha, Ipv4Addr spa, Ipv4Addr tpa) {
  add({ArpLayer{ArpPacket{ArpOp::Request, sha, spa, MacAddr(), tpa}}});
  return *this;
}

PacketBuilder& PacketBuilder::arpReply(const MacAddr& sha, Ipv4Addr spa, const MacAddr& tha, Ipv4Addr tpa) {
  add({ArpLayer{ArpPacket{ArpOp::Reply, sha, spa, tha, tpa}}});
  return *this;
}

PacketBuilder& PacketBuilder::ipv4(Ipv4Addr src, Ipv4Addr dst) {
  Ipv4Layer l;
  l.fields.src = src;
  l.fields.dst = dst;
  add({std::move(l)});
  return *this;
}

PacketBuilder& PacketBuilder::ipv6(const Ipv6Addr& src, const Ipv6Addr& dst) {
  Ipv6Layer l;
  l.fields.src = src;
  l.fields.dst = dst;
  add({l});
  return *this;
}

PacketBuilder& PacketBuilder::ttl(std::uint8_t ttl) {
  if (!layers_.empty()) {
    if (auto* v6 = std::get_if<Ipv6Layer>(&layers_.back().v)) {
      v6->fields.hopLimit = ttl;
      v6->hopLimitSet = true;
      return *this;
    }
  }
  last<Ipv4Layer>(layers_, "ttl() must follow ipv4() or ipv6()").fields.ttl = ttl;
  return *this;
}

PacketBuilder& PacketBuilder::tos(std::uint8_t tos) {
  if (!layers_.empty()) {
    if (auto* v6 = std::get_if<Ipv6Layer>(&layers_.back().v)) {
      v6->fields.trafficClass = tos;
      return *this;
    }
  }
  last<Ipv4Layer>(layers_, "tos() must follow ipv4() or ipv6()").fields.tos = tos;
  return *this;
}

PacketBuilder& PacketBuilder::protocol(std::uint8_t protocol) {
  if (!layers_.empty()) {
    if (auto* v6 = std::get_if<Ipv6Layer>(&layers_.back().v)) {
      v6->fields.nextHeader = protocol;
      v6->nextHeaderSet = true;
      return *this;
    }
  }
  auto& v4 = last<Ipv4Layer>(layers_, "protocol() must follow ipv4() or ipv6()");
  v4.fields.protocol = protocol;
  v4.protocolSet = true;
  return *this;
}

PacketBuilder& PacketBuilder::df(bool set) {
  last<Ipv4Layer>(layers_, "df() must follow ipv4()").fields.df = set;
  return *this;
}

PacketBuilder& PacketBuilder::ipId(std::uint16_t id) {
  last<Ipv4Layer>(layers_, "ipId() must follow ipv4()").fields.id = id;
  return *this;
}

PacketBuilder& PacketBuilder::fragment(std::uint16_t offsetUnits, bool more) {
  if (offsetUnits > 0x1FFF) builderMisuse("fragment(): the offset has 13 bits");
  auto& v4 = last<Ipv4Layer>(layers_, "fragment() must follow ipv4()");
  v4.fields.fragmentOffset = offsetUnits;
  v4.fields.mf = more;
  return *this;
}

PacketBuilder& PacketBuilder::ipv4Options(std::span<const std::uint8_t> options) {
  if (options.size() % 4 != 0 || options.size() > kIpv4MaxHeaderLen - kIpv4HeaderLen) {
    builderMisuse("ipv4Options(): a multiple of 4 bytes, at most 40");
  }
  last<Ipv4Layer>(layers_, "ipv4Options() must follow ipv4()").options.assign(options.begin(), options.end());
  return *this;
}

PacketBuilder& PacketBuilder::flowLabel(std::uint32_t label) {
  if (label > 0xFFFFF) builderMisuse("flowLabel(): 20 bits");
  last<Ipv6Layer>(layers_, "flowLabel() must follow ipv6()").fields.flowLabel = label;
  return *this;
}

PacketBuilder& PacketBuilder::ipv6ExtHeader(std::uint8_t type) {
  if (type != kIpv6ExtHopByHop && type != kIpv6ExtRouting && type != kIpv6ExtDestinationOptions &&
      type != kIpv6ExtAuthentication) {
    builderMisuse("ipv6ExtHeader(): hop-by-hop (0), routing (43), destination options (60) or AH (51)");
  }
  add({Ipv6ExtLayer{type, 0, false, 0}});
  return *this;
}

PacketBuilder& PacketBuilder::ipv6Fragment(std::uint16_t offsetUnits, bool more, std::uint32_t id) {
  if (offsetUnits > 0x1FFF) builderMisuse("ipv6Fragment(): the offset has 13 bits");
  add({Ipv6ExtLayer{kIpv6ExtFragment, offsetUnits, more, id}});
  return *this;
}

PacketBuilder& PacketBuilder::icmpEchoRequest(std::uint16_t id, std::uint16_t seq) {
  add({IcmpLayer{false, kIcmpEchoRequest, 0, std::uint32_t{id} << 16 | seq}});
  return *this;
}

PacketBuilder& PacketBuilder::icmpEchoReply(std::uint16_t id, std::uint16_t seq) {
  add({IcmpLayer{false, kIcmpEchoReply, 0, std::uint32_t{id} << 16 | seq}});
  return *this;
}

PacketBuilder& PacketBuilder::icmpError(std::uint8_t type, std::uint8_t code, std::uint32_t restOfHeader) {
  add({IcmpLayer{false, type, code, restOfHeader}});
  return *this;
}

PacketBuilder& PacketBuilder::icmpv6EchoRequest(std::uint16_t id, std::uint16_t seq) {
  add({IcmpLayer{true, kIcmpv6EchoRequest, 0, std::uint32_t{id} << 16 | seq}});
  return *this;
}

PacketBuilder& PacketBuilder::icmpv6EchoReply(std::uint16_t id, std::uint16_t seq) {
  add({IcmpLayer{true, kIcmpv6EchoReply, 0, std::uint32_t{id} << 16 | seq}});
  return *this;
}

PacketBuilder& PacketBuilder::icmpv6Error(std::uint8_t type, std::uint8_t code, std::uint32_t word) {
  add({IcmpLayer{true, type, code, word}});
  return *this;
}

PacketBuilder& PacketBuilder::routerSolicitation(std::optional<MacAddr> sourceLinkLayer) {
  add({NdLayer{kIcmpv6RouterSolicitation, Ipv6Addr(), NaFlags{}, sourceLinkLayer}});
  return *this;
}

PacketBuilder& PacketBuilder::neighborSolicitation(const Ipv6Addr& target, std::optional<MacAddr> sourceLinkLayer) {
  add({NdLayer{kIcmpv6NeighborSolicitation, target, NaFlags{}, sourceLinkLayer}});
  return *this;
}

PacketBuilder& PacketBuilder::neighborAdvertisement(NaFlags flags, const Ipv6Addr& target,
                                                    std::optional<MacAddr> targetLinkLayer) {
  add({NdLayer{kIcmpv6NeighborAdvertisement, target, flags, targetLinkLayer}});
  return *this;
}

PacketBuilder& PacketBuilder::udp(std::uint16_t srcPort, std::uint16_t dstPort) {
  add({UdpLayer{srcPort, dstPort}});
  return *this;
}

PacketBuilder& PacketBuilder::tcp(std::uint16_t srcPort, std::uint16_t dstPort) {
  TcpLayer l;
  l.fields.srcPort = srcPort;
  l.fields.dstPort = dstPort;
  add({l});
  return *this;
}

PacketBuilder& PacketBuilder::tcpFlags(std::uint8_t flags) {
  last<TcpLayer>(layers_, "tcpFlags() must follow tcp()").fields.flags = flags;
  return *this;
}

PacketBuilder& PacketBuilder::tcpSeq(std::uint32_t seq) {
  last<TcpLayer>(layers_, "tcpSeq() must follow tcp()").fields.seq = seq;
  return *this;
}

PacketBuilder& PacketBuilder::tcpAck(std::uint32_t ack) {
  last<TcpLayer>(layers_, "tcpAck() must follow tcp()").fields.ack = ack;
  return *this;
}

PacketBuilder& PacketBuilder::mss(std::uint16_t mss) {
  last<TcpLayer>(layers_, "mss() must follow tcp()").fields.mss = mss;
  return *this;
}

PacketBuilder& PacketBuilder::gre() {
  add({GreLayer{}});
  return *this;
}

PacketBuilder& PacketBuilder::greKey(std::uint32_t key) {
  last<GreLayer>(layers_, "greKey() must follow gre()").fields.key = key;
  return *this;
}

PacketBuilder& PacketBuilder::greSequence(std::uint32_t sequence) {
  last<GreLayer>(layers_, "greSequence() must follow gre()").fields.sequence = sequence;
  return *this;
}

PacketBuilder& PacketBuilder::greChecksum() {
  last<GreLayer>(layers_, "greChecksum() must follow gre()").fields.withChecksum = true;
  return *this;
}

PacketBuilder& PacketBuilder::nvgre(Vsid vsid, std::uint8_t flowId) {
  add({NvgreLayer{vsid, flowId}});
  return *this;
}

PacketBuilder& PacketBuilder::esp(std::uint32_t spi, std::uint32_t sequence) {
  if (spi == 0) builderMisuse("esp(): SPI 0 is reserved");
  add({EspLayer{spi, sequence}});
  return *this;
}

PacketBuilder& PacketBuilder::payload(std::span<const std::uint8_t> bytes) {
  add({PayloadLayer{std::vector<std::uint8_t>(bytes.begin(), bytes.end())}});
  return *this;
}

PacketBuilder& PacketBuilder::payload(std::string_view text) {
  add({PayloadLayer{std::vector<std::uint8_t>(text.begin(), text.end())}});
  return *this;
}

PacketBuilder& PacketBuilder::payloadFill(std::size_t length, std::uint8_t fill) {
  add({PayloadLayer{std::vector<std::uint8_t>(length, fill)}});
  return *this;
}

PacketBuilder& PacketBuilder::corruptChecksum() {
  if (layers_.empty()) builderMisuse("corruptChecksum() must follow a layer with a checksum");
  const auto& v = layers_.back().v;
  const bool hasChecksum = std::holds_alternative<Ipv4Layer>(v) || std::holds_alternative<IcmpLayer>(v) ||
                           std::holds_alternative<NdLayer>(v) || std::holds_alternative<UdpLayer>(v) ||
                           std::holds_alternative<TcpLayer>(v) ||
                           (std::holds_alternative<GreLayer>(v) && std::get<GreLayer>(v).fields.withChecksum);
  if (!hasChecksum) builderMisuse("corruptChecksum() must follow a layer with a checksum");
  layers_.back().corruptChecksum = true;
  return *this;
}

std::vector<std::uint8_t> PacketBuilder::build() const { return serialize(layers_); }

}  // namespace hnv::wire
