#include "hnv/controller/config.h"

#include <fstream>
#include <sstream>

#include "hnv/base/config_node.h"
#include "hnv/base/log.h"

namespace hnv::controller {

namespace {

Status readToken(const ConfigNode& n, TokenEntry& t) {
  if (auto s = n.expectObject({"name", "sha256", "role", "routingDomains", "node"}); !s) return s;
  auto name = n["name"].asString();
  if (!name) return name.error();
  auto hash = n["sha256"].asString();
  if (!hash) return hash.error();
  bool hex = hash->size() == 64;
  for (char c : *hash) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex) {
    return n["sha256"].error("", "must be 64 lower-case hex digits: the SHA-256 of the token "
                                 "(hnv-controller hash-token prints it)");
  }
  auto role = n["role"].asString();
  if (!role) return role.error();
  if (*role != "admin" && *role != "tenant" && *role != "node") {
    return n["role"].error(*role, "must be admin, tenant or node");
  }
  t = TokenEntry{*name, *hash, *role, {}, {}};
  if (*role == "tenant") {
    auto count = n["routingDomains"].arraySize();
    if (!count) return count.error();
    if (*count == 0) return n["routingDomains"].error("[]", "a tenant token needs at least one routing domain");
    for (std::size_t i = 0; i < *count; ++i) {
      auto text = n["routingDomains"].at(i).asString();
      if (!text) return text.error();
      auto rdid = Rdid::parse(*text);
      if (!rdid) return n["routingDomains"].at(i).error(*text, "must be a routing domain GUID");
      t.routingDomains.push_back(*rdid);
    }
  } else if (n["routingDomains"].present()) {
    return n["routingDomains"].error("", "only tenant tokens have routing domains");
  }
  if (*role == "node") {
    auto node = n["node"].asString();
    if (!node) return node.error();
    t.node = *node;
  } else if (n["node"].present()) {
    return n["node"].error("", "only node tokens name a node");
  }
  return okStatus();
}

}  // namespace

Result<ControllerConfig> parseControllerConfig(const std::string& text, const std::string& source) {
  auto doc = parseJson(text, source, JsonComments::Allowed);
  if (!doc) return doc.error();
  ConfigNode root(&*doc, "");
  ControllerConfig c;
  if (auto s = root.expectObject({"listen", "database", "tls", "tokens", "historyLimit", "maxBodyBytes",
                                  "heartbeatSeconds", "logLevel", "metrics"});
      !s) {
    return s.error().within(source);
  }
  auto fail = [&](const Error& e) { return e.within(source); };
  if (root["listen"].present()) {
    auto l = root["listen"].asString();
    if (!l) return fail(l.error());
    auto colon = l->rfind(':');
    if (colon == std::string::npos || colon == 0) return fail(root["listen"].error(*l, "must be ADDRESS:PORT"));
    c.listenAddress = l->substr(0, colon);
    if (c.listenAddress.size() > 2 && c.listenAddress.front() == '[' && c.listenAddress.back() == ']') {
      c.listenAddress = c.listenAddress.substr(1, c.listenAddress.size() - 2);
    }
    auto port = l->substr(colon + 1);
    char* end = nullptr;
    long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p < 0 || p > 65535) {
      return fail(root["listen"].error(*l, "the port must be a number from 0 to 65535 (0: any free port)"));
    }
    c.listenPort = static_cast<std::uint16_t>(p);
  }
  auto db = root["database"].asString(c.database);
  if (!db) return fail(db.error());
  c.database = *db;
  if (root["tls"].present()) {
    if (auto s = root["tls"].expectObject({"certificate", "privateKey"}); !s) return fail(s.error());
    auto cert = root["tls"]["certificate"].asString();
    if (!cert) return fail(cert.error());
    auto key = root["tls"]["privateKey"].asString();
    if (!key) return fail(key.error());
    c.tls = TlsConfig{*cert, *key};
  }
  auto count = root["tokens"].arraySize();
  if (!count) return fail(count.error());
  for (std::size_t i = 0; i < *count; ++i) {
    TokenEntry t;
    if (auto s = readToken(root["tokens"].at(i), t); !s) return fail(s.error());
    c.tokens.push_back(std::move(t));
  }
  auto history = root["historyLimit"].asUint(1000, 100000000, c.historyLimit);
  if (!history) return fail(history.error());
  c.historyLimit = *history;
  auto body = root["maxBodyBytes"].asUint(1024, 1024 * 1024 * 1024, c.maxBodyBytes);
  if (!body) return fail(body.error());
  c.maxBodyBytes = *body;
  auto heartbeat = root["heartbeatSeconds"].asUint(1, 3600, c.heartbeatSeconds);
  if (!heartbeat) return fail(heartbeat.error());
  c.heartbeatSeconds = static_cast<unsigned>(*heartbeat);
  auto level = root["logLevel"].asString(c.logLevel);
  if (!level) return fail(level.error());
  LogLevel parsed;
  if (!Logger::parseLevel(*level, parsed)) {
    return fail(root["logLevel"].error(*level, "must be error, warning, notice, info or debug"));
  }
  c.logLevel = *level;
  auto metrics = service::readMetricsSection(root["metrics"]);
  if (!metrics) return fail(metrics.error());
  c.metrics = *metrics;
  return c;
}

Result<ControllerConfig> loadControllerConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(Errc::Io, path, "", "cannot open the configuration file for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parseControllerConfig(ss.str(), path);
}

}  // namespace hnv::controller
