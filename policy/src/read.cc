#include "read.h"

#include <boost/json/serialize.hpp>

namespace hnv::policy::detail {

namespace {

// The parsers of core/base name the type in `where`; the field path is better.
Error atField(const ConfigNode& n, const Error& e) { return n.error(e.what, e.why); }

}  // namespace

Status expectFields(const ConfigNode& body, std::span<const FieldSpec> fields) {
  if (!body.present() || !body.raw()->is_object()) {
    return makeError(Errc::InvalidArgument, "body", "", "must be a JSON object");
  }
  for (const auto& kv : body.raw()->as_object()) {
    std::string_view key = kv.key();
    bool known = key == kRevisionField || key == kCreatedRevisionField;
    for (const auto& f : fields) known = known || f.name == key;
    if (!known) {
      std::string names;
      for (const auto& f : fields) names += (names.empty() ? "" : ", ") + std::string(f.name);
      return makeError(Errc::InvalidArgument, std::string(key), "", "unknown field (fields of this kind: " + names + ")");
    }
  }
  return okStatus();
}

Result<Vsid> readVsid(const ConfigNode& n) {
  auto v = n.asUint(0, UINT64_MAX);
  if (!v) return v.error();
  auto vsid = Vsid::forTenant(*v);
  if (!vsid) return atField(n, vsid.error());
  return *vsid;
}

Result<Guid> readGuid(const ConfigNode& n) {
  auto s = n.asString();
  if (!s) return s.error();
  auto g = Guid::parse(*s);
  if (!g) return n.error(*s, "must be a GUID like 8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a");
  if (g->isNil()) return n.error(*s, "must not be the nil GUID");
  return *g;
}

Result<IpAddr> readIp(const ConfigNode& n) {
  auto s = n.asString();
  if (!s) return s.error();
  auto a = IpAddr::parse(*s);
  if (!a) return n.error(*s, "must be an IPv4 or IPv6 address");
  return *a;
}

Result<IpAddr> readIp(const ConfigNode& n, IpAddr fallback) {
  if (!n.present()) return fallback;
  return readIp(n);
}

Result<IpAddr> readUnicast4(const ConfigNode& n, std::string_view noIpv6) {
  auto a = readIp(n);
  if (!a) return a.error();
  if (!a->isV4()) return n.error(a->toString(), std::string(noIpv6));
  const Ipv4Addr v4 = a->v4();
  if (v4.isUnspecified() || v4.isMulticast() || v4.isBroadcast() || v4.isLoopback()) {
    return n.error(a->toString(), "must be a unicast address");
  }
  return a;
}

Result<MacAddr> readMac(const ConfigNode& n) {
  auto s = n.asString();
  if (!s) return s.error();
  auto m = MacAddr::parse(*s);
  if (!m) return n.error(*s, "must be a MAC address like 00:15:5d:00:00:01");
  return *m;
}

Result<Prefix> readPrefix(const ConfigNode& n) {
  auto s = n.asString();
  if (!s) return s.error();
  if (s->find('/') == std::string::npos) return n.error(*s, "must be a prefix with a length, like 10.0.1.0/24");
  auto p = Prefix::parse(*s);
  if (!p) return atField(n, p.error());
  return *p;
}

Result<std::string> readText(const ConfigNode& n, std::size_t maxLength, std::string fallback) {
  auto s = n.asString(std::move(fallback));
  if (!s) return s.error();
  if (s->size() > maxLength) {
    return n.error(s->substr(0, 20) + "...", "is longer than " + std::to_string(maxLength) + " bytes");
  }
  for (unsigned char c : *s) {
    if (c < 0x20 || c == 0x7F) return n.error("", "must not contain control characters");
  }
  return s;
}

Result<std::string> readName(const ConfigNode& n) {
  auto s = n.asString();
  if (!s) return s.error();
  auto isAlnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  bool ok = !s->empty() && s->size() <= 63 && isAlnum((*s)[0]);
  for (char c : *s) ok = ok && (isAlnum(c) || c == '.' || c == '_' || c == '-');
  if (!ok) return n.error(*s, "must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
  return s;
}

Result<std::uint32_t> readMetric(const ConfigNode& n) {
  auto v = n.asUint(0, UINT32_MAX, 0);
  if (!v) return v.error();
  return static_cast<std::uint32_t>(*v);
}

}  // namespace hnv::policy::detail
