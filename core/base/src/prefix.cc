#include "hnv/base/prefix.h"

#include <charconv>

namespace hnv {
namespace {

struct Split {
  std::string_view addr;
  unsigned len = 0;
  bool hasLen = false;
};

Result<Split> splitPrefix(std::string_view text, unsigned maxLen) {
  Split s;
  auto slash = text.find('/');
  s.addr = text.substr(0, slash);
  if (slash == std::string_view::npos) {
    s.len = maxLen;
    return s;
  }
  std::string_view lenText = text.substr(slash + 1);
  unsigned len = 0;
  auto [end, ec] = std::from_chars(lenText.data(), lenText.data() + lenText.size(), len);
  if (lenText.empty() || ec != std::errc() || end != lenText.data() + lenText.size()) {
    return makeError(Errc::InvalidArgument, "", std::string(text), "the prefix length after '/' is not a number");
  }
  if (len > maxLen) {
    return makeError(Errc::OutOfRange, "", std::string(text),
                     "prefix length " + std::to_string(len) + " exceeds " + std::to_string(maxLen));
  }
  s.len = len;
  s.hasLen = true;
  return s;
}

template <class Addr>
Result<Addr> parseAddr(std::string_view text, std::string_view whole) {
  auto a = Addr::parse(text);
  if (!a) return makeError(Errc::InvalidArgument, "", std::string(whole), a.error().why);
  return *a;
}

}  // namespace

Ipv4Addr maskAddress(const Ipv4Addr& a, unsigned len) {
  if (len == 0) return Ipv4Addr();
  std::uint32_t mask = len >= 32 ? 0xFFFFFFFFu : ~((1u << (32 - len)) - 1);
  return Ipv4Addr::fromHost(a.host() & mask);
}

Ipv6Addr maskAddress(const Ipv6Addr& a, unsigned len) {
  Ipv6Addr::Bytes b = a.bytes();
  for (unsigned i = 0; i < 16; ++i) {
    unsigned bitsHere = len > i * 8 ? len - i * 8 : 0;
    if (bitsHere >= 8) continue;
    b[i] &= static_cast<std::uint8_t>(0xFF00u >> bitsHere);
  }
  return Ipv6Addr(b);
}

template <class Addr>
Result<PrefixT<Addr>> PrefixT<Addr>::make(const Addr& network, unsigned len) {
  if (len > kMaxLen) {
    return makeError(Errc::OutOfRange, "", network.toString() + "/" + std::to_string(len),
                     "prefix length exceeds " + std::to_string(kMaxLen));
  }
  if (maskAddress(network, len) != network) {
    return makeError(Errc::InvalidArgument, "", network.toString() + "/" + std::to_string(len),
                     "host bits are set; the network is " + maskAddress(network, len).toString() + "/" +
                         std::to_string(len));
  }
  return PrefixT(network, len);
}

template <class Addr>
Result<PrefixT<Addr>> PrefixT<Addr>::parse(std::string_view text) {
  auto s = splitPrefix(text, kMaxLen);
  if (!s) return s.error();
  auto a = parseAddr<Addr>(s->addr, text);
  if (!a) return a.error();
  return make(*a, s->len);
}

template <class Addr>
Result<InterfaceAddressT<Addr>> InterfaceAddressT<Addr>::parse(std::string_view text) {
  auto s = splitPrefix(text, AddrTraits<Addr>::kBits);
  if (!s) return s.error();
  if (!s->hasLen) {
    return makeError(Errc::InvalidArgument, "", std::string(text),
                     "an interface address needs its prefix length, e.g. 192.0.2.1/24");
  }
  auto a = parseAddr<Addr>(s->addr, text);
  if (!a) return a.error();
  if (a->isUnspecified() || a->isMulticast()) {
    return makeError(Errc::InvalidArgument, "", std::string(text),
                     "an interface address must be a unicast address");
  }
  return InterfaceAddressT(*a, s->len);
}

template class PrefixT<Ipv4Addr>;
template class PrefixT<Ipv6Addr>;
template class InterfaceAddressT<Ipv4Addr>;
template class InterfaceAddressT<Ipv6Addr>;

Result<Prefix> Prefix::parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    auto p = Prefix6::parse(text);
    if (!p) return p.error();
    return Prefix(*p);
  }
  auto p = Prefix4::parse(text);
  if (!p) return p.error();
  return Prefix(*p);
}

}  // namespace hnv
