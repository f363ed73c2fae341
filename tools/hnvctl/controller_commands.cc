#include "controller_commands.h"

#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "hnv/policy/client.h"
#include "hnv/policy/kinds.h"

namespace hnv::tools {

namespace json = boost::json;
using policy::FieldSpec;
using policy::FieldType;
using policy::KindTraits;

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct KindInfo {
  std::string name;  // "lookup-records"
  std::string noun;  // "lookup-record"
  bool singleton = false;
  std::span<const FieldSpec> fields;
  // The object's key (URL after the kind) from its JSON.
  std::function<Result<std::string>(const json::value&)> keyOf;
};

std::vector<KindInfo> kinds() {
  std::vector<KindInfo> out;
  policy::forEachKind([&](auto k) {
    using T = typename decltype(k)::type;
    out.push_back({std::string(KindTraits<T>::kName), std::string(KindTraits<T>::kNoun), KindTraits<T>::kSingleton,
                   KindTraits<T>::fields(), [](const json::value& v) -> Result<std::string> {
                     auto obj = KindTraits<T>::fromJson(ConfigNode(&v, ""));
                     if (!obj) return obj.error();
                     return KindTraits<T>::key(*obj);
                   }});
  });
  return out;
}

const KindInfo* findKind(const std::vector<KindInfo>& all, const std::string& noun) {
  for (const auto& k : all) {
    if (k.noun == noun) return &k;
  }
  return nullptr;
}

std::string kebab(std::string_view camel) {
  std::string out;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      out += '-';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

std::string typeName(const FieldSpec& f) {
  switch (f.type) {
    case FieldType::String: return "TEXT";
    case FieldType::Uint: return "N";
    case FieldType::Bool: return "true|false";
    case FieldType::Vsid: return "VSID";
    case FieldType::Guid: return "GUID";
    case FieldType::Ip: return "IP";
    case FieldType::Mac: return "MAC";
    case FieldType::Prefix: return "PREFIX";
    case FieldType::Enum: return std::string(f.values);
    case FieldType::VsidList: return "VSID,...";
    case FieldType::GuidList: return "GUID,...";
    case FieldType::PrefixList: return "PREFIX,...";
    case FieldType::MetricPrefixList: return "PREFIX[:METRIC],...";
    case FieldType::IpList: return "IP,...";
  }
  return "VALUE";
}

// An option value as the JSON the field takes; errors name the option.
Result<json::value> optionValue(const FieldSpec& f, const std::string& text) {
  auto bad = [&](std::string why) { return makeError(Errc::InvalidArgument, "--" + kebab(f.name), text, why); };
  auto number = [&](const std::string& s) -> Result<json::value> {
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) {
      return bad("must be a whole number");
    }
    return json::value(std::stoull(s));
  };
  switch (f.type) {
    case FieldType::Uint:
    case FieldType::Vsid: return number(text);
    case FieldType::Bool:
      if (text == "true") return json::value(true);
      if (text == "false") return json::value(false);
      return bad("must be true or false");
    case FieldType::VsidList:
    case FieldType::GuidList:
    case FieldType::PrefixList:
    case FieldType::MetricPrefixList:
    case FieldType::IpList: {
      json::array a;
      std::stringstream ss(text);
      std::string item;
      while (std::getline(ss, item, ',')) {
        if (item.empty()) continue;
        if (f.type == FieldType::VsidList) {
          auto n = number(item);
          if (!n) return n.error();
          a.push_back(*n);
        } else {
          a.emplace_back(item);
        }
      }
      return json::value(std::move(a));
    }
    default: return json::value(text);
  }
}

// A --FIELD-file's content: a regular file, at most 1 MiB; one final line
// end is dropped (an editor's or echo's: a PSK has no newline; PEM does
// not care).
Result<std::string> readValueFile(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec) return makeError(Errc::Io, path, "", "cannot be read (" + ec.message() + ")");
  if (!std::filesystem::is_regular_file(status)) return makeError(Errc::Io, path, "", "is not a regular file");
  if (std::filesystem::file_size(path, ec) > (1u << 20)) return makeError(Errc::Io, path, "", "is over 1 MiB");
  std::ifstream f(path, std::ios::binary);
  if (!f.is_open()) return makeError(Errc::Io, path, "", "cannot be read (" + std::string(std::strerror(errno)) + ")");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return makeError(Errc::Io, path, "", "cannot be read");
  if (text.ends_with("\r\n")) {
    text.resize(text.size() - 2);
  } else if (text.ends_with("\n")) {
    text.pop_back();
  }
  return text;
}

// --field value pairs; errors name unknown options.
Result<std::map<std::string, std::string>> parseOptions(const KindInfo& k, const std::vector<std::string>& args,
                                                        std::size_t from) {
  std::map<std::string, std::string> out;
  for (std::size_t i = from; i < args.size(); ++i) {
    const auto& a = args[i];
    if (!a.starts_with("--")) return makeError(Errc::InvalidArgument, a, "", "expected an option like --vsid 5001");
    std::string name = a.substr(2);
    const FieldSpec* spec = nullptr;
    for (const auto& f : k.fields) spec = (kebab(f.name) == name || f.name == name) ? &f : spec;
    // --FIELD-file PATH: a text field's value is the file's content (PEM,
    // keys and secrets stay out of the command line and the process list).
    bool fromFile = false;
    if (spec == nullptr && name.ends_with("-file")) {
      const std::string base = name.substr(0, name.size() - 5);
      for (const auto& f : k.fields) {
        if (f.type == FieldType::String && (kebab(f.name) == base || f.name == base)) spec = &f, fromFile = true;
      }
    }
    if (spec == nullptr) {
      return makeError(Errc::InvalidArgument, a, "", "is not a field of " + k.noun + " (see hnvctl " + k.noun + " --help)");
    }
    if (i + 1 >= args.size()) return makeError(Errc::InvalidArgument, a, "", "needs a value");
    std::string value = args[++i];
    if (fromFile) {
      auto text = readValueFile(value);
      if (!text) return makeError(Errc::Io, a, value, text.error().why);
      value = std::move(*text);
    }
    out[std::string(spec->name)] = std::move(value);
  }
  return out;
}

void printTable(const KindInfo& k, const json::array& items) {
  if (items.empty()) {
    std::cout << "no " << k.name << " match\n";
    return;
  }
  std::vector<std::string> cols;
  for (const auto& f : k.fields) {
    bool used = false;
    for (const auto& it : items) {
      const auto* v = it.as_object().if_contains(f.name);
      used = used || (v != nullptr && !(v->is_string() && v->as_string().empty()) &&
                      !(v->is_array() && v->as_array().empty()));
    }
    if (used) cols.emplace_back(f.name);
  }
  cols.emplace_back("revision");
  std::vector<std::vector<std::string>> rows;
  for (const auto& it : items) {
    std::vector<std::string> row;
    for (const auto& c : cols) {
      const auto* v = it.as_object().if_contains(c);
      row.push_back(v == nullptr ? "" : policy::fieldText(*v));
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> width(cols.size());
  for (std::size_t i = 0; i < cols.size(); ++i) {
    width[i] = cols[i].size();
    for (const auto& r : rows) width[i] = std::max(width[i], r[i].size());
  }
  auto line = [&](const std::vector<std::string>& r) {
    for (std::size_t i = 0; i < r.size(); ++i) {
      std::cout << std::left << std::setw(static_cast<int>(i + 1 < r.size() ? width[i] + 2 : 0)) << r[i];
    }
    std::cout << "\n";
  };
  line(cols);
  for (const auto& r : rows) line(r);
}

void printKindHelp(const KindInfo& k) {
  std::cout << "usage: hnvctl " << k.noun << (k.singleton ? " get|set [--FIELD VALUE ...]\n" : " new|get|set|remove [--FIELD VALUE ...]\n")
            << "  new     create one (required fields marked *)\n"
            << "  get     list, filtered by any fields given\n"
            << "  set     change the mutable fields of the one object the immutable fields given select\n"
            << "  remove  remove every object the fields given select (at least one field, or --all)\n"
            << "fields:\n";
  for (const auto& f : k.fields) {
    std::string opt = "--" + kebab(f.name) + " " + typeName(f);
    std::string flags = (f.flags & policy::kRequired) ? "*" : " ";
    if (f.flags & policy::kReadOnly) flags = "r";
    std::cout << "  " << flags << " " << std::left << std::setw(46) << opt << f.help
              << ((f.flags & policy::kImmutable) ? " (immutable)" : "") << ((f.flags & policy::kReadOnly) ? " (read-only)" : "")
              << "\n";
  }
  std::cout << "a TEXT field may be read from a file: --FIELD-file PATH (PEM, keys, secrets)\n";
}

int fail(const Error& e) {
  std::cerr << "hnvctl: " << e.message() << "\n";
  return kExitFailed;
}

int usage(const std::string& why) {
  std::cerr << "hnvctl: " << why << "\n";
  return kExitUsage;
}

std::string listTarget(const KindInfo& k, const std::map<std::string, std::string>& filters) {
  std::string t = "/v1/" + k.name;
  char sep = '?';
  for (const auto& [f, v] : filters) {
    t += sep + policy::urlEncode(f) + "=" + policy::urlEncode(v);
    sep = '&';
  }
  return t;
}

// The objects the options select (immutable fields only for set).
Result<json::array> select(policy::ControllerClient& c, const KindInfo& k, const std::map<std::string, std::string>& fields) {
  auto r = c.call("GET", listTarget(k, fields));
  if (!r) return r.error();
  return r->as_object().at("items").as_array();
}

void printResult(const ControllerOptions& o, const KindInfo* k, const json::value& v) {
  if (o.json || k == nullptr) {
    std::cout << json::serialize(v) << "\n";
  } else if (v.is_object()) {
    printTable(*k, json::array{v});
  }
}

int kindCommand(const ControllerOptions& o, policy::ControllerClient& c, const KindInfo& k,
                const std::vector<std::string>& w) {
  if (w.size() < 2 || w[1] == "--help" || w[1] == "-h") {
    printKindHelp(k);
    return w.size() < 2 ? kExitUsage : 0;
  }
  const std::string& verb = w[1];
  bool all = false;
  std::vector<std::string> rest;
  for (std::size_t i = 2; i < w.size(); ++i) {
    if (w[i] == "--all") {
      all = true;
    } else if (w[i] == "--help" || w[i] == "-h") {
      printKindHelp(k);
      return 0;
    } else {
      rest.push_back(w[i]);
    }
  }
  auto opts = parseOptions(k, rest, 0);
  if (!opts) return usage(opts.error().message());
  json::object body;
  for (const auto& [name, text] : *opts) {
    for (const auto& f : k.fields) {
      if (f.name != name) continue;
      auto v = optionValue(f, text);
      if (!v) return usage(v.error().message());
      body[name] = *v;
    }
  }
  if (k.singleton) {
    if (verb == "get") {
      auto r = c.call("GET", "/v1/" + k.name);
      if (!r) return fail(r.error());
      printResult(o, &k, *r);
      return 0;
    }
    if (verb == "set") {
      json::value b = body;
      auto r = c.call("PATCH", "/v1/" + k.name, &b);
      if (!r) return fail(r.error());
      printResult(o, &k, *r);
      return 0;
    }
    return usage(k.noun + ": unknown verb '" + verb + "' (get, set)");
  }
  if (verb == "new") {
    json::value b = body;
    auto r = c.call("POST", "/v1/" + k.name, &b);
    if (!r) return fail(r.error());
    printResult(o, &k, *r);
    return 0;
  }
  if (verb == "get") {
    auto items = select(c, k, *opts);
    if (!items) return fail(items.error());
    if (o.json) {
      std::cout << json::serialize(*items) << "\n";
    } else {
      printTable(k, *items);
    }
    return 0;
  }
  if (verb == "set") {
    // The immutable fields select the object; the others are the change.
    std::map<std::string, std::string> which;
    json::object change;
    for (const auto& f : k.fields) {
      auto it = opts->find(std::string(f.name));
      if (it == opts->end()) continue;
      if (f.flags & policy::kImmutable) {
        which[it->first] = it->second;
      } else {
        change[f.name] = body[f.name];
      }
    }
    if (which.empty()) return usage(k.noun + " set: give the immutable fields that select the object");
    if (change.empty()) return usage(k.noun + " set: give at least one field to change");
    auto items = select(c, k, which);
    if (!items) return fail(items.error());
    if (items->size() != 1) {
      return fail(makeError(Errc::InvalidArgument, k.noun, "",
                            "the fields given select " + std::to_string(items->size()) + " objects; set needs exactly one"));
    }
    auto key = k.keyOf((*items)[0]);
    if (!key) return fail(key.error());
    change["revision"] = (*items)[0].as_object().at("revision");
    json::value b = change;
    auto r = c.call("PATCH", "/v1/" + k.name + "/" + policy::urlEncode(*key, true), &b);
    if (!r) return fail(r.error());
    printResult(o, &k, *r);
    return 0;
  }
  if (k.name == "gateway-clusters" && (verb == "status" || verb == "switchover")) {
    // The witness's view (GET .../status) or an operator's planned switchover.
    auto name = opts->find("name");
    if (name == opts->end()) return usage(k.noun + " " + verb + " needs --name CLUSTER");
    const std::string base = "/v1/gateway-clusters/" + policy::urlEncode(name->second);
    auto r = verb == "status" ? c.call("GET", base + "/status") : c.call("POST", base + "/switchover");
    if (!r) return fail(r.error());
    if (o.json || verb == "switchover") {
      std::cout << json::serialize(*r) << "\n";
      return 0;
    }
    const auto& st = r->as_object();
    std::cout << "cluster " << json::serialize(st.at("name")) << ": lease held by "
              << (st.at("holder").is_null() ? std::string("nobody") : json::serialize(st.at("holder"))) << ", epoch "
              << json::serialize(st.at("epoch")) << ", " << json::serialize(st.at("holderChanges")) << " holder changes\n";
    for (const auto& mv : st.at("members").as_array()) {
      const auto& m = mv.as_object();
      std::cout << "  " << json::serialize(m.at("name")) << " (priority " << json::serialize(m.at("priority")) << "): ";
      if (m.at("report").is_null()) {
        std::cout << "no report\n";
        continue;
      }
      const auto& rep = m.at("report").as_object();
      std::cout << json::serialize(rep.at("role")) << ", reported " << json::serialize(m.at("reportAgeMs")) << " ms ago";
      if (const auto* peer = rep.if_contains("peer"); peer != nullptr && peer->is_object()) {
        std::cout << ", peer " << (peer->as_object().at("alive").as_bool() ? "alive" : "NOT HEARD");
      }
      if (const auto* sync = rep.if_contains("sync"); sync != nullptr && sync->is_object()) {
        const auto& sy = sync->as_object();
        if (const auto* lag = sy.if_contains("lag_ms")) std::cout << ", sync lag " << json::serialize(*lag) << " ms";
        if (const auto* synced = sy.if_contains("synced")) std::cout << (synced->as_bool() ? ", synced" : ", NOT synced");
      }
      if (const auto* act = rep.if_contains("last_activation"); act != nullptr && act->is_object()) {
        std::cout << "; last activation: " << json::serialize(act->as_object().at("why"));
      }
      std::cout << "\n";
    }
    return 0;
  }
  if (verb == "remove") {
    if (opts->empty() && !all) return usage(k.noun + " remove: give fields that select what to remove, or --all");
    auto items = select(c, k, *opts);
    if (!items) return fail(items.error());
    std::size_t removed = 0;
    for (const auto& it : *items) {
      auto key = k.keyOf(it);
      if (!key) return fail(key.error());
      auto r = c.call("DELETE", "/v1/" + k.name + "/" + policy::urlEncode(*key, true));
      if (!r) return fail(r.error());
      ++removed;
    }
    if (!o.json) std::cout << "removed " << removed << " " << k.noun << (removed == 1 ? "" : "s") << "\n";
    if (o.json) std::cout << json::serialize(json::object{{"removed", removed}}) << "\n";
    return 0;
  }
  return usage(k.noun + ": unknown verb '" + verb + "' (new, get, set, remove" +
               (k.name == "gateway-clusters" ? ", status, switchover" : "") + ")");
}

int nextHop(const ControllerOptions& o, policy::ControllerClient& c, const std::vector<std::string>& w) {
  if (w.size() < 2 || w[1] != "select") return usage("next-hop select --source-vsid VSID --destination-ca IP [--source-ca IP]");
  std::map<std::string, std::string> q;
  for (std::size_t i = 2; i < w.size(); ++i) {
    std::string name = w[i];
    if (i + 1 >= w.size()) return usage(name + " needs a value");
    if (name == "--source-vsid") {
      q["sourceVsid"] = w[++i];
    } else if (name == "--destination-ca") {
      q["destinationCa"] = w[++i];
    } else if (name == "--source-ca") {
      q["sourceCa"] = w[++i];
    } else {
      return usage("next-hop select: unknown option " + name);
    }
  }
  std::string t = "/v1/next-hop";
  char sep = '?';
  for (const auto& [k, v] : q) {
    t += sep + k + "=" + policy::urlEncode(v);
    sep = '&';
  }
  auto r = c.call("GET", t);
  if (!r) return fail(r.error());
  if (o.json) {
    std::cout << json::serialize(*r) << "\n";
  } else {
    for (const auto& [k, v] : r->as_object()) std::cout << std::left << std::setw(13) << std::string(k) << policy::fieldText(v) << "\n";
  }
  return 0;
}

int watch(const ControllerOptions&, const std::vector<std::string>& w, const policy::ControllerEndpoint& ep) {
  std::string from, kind;
  std::size_t count = 0;
  for (std::size_t i = 1; i < w.size(); ++i) {
    if (i + 1 >= w.size()) return usage(w[i] + " needs a value");
    if (w[i] == "--from") {
      from = w[++i];
    } else if (w[i] == "--kind") {
      kind = w[++i];
    } else if (w[i] == "--count") {
      const auto& n = w[++i];
      if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) return usage("--count must be a number");
      count = std::stoull(n);
    } else {
      return usage("watch: unknown option " + w[i] + " (--from REVISION, --kind KIND, --count N)");
    }
  }
  std::string t = "/v1/watch";
  char sep = '?';
  if (!from.empty()) {
    t += sep + std::string("from=") + policy::urlEncode(from);
    sep = '&';
  }
  if (!kind.empty()) t += sep + std::string("kind=") + policy::urlEncode(kind);
  auto reader = policy::WatchReader::open(ep, t);
  if (!reader) return fail(reader.error());
  std::size_t seen = 0;
  for (;;) {
    auto line = (*reader)->next(std::chrono::hours(24));
    if (!line) return fail(line.error());
    if (!*line) return 0;
    std::cout << json::serialize(**line) << std::endl;
    if (count != 0 && (**line).at("type") == "change" && ++seen >= count) return 0;
  }
}

}  // namespace

bool isControllerCommand(const std::string& noun) {
  if (noun == "next-hop" || noun == "watch" || noun == "batch" || noun == "controller") return true;
  auto all = kinds();
  return findKind(all, noun) != nullptr;
}

std::string controllerUsage() {
  std::string s = "controller commands (--controller URL, --token TOKEN or --token-file FILE):\n";
  for (const auto& k : kinds()) {
    s += "  " + k.noun + std::string(24 - std::min<std::size_t>(23, k.noun.size()), ' ') +
         (k.singleton ? "get|set" : "new|get|set|remove") + " [--FIELD VALUE ...]   (--help lists the fields)\n";
  }
  s += "  gateway-cluster         status|switchover --name CLUSTER   (the witness's view; a planned switchover)\n";
  s += "  next-hop select         --source-vsid VSID --destination-ca IP [--source-ca IP]\n"
       "  watch                   [--from REVISION] [--kind KIND] [--count N]\n"
       "  batch FILE              apply {\"operations\": [...]} from FILE (- for stdin), all or nothing\n"
       "  controller status       revision and object count\n";
  return s;
}

int runControllerCommand(const ControllerOptions& o, const std::vector<std::string>& w) {
  auto ep = policy::ControllerEndpoint::parse(o.url);
  if (!ep) return usage(ep.error().message());
  ep->token = o.token;
  ep->caFile = o.caFile;
  policy::ControllerClient client(*ep);
  const std::string& noun = w[0];
  if (noun == "next-hop") return nextHop(o, client, w);
  if (noun == "watch") return watch(o, w, *ep);
  if (noun == "controller") {
    if (w.size() != 2 || w[1] != "status") return usage("controller status");
    auto r = client.call("GET", "/v1/status");
    if (!r) return fail(r.error());
    printResult(o, nullptr, *r);
    return 0;
  }
  if (noun == "batch") {
    if (w.size() != 2) return usage("batch FILE");
    std::stringstream ss;
    if (w[1] == "-") {
      ss << std::cin.rdbuf();
    } else {
      std::ifstream in(w[1]);
      if (!in) return fail(makeError(Errc::Io, w[1], "", "cannot open the file"));
      ss << in.rdbuf();
    }
    auto body = parseJson(ss.str(), w[1]);
    if (!body) return fail(body.error());
    auto r = client.call("POST", "/v1/batch", &*body);
    if (!r) return fail(r.error());
    std::cout << json::serialize(*r) << "\n";
    return 0;
  }
  auto all = kinds();
  return kindCommand(o, client, *findKind(all, noun), w);
}

}  // namespace hnv::tools
