// PacketBuilder::build(): sizes every layer, writes the headers outermost
// first (all lengths are known once the sizes are), then computes checksums
// innermost first so that a checksum covering inner layers (UDP around
// NVGRE's inner packet, GRE's own) sees their final bytes.
#include <cstring>
#include <string>
#include <type_traits>

#include "builder_layers.h"
#include "hnv/wire/checksum.h"
#include "hnv/wire/esp.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/icmp.h"
#include "hnv/wire/icmpv6.h"
#include "hnv/wire/nvgre.h"
#include "hnv/wire/udp.h"

namespace hnv::wire::detail {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

std::size_t headerSize(const Layer& layer) {
  return std::visit(Overloaded{
                        [](const EthLayer& l) { return l.tci ? kEthernetVlanHeaderLen : kEthernetHeaderLen; },
                        [](const ArpLayer&) { return kArpLen; },
                        [](const Ipv4Layer& l) { return kIpv4HeaderLen + l.options.size(); },
                        [](const Ipv6Layer&) { return kIpv6HeaderLen; },
                        [](const Ipv6ExtLayer& l) { return std::size_t{l.type == kIpv6ExtAuthentication ? 12u : 8u}; },
                        [](const IcmpLayer&) { return kIcmpHeaderLen; },
                        [](const NdLayer& l) {
                          const std::size_t fixed =
                              l.type == kIcmpv6RouterSolicitation ? kNdRouterSolicitationLen : kNdNeighborMessageLen;
                          return fixed + (l.linkLayer ? kNdLinkLayerOptionLen : 0);
                        },
                        [](const UdpLayer&) { return kUdpHeaderLen; },
                        [](const TcpLayer& l) { return kTcpHeaderLen + (l.fields.mss ? kTcpOptMssLen : 0); },
                        [](const GreLayer& l) {
                          return kGreBaseHeaderLen + (l.fields.withChecksum ? 4u : 0u) + (l.fields.key ? 4u : 0u) +
                                 (l.fields.sequence ? 4u : 0u);
                        },
                        [](const NvgreLayer&) { return kNvgreHeaderLen; },
                        [](const EspLayer&) { return kEspHeaderLen; },
                        [](const PayloadLayer& l) { return l.bytes.size(); },
                    },
                    layer.v);
}

class Serializer {
 public:
  explicit Serializer(const std::vector<Layer>& layers) : layers_(layers), offsets_(layers.size()) {
    std::size_t total = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      offsets_[i] = total;
      total += headerSize(layers[i]);
    }
    if (total > 0xFFFF + kEthernetVlanHeaderLen) builderMisuse("the packet is longer than 65535 bytes");
    buf_.assign(total, 0);
  }

  std::vector<std::uint8_t> run() {
    for (std::size_t i = 0; i < layers_.size(); ++i) writeHeader(i);
    for (std::size_t i = layers_.size(); i-- > 0;) finish(i);
    return std::move(buf_);
  }

 private:
  std::span<std::uint8_t> rest(std::size_t i) { return std::span(buf_).subspan(offsets_[i]); }
  std::size_t restLength(std::size_t i) const { return buf_.size() - offsets_[i]; }

  std::uint16_t length16(std::size_t length) const {
    if (length > 0xFFFF) builderMisuse("a length field would exceed 65535");
    return static_cast<std::uint16_t>(length);
  }

  // The EtherType announcing layer `next`, if it has one.
  std::optional<std::uint16_t> etherTypeOf(std::size_t next) const {
    if (next >= layers_.size()) return std::nullopt;
    const auto& v = layers_[next].v;
    if (std::holds_alternative<EthLayer>(v)) return kEtherTypeTransparentEthernet;
    if (std::holds_alternative<ArpLayer>(v)) return kEtherTypeArp;
    if (std::holds_alternative<Ipv4Layer>(v)) return kEtherTypeIpv4;
    if (std::holds_alternative<Ipv6Layer>(v)) return kEtherTypeIpv6;
    return std::nullopt;
  }

  // The IP protocol (next header) announcing layer `next`, if it has one.
  std::optional<std::uint8_t> protocolOf(std::size_t next) const {
    if (next >= layers_.size()) return std::nullopt;
    return std::visit(
        Overloaded{
            [](const Ipv4Layer&) -> std::optional<std::uint8_t> { return kIpProtoIpv4; },
            [](const Ipv6Layer&) -> std::optional<std::uint8_t> { return kIpProtoIpv6; },
            [](const Ipv6ExtLayer& l) -> std::optional<std::uint8_t> { return l.type; },
            [](const IcmpLayer& l) -> std::optional<std::uint8_t> { return l.v6 ? kIpProtoIcmpv6 : kIpProtoIcmp; },
            [](const NdLayer&) -> std::optional<std::uint8_t> { return kIpProtoIcmpv6; },
            [](const UdpLayer&) -> std::optional<std::uint8_t> { return kIpProtoUdp; },
            [](const TcpLayer&) -> std::optional<std::uint8_t> { return kIpProtoTcp; },
            [](const GreLayer&) -> std::optional<std::uint8_t> { return kIpProtoGre; },
            [](const NvgreLayer&) -> std::optional<std::uint8_t> { return kIpProtoGre; },
            [](const EspLayer&) -> std::optional<std::uint8_t> { return kIpProtoEsp; },
            [](const auto&) -> std::optional<std::uint8_t> { return std::nullopt; },
        },
        layers_[next].v);
  }

  // The nearest IPv4 or IPv6 layer before layer i (the one whose
  // pseudo-header covers it), or nullptr.
  const Layer* enclosingIp(std::size_t i) const {
    while (i-- > 0) {
      const auto& v = layers_[i].v;
      if (std::holds_alternative<Ipv4Layer>(v) || std::holds_alternative<Ipv6Layer>(v)) return &layers_[i];
    }
    return nullptr;
  }

  const Ipv6Fields& enclosingIpv6(std::size_t i, const char* what) const {
    const Layer* ip = enclosingIp(i);
    const auto* v6 = ip != nullptr ? std::get_if<Ipv6Layer>(&ip->v) : nullptr;
    if (v6 == nullptr) builderMisuse(what);
    return v6->fields;
  }

  // The pseudo-header sum for the transport layer i, or nullopt without IP.
  std::optional<std::uint32_t> pseudoSum(std::size_t i, std::uint8_t protocol) const {
    const Layer* ip = enclosingIp(i);
    if (ip == nullptr) return std::nullopt;
    const std::size_t length = restLength(i);
    if (const auto* v4 = std::get_if<Ipv4Layer>(&ip->v)) {
      return ipv4PseudoHeaderSum(v4->fields.src, v4->fields.dst, protocol, length16(length));
    }
    const auto& v6 = std::get<Ipv6Layer>(ip->v);
    return ipv6PseudoHeaderSum(v6.fields.src, v6.fields.dst, protocol, static_cast<std::uint32_t>(length));
  }

  // A writer cannot fail on a buffer sized by headerSize(), except for a
  // value out of its range: that is the test's bug.
  static void expectWritten(const WireResult<std::size_t>& written, std::string_view layer) {
    if (written.ok()) return;
    builderMisuse(std::string(layer) + ": the writer refused the layer (" +
                  std::string(wireErrcName(written.error().code)) + " at offset " +
                  std::to_string(written.error().offset) + ")");
  }

  void writeHeader(std::size_t i);
  void finish(std::size_t i);

  const std::vector<Layer>& layers_;
  std::vector<std::size_t> offsets_;
  std::vector<std::uint8_t> buf_;
};

void Serializer::writeHeader(std::size_t i) {
  const auto out = rest(i);
  std::visit(
      Overloaded{
          [&](const EthLayer& l) {
            const auto type = l.etherType ? l.etherType : etherTypeOf(i + 1);
            if (!type) builderMisuse("eth(): nothing to infer the EtherType from; call etherType()");
            expectWritten(writeEthernet(out, l.dst, l.src, *type, l.tci), "ethernet");
          },
          [&](const ArpLayer& l) { expectWritten(writeArp(out, l.arp), "arp"); },
          [&](const Ipv4Layer& l) {
            Ipv4Fields f = l.fields;
            f.totalLength = length16(restLength(i));
            if (!l.protocolSet) f.protocol = protocolOf(i + 1).value_or(kIpProtoExperimental);
            expectWritten(writeIpv4(out, f), "ipv4");
            if (!l.options.empty()) {
              out[0] = static_cast<std::uint8_t>(0x40 | (kIpv4HeaderLen + l.options.size()) / 4);
              std::memcpy(out.data() + kIpv4HeaderLen, l.options.data(), l.options.size());
              setIpv4HeaderChecksum(out);
            }
          },
          [&](const Ipv6Layer& l) {
            Ipv6Fields f = l.fields;
            f.payloadLength = length16(restLength(i) - kIpv6HeaderLen);
            if (!l.nextHeaderSet) f.nextHeader = protocolOf(i + 1).value_or(kIpProtoNoNext);
            const bool ndFollows = i + 1 < layers_.size() && std::holds_alternative<NdLayer>(layers_[i + 1].v);
            if (!l.hopLimitSet && ndFollows) f.hopLimit = 255;
            expectWritten(writeIpv6(out, f), "ipv6");
          },
          [&](const Ipv6ExtLayer& l) {
            out[0] = protocolOf(i + 1).value_or(kIpProtoNoNext);
            if (l.type == kIpv6ExtFragment) {
              store16(out.data() + 2, static_cast<std::uint16_t>(l.fragmentOffset << 3 | (l.moreFragments ? 1 : 0)));
              store32(out.data() + 4, l.fragmentId);
            } else if (l.type == kIpv6ExtAuthentication) {
              out[1] = 1;                      // (1 + 2) * 4 = 12 bytes.
              store32(out.data() + 4, 0x100);  // SPI
              store32(out.data() + 8, 1);      // Sequence number
            } else if (l.type != kIpv6ExtRouting) {
              out[2] = 1;  // A PadN option covering the 6 bytes of options.
              out[3] = 4;
            }
          },
          [&](const IcmpLayer& l) {
            if (l.v6) {
              const auto& ip = enclosingIpv6(i, "icmpv6 must be inside ipv6()");
              expectWritten(writeIcmpv6Error(out, ip.src, ip.dst, l.type, l.code, l.word, {}), "icmpv6");
            } else {
              expectWritten(writeIcmpError(out, l.type, l.code, l.word, {}), "icmp");
            }
          },
          [&](const NdLayer& l) {
            const auto& ip = enclosingIpv6(i, "neighbor discovery must be inside ipv6()");
            if (l.type == kIcmpv6RouterSolicitation) {
              expectWritten(writeRouterSolicitation(out, ip.src, ip.dst, l.linkLayer), "nd");
            } else if (l.type == kIcmpv6NeighborSolicitation) {
              expectWritten(writeNeighborSolicitation(out, ip.src, ip.dst, l.target, l.linkLayer), "nd");
            } else {
              expectWritten(writeNeighborAdvertisement(out, ip.src, ip.dst, l.flags, l.target, l.linkLayer), "nd");
            }
          },
          [&](const UdpLayer& l) {
            const std::uint16_t length = length16(restLength(i));
            expectWritten(writeUdp(out, l.srcPort, l.dstPort, length - kUdpHeaderLen), "udp");
          },
          [&](const TcpLayer& l) { expectWritten(writeTcp(out, l.fields), "tcp"); },
          [&](const GreLayer& l) {
            GreFields f = l.fields;
            if (!l.protocolSet) {
              const auto type = etherTypeOf(i + 1);
              if (!type) builderMisuse("gre(): nothing to infer the protocol from; call etherType()");
              f.protocol = *type;
            }
            expectWritten(writeGre(out, f), "gre");
          },
          [&](const NvgreLayer& l) { expectWritten(writeNvgre(out, l.vsid, l.flowId), "nvgre"); },
          [&](const EspLayer& l) { expectWritten(writeEsp(out, l.spi, l.sequence), "esp"); },
          [&](const PayloadLayer& l) {
            if (!l.bytes.empty()) std::memcpy(out.data(), l.bytes.data(), l.bytes.size());
          },
      },
      layers_[i].v);
}

void Serializer::finish(std::size_t i) {
  const auto seg = rest(i);
  std::optional<std::size_t> checksumAt;
  std::visit(Overloaded{
                 [&](const Ipv4Layer&) { checksumAt = 10; },  // Written with the header.
                 [&](const IcmpLayer& l) {
                   if (l.v6) {
                     const auto& ip = enclosingIpv6(i, "icmpv6 must be inside ipv6()");
                     setIcmpv6Checksum(ip.src, ip.dst, seg);
                   } else {
                     setIcmpChecksum(seg);
                   }
                   checksumAt = 2;
                 },
                 [&](const NdLayer&) {
                   const auto& ip = enclosingIpv6(i, "neighbor discovery must be inside ipv6()");
                   setIcmpv6Checksum(ip.src, ip.dst, seg);
                   checksumAt = 2;
                 },
                 [&](const UdpLayer&) {
                   if (auto sum = pseudoSum(i, kIpProtoUdp)) setUdpChecksum(seg, *sum);
                   checksumAt = 6;
                 },
                 [&](const TcpLayer&) {
                   if (auto sum = pseudoSum(i, kIpProtoTcp)) setTcpChecksum(seg, *sum);
                   checksumAt = 16;
                 },
                 [&](const GreLayer& l) {
                   if (!l.fields.withChecksum) return;
                   setGreChecksum(seg);
                   checksumAt = 4;
                 },
                 [](const auto&) {},
             },
             layers_[i].v);
  if (layers_[i].corruptChecksum && checksumAt) {
    std::uint8_t* p = seg.data() + *checksumAt;
    std::uint16_t wrong = load16(p) ^ 0x5A5A;
    if (wrong == 0) wrong = 0x1234;  // 0 would mean "no checksum" to UDP.
    store16(p, wrong);
  }
}

}  // namespace

std::vector<std::uint8_t> serialize(const std::vector<Layer>& layers) { return Serializer(layers).run(); }

}  // namespace hnv::wire::detail
