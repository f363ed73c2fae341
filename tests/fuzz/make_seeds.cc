// Writes the seed corpus of the fuzzers into <dir>/<fuzzer>/<label>.bin: the
// captured frames of the unit tests and a few PacketBuilder packets, cut at
// the layer each fuzzer parses. The files are checked in; run this again
// (from the fuzz build) after adding a fuzzer or a seed:
//
//   build/fuzz/bin/fuzz_make_seeds tests/fuzz/seeds
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "captures.h"
#include "hnv/wire/builder.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/ipv6.h"
#include "hnv/wire/tcp.h"

namespace {

using hnv::Ipv4Addr;
using hnv::Ipv6Addr;
using hnv::MacAddr;
using hnv::Vsid;
using hnv::wire::PacketBuilder;
using Bytes = std::vector<std::uint8_t>;

namespace t = hnv::wire::test;

Bytes cut(std::span<const std::uint8_t> frame, std::size_t offset) {
  return Bytes(frame.begin() + offset, frame.end());
}

class Corpus {
 public:
  explicit Corpus(std::filesystem::path dir) : dir_(std::move(dir)) {}

  void add(const std::string& fuzzer, const std::string& label, const Bytes& bytes) {
    const auto folder = dir_ / fuzzer;
    std::filesystem::create_directories(folder);
    std::ofstream out(folder / (label + ".bin"), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    ++count_;
  }
  int count() const { return count_; }

 private:
  std::filesystem::path dir_;
  int count_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <seeds-dir>\n", argv[0]);
    return 2;
  }
  Corpus c(argv[1]);
  const Ipv4Addr a4 = Ipv4Addr::fromHost(0x0a000001);
  const Ipv4Addr b4 = Ipv4Addr::fromHost(0x0a000002);
  const Ipv6Addr a6 = Ipv6Addr::parse("2001:db8::1").value();
  const Ipv6Addr b6 = Ipv6Addr::parse("2001:db8::2").value();
  const MacAddr m1 = MacAddr::parse("02:00:00:00:00:01").value();
  const MacAddr m2 = MacAddr::parse("02:00:00:00:00:02").value();

  // Ethernet: every captured frame, and a tagged one.
  c.add("ethernet", "arp-request", cut(t::kArpRequest, 0));
  c.add("ethernet", "icmpv6-echo", cut(t::kIcmpv6EchoRequest, 0));
  c.add("ethernet", "nvgre4", cut(t::kNvgre4, 0));
  c.add("ethernet", "vlan-udp", PacketBuilder().eth(m1, m2).vlan(100, 3).ipv4(a4, b4).udp(1, 2).payload("x").build());

  c.add("arp", "request", cut(t::kArpRequest, 14));
  c.add("arp", "reply", cut(t::kArpReply, 14));

  c.add("ipv4", "icmp-echo", cut(t::kIcmpEchoRequest, 14));
  c.add("ipv4", "udp", cut(t::kUdp4, 14));
  c.add("ipv4", "tcp-syn", cut(t::kTcp4Syn, 14));
  c.add("ipv4", "icmp-unreachable", cut(t::kIcmpPortUnreachable, 14));
  const std::uint8_t routerAlert[] = {0x94, 0x04, 0x00, 0x00};
  c.add("ipv4", "options-fragment",
        PacketBuilder().ipv4(a4, b4).ipv4Options(routerAlert).fragment(185, true).payloadFill(16, 0xab).build());

  c.add("ipv6", "icmpv6-echo", cut(t::kIcmpv6EchoRequest, 14));
  c.add("ipv6", "udp", cut(t::kUdp6, 14));
  c.add("ipv6", "tcp-syn", cut(t::kTcp6Syn, 14));
  c.add("ipv6", "neighbor-solicitation", cut(t::kNeighborSolicitation, 14));
  c.add("ipv6", "extension-chain",
        PacketBuilder()
            .ipv6(a6, b6)
            .ipv6ExtHeader(hnv::wire::kIpv6ExtHopByHop)
            .ipv6ExtHeader(hnv::wire::kIpv6ExtRouting)
            .ipv6ExtHeader(hnv::wire::kIpv6ExtAuthentication)
            .ipv6Fragment(0, true, 0x1234)
            .ipv6ExtHeader(hnv::wire::kIpv6ExtDestinationOptions)
            .udp(1, 2)
            .build());
  c.add("ipv6", "later-fragment", PacketBuilder().ipv6(a6, b6).ipv6Fragment(181, false, 7).payloadFill(24, 1).build());

  c.add("icmp", "echo-request", cut(t::kIcmpEchoRequest, 34));
  c.add("icmp", "port-unreachable", cut(t::kIcmpPortUnreachable, 34));
  c.add("icmp", "frag-needed",
        cut(PacketBuilder().ipv4(a4, b4).icmpError(3, 4, 1458).ipv4(b4, a4).udp(1, 2).build(), 20));

  c.add("icmpv6_nd", "echo-request", cut(t::kIcmpv6EchoRequest, 54));
  c.add("icmpv6_nd", "neighbor-solicitation", cut(t::kNeighborSolicitation, 54));
  c.add("icmpv6_nd", "neighbor-advertisement", cut(t::kNeighborAdvertisement, 54));
  c.add("icmpv6_nd", "router-solicitation", cut(t::kRouterSolicitation, 54));
  c.add("icmpv6_nd", "packet-too-big",
        cut(PacketBuilder().ipv6(a6, b6).icmpv6Error(2, 0, 1280).ipv6(b6, a6).udp(1, 2).build(), 40));

  c.add("udp", "ipv4", cut(t::kUdp4, 34));
  c.add("udp", "ipv6-odd", cut(t::kUdp6, 54));
  c.add("udp", "nat-t-esp",
        cut(PacketBuilder().ipv4(a4, b4).udp(4500, 4500).esp(0x100, 1).payloadFill(16, 0).build(), 20));

  c.add("tcp", "syn4", cut(t::kTcp4Syn, 34));
  c.add("tcp", "syn6", cut(t::kTcp6Syn, 54));
  c.add("tcp", "syn-mss-payload",
        cut(PacketBuilder().ipv4(a4, b4).tcp(1, 2).tcpFlags(hnv::wire::kTcpSyn).mss(8960).payload("data").build(), 20));
  // MSS at an odd offset: NOP, MSS 1460, NOP, NOP, NOP.
  c.add("tcp", "mss-odd-offset", Bytes{0x30, 0x39, 0x01, 0xbb, 0,    0,    0, 1, 0, 0,    0,    0, 0x70, 0x02,
                                       0xff, 0xff, 0,    0,    0x05, 0x00, 1, 2, 4, 0x05, 0xb4, 1, 1,    1});

  c.add("gre_nvgre", "nvgre", cut(t::kNvgre4, 34));
  c.add("gre_nvgre", "gre-checksum-key-sequence", cut(t::kGreCks4, 34));
  c.add("gre_nvgre", "nvgre-v6",
        cut(PacketBuilder().ipv6(a6, b6).nvgre(Vsid::make(0x123456).value(), 9).eth(m1, m2).ipv6(a6, b6).build(), 40));

  c.add("esp", "esp4", cut(t::kEsp4, 34));
  c.add("esp", "short", Bytes{0, 0, 1, 0, 0, 0, 0, 1});

  std::printf("wrote %d seed files under %s\n", c.count(), argv[1]);
  return 0;
}
