#include "hnv/ike_ipc/messages.h"

#include <boost/json.hpp>

namespace hnv::ikeipc {
namespace json = boost::json;
namespace {

const char* directionName(PolicyDirection d) {
  return d == PolicyDirection::In ? "in" : d == PolicyDirection::Out ? "out" : "fwd";
}

json::object selectorJson(const Selector& s) {
  return {{"from", s.from.toString()}, {"to", s.to.toString()}, {"protocol", s.protocol},
          {"fromPort", s.fromPort},    {"toPort", s.toPort}};
}

json::array selectorsJson(const std::vector<Selector>& v) {
  json::array a;
  for (const auto& s : v) a.push_back(selectorJson(s));
  return a;
}

struct Encoder {
  json::object operator()(const Hello& m) const {
    json::object o{{"type", "hello"}, {"program", m.program}, {"version", m.version}};
    if (!m.ha.empty()) o["ha"] = m.ha;
    return o;
  }
  json::object operator()(const SaAdd& m) const {
    json::object o{{"type", "sa-add"},
            {"spi", m.spi},
            {"inbound", m.inbound},
            {"src", m.src.toString()},
            {"dst", m.dst.toString()},
            {"srcPort", m.srcPort},
            {"dstPort", m.dstPort},
            {"encap", m.encap},
            {"encAlg", m.encAlg},
            {"encKey", toHex(m.encKey)},
            {"intAlg", m.intAlg},
            {"intKey", toHex(m.intKey)},
            {"replayWindow", m.replayWindow},
            {"esn", m.esn},
            {"reqid", m.reqid},
            {"ifId", m.ifId},
            {"softBytes", m.softBytes},
            {"hardBytes", m.hardBytes},
            {"softPackets", m.softPackets},
            {"hardPackets", m.hardPackets},
            {"softSeconds", m.softSeconds},
            {"hardSeconds", m.hardSeconds},
            {"srcTs", selectorsJson(m.srcTs)},
            {"dstTs", selectorsJson(m.dstTs)}};
    if (m.handedOver) {
      o["handedOver"] = true;
      o["usedPackets"] = m.usedPackets;
      o["usedBytes"] = m.usedBytes;
      o["usedSequence"] = m.usedSequence;
    }
    return o;
  }
  json::object operator()(const SaUpdate& m) const {
    return {{"type", "sa-update"}, {"spi", m.spi},         {"src", m.src.toString()}, {"dst", m.dst.toString()},
            {"srcPort", m.srcPort}, {"dstPort", m.dstPort}, {"encap", m.encap}};
  }
  json::object operator()(const SaDel& m) const {
    return {{"type", "sa-del"}, {"spi", m.spi}, {"dst", m.dst.toString()}};
  }
  json::object operator()(const Policy& m) const {
    return {{"type", "policy"},
            {"add", m.add},
            {"direction", directionName(m.direction)},
            {"src", selectorJson(m.src)},
            {"dst", selectorJson(m.dst)},
            {"tunnelSrc", m.tunnelSrc.toString()},
            {"tunnelDst", m.tunnelDst.toString()},
            {"spi", m.spi},
            {"reqid", m.reqid},
            {"ifId", m.ifId}};
  }
  json::object operator()(const Event& m) const {
    return {{"type", "event"}, {"kind", m.kind},   {"connection", m.connection}, {"child", m.child},
            {"what", m.what},  {"spiIn", m.spiIn}, {"spiOut", m.spiOut}};
  }
  json::object operator()(const Counters& m) const {
    json::array a;
    for (const auto& c : m.sas) {
      json::object x{{"spi", c.spi}, {"bytes", c.bytes}, {"packets", c.packets}, {"lastUse", c.lastUse}};
      if (c.sequence != 0) x["sequence"] = c.sequence;
      a.push_back(std::move(x));
    }
    return {{"type", "counters"}, {"sas", std::move(a)}};
  }
  json::object operator()(const Expire& m) const {
    return {{"type", "expire"}, {"spi", m.spi}, {"dst", m.dst.toString()}, {"hard", m.hard}};
  }
  json::object operator()(const IkeResync& m) const { return {{"type", "ike-resync"}, {"forget", m.forget}}; }
  json::object operator()(const Dial& m) const { return {{"type", "dial"}, {"connection", m.connection}}; }
  json::object operator()(const ClusterRole& m) const {
    json::array names;
    for (const auto& n : m.persistent) names.emplace_back(n);
    return {{"type", "cluster-role"}, {"active", m.active}, {"persistent", std::move(names)}};
  }
  json::object operator()(const Connections& m) const {
    json::array creds;
    for (const auto& c : m.credentials) creds.push_back(json::object{{"dir", c.dir}, {"name", c.name}, {"pem", c.pem}});
    return {{"type", "connections"}, {"swanctlConf", m.swanctlConf}, {"credentials", std::move(creds)}};
  }
  json::object datagram(const char* type, const IkeDatagram& m) const {
    return {{"type", type},         {"src", m.src.toString()}, {"dst", m.dst.toString()},
            {"srcPort", m.srcPort}, {"dstPort", m.dstPort},    {"data", toHex(m.data)}};
  }
  json::object operator()(const IkeIn& m) const { return datagram("ike-in", m); }
  json::object operator()(const IkeOut& m) const { return datagram("ike-out", m); }
  json::object operator()(const Result_& m) const {
    return {{"type", "result"}, {"spi", m.spi}, {"ok", m.ok}, {"error", m.error}};
  }
};

Error bad(const std::string& field, const std::string& why) {
  return makeError(Errc::InvalidArgument, "ike message", field, why);
}

// Reads the fields of one object; the first problem is kept.
class Reader {
 public:
  Reader(const json::object& o, std::string prefix = "") : o_(o), prefix_(std::move(prefix)) {}
  const json::value* find(const char* k) {
    auto it = o_.find(k);
    if (it == o_.end()) {
      fail(k, "missing");
      return nullptr;
    }
    return &it->value();
  }
  template <class T>
  T number(const char* k) {
    const json::value* v = find(k);
    if (v == nullptr) return T{};
    std::uint64_t n = 0;
    if (v->is_uint64()) {
      n = v->as_uint64();
    } else if (v->is_int64() && v->as_int64() >= 0) {
      n = static_cast<std::uint64_t>(v->as_int64());
    } else {
      fail(k, "not a non-negative integer");
      return T{};
    }
    if (n > std::numeric_limits<T>::max()) {
      fail(k, std::to_string(n) + " is out of range");
      return T{};
    }
    return static_cast<T>(n);
  }
  bool flag(const char* k) {
    const json::value* v = find(k);
    if (v == nullptr) return false;
    if (!v->is_bool()) fail(k, "not true or false");
    return v->is_bool() && v->as_bool();
  }
  std::string text(const char* k) {
    const json::value* v = find(k);
    if (v == nullptr) return {};
    if (!v->is_string()) {
      fail(k, "not a string");
      return {};
    }
    return std::string(v->as_string());
  }
  // The array at k; null (and the failure noted) when missing or not one.
  const json::array* array(const char* k) {
    const json::value* v = find(k);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) {
      fail(k, "not an array");
      return nullptr;
    }
    return &v->as_array();
  }
  std::vector<std::string> texts(const char* k) {
    std::vector<std::string> out;
    const json::array* a = array(k);
    if (a == nullptr) return out;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const auto& e = (*a)[i];
      if (!e.is_string()) {
        fail(std::string(k) + "[" + std::to_string(i) + "]", "not a string");
        return {};
      }
      out.emplace_back(e.as_string());
    }
    return out;
  }
  IpAddr address(const char* k) {
    const std::string t = text(k);
    if (!error_.empty()) return {};
    auto a = IpAddr::parse(t);
    if (!a) fail(k, "'" + t + "' is not an IP address");
    return a ? *a : IpAddr();
  }
  std::vector<std::uint8_t> hex(const char* k) {
    const std::string t = text(k);
    std::vector<std::uint8_t> out;
    if (t.size() % 2 != 0) {
      fail(k, "odd number of hex digits");
      return out;
    }
    auto digit = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    for (std::size_t i = 0; i < t.size(); i += 2) {
      const int hi = digit(t[i]), lo = digit(t[i + 1]);
      if (hi < 0 || lo < 0) {
        fail(k, "not hex");
        return {};
      }
      out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return out;
  }
  Selector selector(const char* k) {
    const json::value* v = find(k);
    if (v == nullptr) return {};
    if (!v->is_object()) {
      fail(k, "not an object");
      return {};
    }
    return selectorOf(v->as_object(), path(k));
  }
  std::vector<CredentialFile> credentials(const char* k) {
    std::vector<CredentialFile> out;
    const json::array* a = array(k);
    for (std::size_t i = 0; a != nullptr && i < a->size() && ok(); ++i) {
      const std::string where = path(k) + "[" + std::to_string(i) + "]";
      if (!(*a)[i].is_object()) {
        fail(where, "not an object");
        break;
      }
      Reader item((*a)[i].as_object(), where + ".");
      CredentialFile c{item.text("dir"), item.text("name"), item.text("pem")};
      if (item.ok()) {
        if (auto problem = credentialFileProblem(c.dir, c.name)) item.fail("name", *problem);
      }
      if (!item.ok()) {
        error_ = item.error_, why_ = item.why_;
        break;
      }
      out.push_back(std::move(c));
    }
    return out;
  }
  std::vector<Selector> selectors(const char* k) {
    std::vector<Selector> out;
    const json::array* a = array(k);
    if (a == nullptr) return out;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const auto& e = (*a)[i];
      const std::string where = path(k) + "[" + std::to_string(i) + "]";
      if (!e.is_object()) {
        fail(where, "not an object");
        return out;
      }
      out.push_back(selectorOf(e.as_object(), where));
    }
    return out;
  }
  Selector selectorOf(const json::object& o, const std::string& where) {
    Reader r(o, where + ".");
    Selector s;
    s.from = r.address("from");
    s.to = r.address("to");
    s.protocol = r.number<std::uint8_t>("protocol");
    s.fromPort = r.number<std::uint16_t>("fromPort");
    s.toPort = r.number<std::uint16_t>("toPort");
    if (r.ok() && !s.from.sameFamily(s.to)) r.fail("to", "not of the family of 'from'");
    if (!r.ok() && error_.empty()) error_ = r.error_, why_ = r.why_;
    return s;
  }
  void fail(const std::string& k, const std::string& why) {
    if (error_.empty()) {
      error_ = path(k);
      why_ = why;
    }
  }
  bool ok() const { return error_.empty(); }
  Error error() const { return bad(error_, why_); }

 private:
  std::string path(const std::string& k) const { return prefix_ + k; }
  const json::object& o_;
  std::string prefix_;
  std::string error_, why_;
};

}  // namespace

std::optional<std::string> credentialFileProblem(std::string_view dir, std::string_view name) {
  if (dir != "x509" && dir != "x509ca" && dir != "x509crl" && dir != "private") {
    return "directory '" + std::string(dir) + "' is not x509, x509ca, x509crl or private";
  }
  if (name.empty() || name.size() > 200 || name.front() == '.' ||
      name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != std::string::npos) {
    return "'" + std::string(name) + "' is not a plain file name ([A-Za-z0-9_.-], no leading '.')";
  }
  return std::nullopt;
}

namespace {

Result<Message> decodeObject(const json::object& o) {
  Reader r(o);
  const std::string type = r.text("type");
  if (!r.ok()) return r.error();
  Message m;
  if (type == "hello") {
    Hello h;
    h.program = r.text("program");
    h.version = r.number<int>("version");
    if (o.contains("ha")) h.ha = r.text("ha");
    m = h;
  } else if (type == "sa-add") {
    SaAdd s;
    s.spi = r.number<std::uint32_t>("spi");
    s.inbound = r.flag("inbound");
    s.src = r.address("src");
    s.dst = r.address("dst");
    s.srcPort = r.number<std::uint16_t>("srcPort");
    s.dstPort = r.number<std::uint16_t>("dstPort");
    s.encap = r.flag("encap");
    s.encAlg = r.number<std::uint16_t>("encAlg");
    s.encKey = r.hex("encKey");
    s.intAlg = r.number<std::uint16_t>("intAlg");
    s.intKey = r.hex("intKey");
    s.replayWindow = r.number<std::uint32_t>("replayWindow");
    s.esn = r.flag("esn");
    s.reqid = r.number<std::uint32_t>("reqid");
    s.ifId = r.number<std::uint32_t>("ifId");
    s.softBytes = r.number<std::uint64_t>("softBytes");
    s.hardBytes = r.number<std::uint64_t>("hardBytes");
    s.softPackets = r.number<std::uint64_t>("softPackets");
    s.hardPackets = r.number<std::uint64_t>("hardPackets");
    s.softSeconds = r.number<std::uint64_t>("softSeconds");
    s.hardSeconds = r.number<std::uint64_t>("hardSeconds");
    s.srcTs = r.selectors("srcTs");
    s.dstTs = r.selectors("dstTs");
    if (o.contains("handedOver")) {
      s.handedOver = r.flag("handedOver");
      s.usedPackets = r.number<std::uint64_t>("usedPackets");
      s.usedBytes = r.number<std::uint64_t>("usedBytes");
      s.usedSequence = r.number<std::uint64_t>("usedSequence");
    }
    if (r.ok() && !s.src.sameFamily(s.dst)) r.fail("dst", "not of the family of 'src'");
    m = std::move(s);
  } else if (type == "sa-update") {
    SaUpdate s;
    s.spi = r.number<std::uint32_t>("spi");
    s.src = r.address("src");
    s.dst = r.address("dst");
    s.srcPort = r.number<std::uint16_t>("srcPort");
    s.dstPort = r.number<std::uint16_t>("dstPort");
    s.encap = r.flag("encap");
    m = s;
  } else if (type == "sa-del") {
    SaDel s;
    s.spi = r.number<std::uint32_t>("spi");
    s.dst = r.address("dst");
    m = s;
  } else if (type == "policy") {
    Policy p;
    p.add = r.flag("add");
    const std::string dir = r.text("direction");
    if (dir == "in") {
      p.direction = PolicyDirection::In;
    } else if (dir == "out") {
      p.direction = PolicyDirection::Out;
    } else if (dir == "fwd") {
      p.direction = PolicyDirection::Forward;
    } else if (r.ok()) {
      r.fail("direction", "'" + dir + "' is not in, out or fwd");
    }
    p.src = r.selector("src");
    p.dst = r.selector("dst");
    p.tunnelSrc = r.address("tunnelSrc");
    p.tunnelDst = r.address("tunnelDst");
    p.spi = r.number<std::uint32_t>("spi");
    p.reqid = r.number<std::uint32_t>("reqid");
    p.ifId = r.number<std::uint32_t>("ifId");
    m = p;
  } else if (type == "event") {
    Event e;
    e.kind = r.text("kind");
    e.connection = r.text("connection");
    e.child = r.text("child");
    e.what = r.text("what");
    e.spiIn = r.number<std::uint32_t>("spiIn");
    e.spiOut = r.number<std::uint32_t>("spiOut");
    m = e;
  } else if (type == "counters") {
    Counters c;
    const json::value* v = r.find("sas");
    if (v != nullptr && !v->is_array()) r.fail("sas", "not an array");
    if (v != nullptr && v->is_array()) {
      for (std::size_t i = 0; i < v->as_array().size() && r.ok(); ++i) {
        const auto& e = v->as_array()[i];
        if (!e.is_object()) {
          r.fail("sas[" + std::to_string(i) + "]", "not an object");
          break;
        }
        Reader s(e.as_object(), "sas[" + std::to_string(i) + "].");
        SaCount x;
        x.spi = s.number<std::uint32_t>("spi");
        x.bytes = s.number<std::uint64_t>("bytes");
        x.packets = s.number<std::uint64_t>("packets");
        x.lastUse = s.number<std::uint64_t>("lastUse");
        if (e.as_object().contains("sequence")) x.sequence = s.number<std::uint64_t>("sequence");
        if (!s.ok()) return s.error();
        c.sas.push_back(x);
      }
    }
    m = std::move(c);
  } else if (type == "expire") {
    Expire e;
    e.spi = r.number<std::uint32_t>("spi");
    e.dst = r.address("dst");
    e.hard = r.flag("hard");
    m = e;
  } else if (type == "connections") {
    Connections c{r.text("swanctlConf"), {}};
    if (o.contains("credentials")) c.credentials = r.credentials("credentials");  // absent before certificates
    m = c;
  } else if (type == "ike-resync") {
    m = IkeResync{r.flag("forget")};
  } else if (type == "dial") {
    m = Dial{r.text("connection")};
  } else if (type == "cluster-role") {
    ClusterRole c;
    c.active = r.flag("active");
    c.persistent = r.texts("persistent");
    m = c;
  } else if (type == "ike-in" || type == "ike-out") {
    IkeDatagram d;
    d.src = r.address("src");
    d.dst = r.address("dst");
    d.srcPort = r.number<std::uint16_t>("srcPort");
    d.dstPort = r.number<std::uint16_t>("dstPort");
    d.data = r.hex("data");
    if (type == "ike-in") {
      m = IkeIn{std::move(d)};
    } else {
      m = IkeOut{std::move(d)};
    }
  } else if (type == "result") {
    Result_ x;
    x.spi = r.number<std::uint32_t>("spi");
    x.ok = r.flag("ok");
    x.error = r.text("error");
    m = x;
  } else {
    return bad("type", "'" + type + "' is not a message type");
  }
  if (!r.ok()) return r.error();
  return m;
}

}  // namespace

std::string toString(const Selector& s) {
  std::string out = s.from == s.to ? s.from.toString() : s.from.toString() + "-" + s.to.toString();
  if (s.protocol != 0) out += " proto " + std::to_string(s.protocol);
  if (s.fromPort != 0 || s.toPort != 65535) {
    out += " port " + std::to_string(s.fromPort) + (s.fromPort == s.toPort ? "" : "-" + std::to_string(s.toPort));
  }
  return out;
}

std::string toHex(const std::vector<std::uint8_t>& bytes) {
  static const char* d = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    s.push_back(d[b >> 4]);
    s.push_back(d[b & 15]);
  }
  return s;
}

std::string encode(const Message& m) { return json::serialize(std::visit(Encoder{}, m)); }

Result<Message> decode(std::string_view line) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec) return makeError(Errc::Malformed, "ike message", "JSON", ec.message());
  if (!v.is_object()) return makeError(Errc::Malformed, "ike message", "JSON", "not an object");
  return decodeObject(v.as_object());
}

}  // namespace hnv::ikeipc
