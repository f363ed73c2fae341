// hnvctl: the operator's command line for hnv nodes and (later) the controller.
//
//   hnvctl [--socket PATH] [--json] status
//   hnvctl [--socket PATH] [--json] counters [--nonzero] [--match TEXT]
//   hnvctl [--socket PATH] [--json] ports
//   hnvctl [--socket PATH] [--json] trace start [--count N]
//   hnvctl [--socket PATH] [--json] trace show
//   hnvctl [--socket PATH] [--json] neighbors
//   hnvctl [--socket PATH] [--json] policy        (hnv-hostd, hnvgwd)
//   hnvctl [--socket PATH] [--json] tenants       (hnvgwd)
//   hnvctl [--socket PATH] [--json] nat-sessions [--tenant RDID] [--protocol P] [--inside A] [--external A] [--limit N]   (hnvgwd)
//   hnvctl [--socket PATH] [--json] nexthop --vsid VSID CA   (hnv-hostd)
//   hnvctl [--socket PATH] [--json] ca-test --port VMPORT --sender CA --receiver CA [--count N]   (hnv-hostd)
//   hnvctl [--socket PATH] [--json] capture --port P [--port P2 ...] --file F [--count N] [--seconds S]
//   hnvctl [--socket PATH] [--json] pa-ping TARGET [--count N] [--interval MS] [--timeout MS]
//   hnvctl [--controller URL] [--token T | --token-file F] [--json] NOUN VERB [--FIELD VALUE ...]
//          (policy commands; see controller_commands.h)
//
// Exit codes: 0 success, 1 the node answered with an error or could not be
// reached, 2 bad command line.
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "controller_commands.h"
#include "hnv/agent/local_api.h"
#include "render.h"

namespace {

namespace json = boost::json;

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

const char* kUsage =
    "usage: hnvctl [--socket PATH] [--json] COMMAND\n"
    "commands:\n"
    "  status                              node, workers, ports\n"
    "  counters [--nonzero] [--match TEXT] data-plane counters\n"
    "  ports                               ports, addresses, link and statistics\n"
    "  trace start [--count N]             trace the next N packets of each worker (1..256, default 16)\n"
    "  trace show                          the nodes each traced packet visited and why it was dropped\n"
    "  neighbors                           underlay neighbours: entries, pending next hops, resolver counters\n"
    "  extensions                          hnv-hostd: the extension hooks loaded, by id and hook point\n"
    "  policy                              applied policy revision, records, controller, state file\n"
    "  tenants                             hnvgwd: external interfaces and each tenant's VRF routes\n"
    "  vpn-interfaces                      S2S interfaces: state, last error, SAs and their counters (hnvgwd)\n"
    "  cluster                             hnvgwd: cluster role, epoch, peer health, witness, last activation\n"
    "  cluster switchover [--force]        hnvgwd (the active member): hand the active role to the synced standby\n"
    "                                      (--force: also to a standby that has not synced; sessions start afresh)\n"
    "  nat-sessions [--tenant RDID] [--protocol tcp|udp|icmp] [--inside ADDR] [--external ADDR] [--limit N]\n"
    "                                      hnvgwd: NAT44 sessions (inside, external and remote endpoints, state)\n"
    "  nexthop --vsid VSID CA              hnv-hostd: where a packet from VSID to CA goes (VSID, MAC, PA or port)\n"
    "  ca-test --port VMPORT --sender CA --receiver CA [--count N] [--interval MS] [--timeout MS]\n"
    "                                      hnv-hostd: echo injected at a VM port, answered by the receiver VM;\n"
    "                                      round-trip times and the CA/PA routing taken\n"
    "  capture --port P [--port P ...] --file /abs/F.pcapng [--count N] [--seconds S]\n"
    "                                      the ports' packets, both directions, to pcapng (VSID in each comment)\n"
    "  pa-ping TARGET [--count N] [--interval MS] [--timeout MS]\n"
    "                                      ICMP echo from this node's PA to another node's PA, by the data plane\n"
    "options:\n"
    "  --socket PATH  the node's API socket (default $HNV_SOCKET or /run/hnvgwd/hnvgwd.sock)\n"
    "  --json         print the raw JSON reply\n"
    "  --controller URL  the controller (default $HNV_CONTROLLER or http://127.0.0.1:8470)\n"
    "  --token TOKEN, --token-file FILE  bearer token (default $HNV_TOKEN)\n"
    "  --ca-file FILE    CA certificates for an https:// controller\n";

// Parses "--key value" pairs from rest[from..]: `strings` are copied into
// params, each of `repeated` may appear many times (params[key + "s"], an
// array), `numbers` (with their defaults) must be positive whole numbers and
// are copied into params too. Returns what is wrong, or "".
std::string parseFlags(const std::string& cmd, const std::vector<std::string>& rest, std::size_t from,
                       const std::vector<std::string>& strings, const std::vector<std::string>& repeated,
                       std::map<std::string, long>& numbers, json::object& params) {
  auto named = [](const std::vector<std::string>& keys, const std::string& k) {
    return std::find(keys.begin(), keys.end(), k) != keys.end();
  };
  for (std::size_t i = from; i < rest.size(); i += 2) {
    if (rest[i].rfind("--", 0) != 0) return cmd + ": unexpected argument '" + rest[i] + "'";
    const std::string k = rest[i].substr(2);
    if (i + 1 >= rest.size()) return cmd + ": " + rest[i] + " needs a value";
    const std::string& v = rest[i + 1];
    if (named(strings, k)) {
      params[k] = v;
    } else if (named(repeated, k)) {
      if (!params.contains(k + "s")) params[k + "s"] = json::array();
      params[k + "s"].as_array().push_back(json::string(v));
    } else if (numbers.count(k) != 0) {
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || n < 1) return cmd + " --" + k + ": '" + v + "' is not a positive whole number";
      numbers[k] = n;
    } else {
      return cmd + ": unexpected argument '" + rest[i] + "'";
    }
  }
  for (const auto& [k, n] : numbers) params[k] = n;
  return "";
}

int usage(const std::string& why) {
  std::cerr << "hnvctl: " << why << "\n" << kUsage << hnv::tools::controllerUsage();
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const char* env = std::getenv("HNV_SOCKET");
  std::string socket = env != nullptr ? env : "/run/hnvgwd/hnvgwd.sock";
  bool asJson = false;
  hnv::tools::ControllerOptions ctl;
  const char* url = std::getenv("HNV_CONTROLLER");
  ctl.url = url != nullptr ? url : "http://127.0.0.1:8470";
  const char* token = std::getenv("HNV_TOKEN");
  ctl.token = token != nullptr ? token : "";
  std::vector<std::string> words;
  for (std::size_t i = 0; i < args.size(); ++i) {
    // Global options come before the command; after it, options belong to the command.
    bool global = words.empty();
    auto value = [&](const char*) -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    if (global && args[i] == "--socket") {
      const auto* v = value("path");
      if (v == nullptr) return usage("--socket needs a path");
      socket = *v;
    } else if (args[i] == "--json") {
      asJson = true;
    } else if (global && args[i] == "--controller") {
      const auto* v = value("url");
      if (v == nullptr) return usage("--controller needs a URL");
      ctl.url = *v;
    } else if (global && args[i] == "--token") {
      const auto* v = value("token");
      if (v == nullptr) return usage("--token needs a value");
      ctl.token = *v;
    } else if (global && args[i] == "--token-file") {
      const auto* v = value("file");
      if (v == nullptr) return usage("--token-file needs a file");
      std::ifstream in(*v);
      if (!in || !std::getline(in, ctl.token) || ctl.token.empty()) {
        std::cerr << "hnvctl: " << *v << ": cannot read a token from the file\n";
        return kExitFailed;
      }
    } else if (global && args[i] == "--ca-file") {
      const auto* v = value("file");
      if (v == nullptr) return usage("--ca-file needs a file");
      ctl.caFile = *v;
    } else if (global && (args[i] == "-h" || args[i] == "--help")) {
      std::cout << kUsage << hnv::tools::controllerUsage();
      return 0;
    } else {
      words.push_back(args[i]);
    }
  }
  if (words.empty()) return usage("a command is required");
  if (hnv::tools::isControllerCommand(words[0])) {
    ctl.json = asJson;
    return hnv::tools::runControllerCommand(ctl, words);
  }

  std::string method;
  json::object params;
  std::chrono::milliseconds replyTimeout = std::chrono::seconds(5);
  const std::string& cmd = words[0];
  auto rest = std::vector<std::string>(words.begin() + 1, words.end());
  if (cmd == "status" || cmd == "ports" || cmd == "neighbors" || cmd == "policy" || cmd == "tenants" ||
      cmd == "vpn-interfaces" || cmd == "extensions") {
    if (!rest.empty()) return usage("'" + cmd + "' takes no arguments, got '" + rest[0] + "'");
    method = cmd;
  } else if (cmd == "cluster") {
    if (rest.empty()) {
      method = "cluster";
    } else if (rest[0] == "switchover" && (rest.size() == 1 || (rest.size() == 2 && rest[1] == "--force"))) {
      method = "cluster-switchover";
      if (rest.size() == 2) params["force"] = true;
    } else {
      return usage("cluster takes nothing or 'switchover [--force]', got '" + rest.back() + "'");
    }
  } else if (cmd == "nat-sessions") {
    method = "nat-sessions";
    static const std::map<std::string, std::string> kFilters{
        {"--tenant", "tenant"}, {"--protocol", "protocol"}, {"--inside", "inside"}, {"--external", "external"}};
    for (std::size_t i = 0; i < rest.size(); ++i) {
      auto f = kFilters.find(rest[i]);
      if (f != kFilters.end() && i + 1 < rest.size()) {
        params[f->second] = rest[++i];
      } else if (rest[i] == "--limit" && i + 1 < rest.size()) {
        char* end = nullptr;
        const long n = std::strtol(rest[i + 1].c_str(), &end, 10);
        if (end == rest[i + 1].c_str() || *end != '\0' || n < 1 || n > 100000) {
          return usage("nat-sessions --limit: '" + rest[i + 1] + "' is not a number from 1 to 100000");
        }
        params["limit"] = n;
        ++i;
      } else {
        return usage("nat-sessions: unexpected argument '" + rest[i] + "'" +
                     (f != kFilters.end() || rest[i] == "--limit" ? " (it needs a value)" : ""));
      }
    }
  } else if (cmd == "counters") {
    method = "counters";
    for (std::size_t i = 0; i < rest.size(); ++i) {
      if (rest[i] == "--nonzero") {
        params["nonzero"] = true;
      } else if (rest[i] == "--match" && i + 1 < rest.size()) {
        params["match"] = rest[++i];
      } else {
        return usage("counters: unexpected argument '" + rest[i] + "'");
      }
    }
  } else if (cmd == "trace") {
    if (rest.empty()) return usage("trace needs 'start' or 'show'");
    if (rest[0] == "start") {
      method = "trace.start";
      if (rest.size() == 3 && rest[1] == "--count") {
        char* end = nullptr;
        long n = std::strtol(rest[2].c_str(), &end, 10);
        if (end == rest[2].c_str() || *end != '\0' || n < 1 || n > 256) {
          return usage("trace start --count: '" + rest[2] + "' is not a number from 1 to 256");
        }
        params["count"] = n;
      } else if (rest.size() != 1) {
        return usage("trace start takes only --count N");
      }
    } else if (rest[0] == "show" && rest.size() == 1) {
      method = "trace.show";
    } else {
      return usage("trace: unknown subcommand '" + rest[0] + "'");
    }
  } else if (cmd == "nexthop") {
    method = "nexthop";
    if (rest.size() != 3 || rest[0] != "--vsid") return usage("nexthop needs --vsid VSID CA");
    char* end = nullptr;
    long v = std::strtol(rest[1].c_str(), &end, 10);
    if (end == rest[1].c_str() || *end != '\0' || v < 0) return usage("nexthop --vsid: '" + rest[1] + "' is not a VSID");
    params["vsid"] = v;
    params["ca"] = rest[2];
  } else if (cmd == "capture") {
    method = "capture";
    std::map<std::string, long> numbers{{"count", 1000}, {"seconds", 10}};
    if (auto bad = parseFlags(cmd, rest, 0, {"file"}, {"port"}, numbers, params); !bad.empty()) return usage(bad);
    if (!params.contains("ports") || !params.contains("file")) return usage("capture needs --port and --file");
    replyTimeout = std::chrono::milliseconds(numbers["seconds"] * 1000 + 3000);
  } else if (cmd == "ca-test" || cmd == "pa-ping") {
    // Probes; the node answers when the last reply is in or timed out.
    method = cmd == "ca-test" ? "ca.test" : "pa.ping";
    std::size_t from = 0;
    if (cmd == "pa-ping") {
      if (rest.empty() || rest[0].rfind("--", 0) == 0) return usage("pa-ping needs a target provider address");
      params["target"] = rest[0];
      from = 1;
    }
    std::map<std::string, long> numbers{{"count", 3}, {"interval", 200}, {"timeout", 1000}};
    const std::vector<std::string> strings =
        cmd == "ca-test" ? std::vector<std::string>{"port", "sender", "receiver"} : std::vector<std::string>{};
    if (auto bad = parseFlags(cmd, rest, from, strings, {}, numbers, params); !bad.empty()) return usage(bad);
    for (const auto& need : strings) {
      if (!params.contains(need)) return usage(cmd + " needs --" + need);
    }
    params.erase("interval");
    params.erase("timeout");
    params["interval_ms"] = numbers["interval"];
    params["timeout_ms"] = numbers["timeout"];
    replyTimeout = std::chrono::milliseconds(numbers["count"] * numbers["interval"] + numbers["timeout"] + 2000);
  } else {
    return usage("unknown command '" + cmd + "'");
  }

  auto reply = hnv::agent::callLocalApi(socket, method, params, replyTimeout);
  if (!reply) {
    std::cerr << "hnvctl: " << reply.error().message() << "\n";
    return kExitFailed;
  }
  if (asJson) {
    std::cout << json::serialize(*reply) << "\n";
  } else {
    hnv::tools::render(std::cout, method, *reply);
  }
  return 0;
}
