// Control-plane benchmark of hnv-controller, with the real store, engine,
// HTTP server and agent client library in one process:
//
//   1. lookup records inserted per second through POST /v1/batch
//      (10,000 per batch, SQLite synchronous=FULL), up to --records;
//   2. p50/p99 time for one change to reach --agents AgentSessions;
//   3. full resync: GET desired-state of a host that serves every record;
//   4. memory and start-up: a fresh process loads the store; its RSS and
//      the RSS growth that the loaded policy accounts for, and the load time.
//
// Usage: controller_bench [--records N] [--agents N] [--changes N] [--json FILE]
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "hnv/controller/instance.h"
#include "hnv/policy/agent_session.h"
#include "hnv/policy/client.h"

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using hnv::policy::Revision;

constexpr const char* kRdid = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr const char* kRdidAgents = "bbbbbbbb-0000-4000-8000-000000000002";

long rssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// The controller on its own io thread, and how long opening it took.
struct Controller {
  explicit Controller(const std::string& db) {
    auto t0 = Clock::now();
    auto opened = hnv::controller::ControllerInstance::open(
        {db, {{"bench", hnv::controller::sha256Hex("bench"), "admin", {}, {}}}, {200000, 100000},
         {"127.0.0.1", 0, 1u << 30, std::chrono::seconds(10), {}}, "bench"});
    if (!opened) {
      std::cerr << opened.error().message() << "\n";
      std::exit(1);
    }
    loadMs = ms(Clock::now() - t0);
    ctl = std::move(*opened);
    ctl->runInThread();
  }
  hnv::policy::ControllerEndpoint endpoint() const {
    hnv::policy::ControllerEndpoint ep;
    ep.port = ctl->port();
    ep.token = "bench";
    ep.timeout = std::chrono::seconds(600);
    return ep;
  }
  std::unique_ptr<hnv::controller::ControllerInstance> ctl;
  double loadMs = 0;
};

json::value call(hnv::policy::ControllerClient& c, std::string_view method, std::string_view target, const json::value& body) {
  auto r = c.call(method, target, body.is_null() ? nullptr : &body);
  if (!r) {
    std::cerr << method << " " << target << ": " << r.error().message() << "\n";
    std::exit(1);
  }
  return *r;
}

json::object record(std::size_t i, const std::string& pa) {
  std::uint32_t host = 0x0A000000u + 2 + static_cast<std::uint32_t>(i);  // 10.0.0.2 upwards inside 10.0.0.0/8
  std::string ca = std::to_string(host >> 24) + "." + std::to_string((host >> 16) & 255) + "." +
                   std::to_string((host >> 8) & 255) + "." + std::to_string(host & 255);
  char mac[18];
  std::snprintf(mac, sizeof mac, "00:15:%02x:%02x:%02x:%02x", static_cast<unsigned>((i >> 24) & 255),
                static_cast<unsigned>((i >> 16) & 255), static_cast<unsigned>((i >> 8) & 255), static_cast<unsigned>(i & 255));
  return {{"vsid", 5001}, {"ca", ca}, {"mac", mac}, {"pa", pa}};
}

}  // namespace

// In a fresh process, so that the allocator holds nothing from the writes:
// the memory that the loaded policy takes, and the load time.
int loadOnly(const std::string& db) {
  long before = rssKiB();
  Controller ctl(db);
  json::object o{{"loadSeconds", ctl.loadMs / 1000},
                 {"controllerRssMiB", static_cast<double>(rssKiB()) / 1024.0},
                 {"policyRssMiB", static_cast<double>(rssKiB() - before) / 1024.0},
                 {"objects", ctl.ctl->engine().state().objectCount()}};
  std::cout << json::serialize(o) << "\n";
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--load-only") return loadOnly(argv[2]);
  std::size_t records = 1000000, agents = 100, changes = 200;
  std::string jsonPath;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--records") records = std::stoul(argv[i + 1]);
    else if (a == "--agents") agents = std::stoul(argv[i + 1]);
    else if (a == "--changes") changes = std::stoul(argv[i + 1]);
    else if (a == "--json") jsonPath = argv[i + 1];
  }
  char tmpl[] = "/tmp/hnv-ctl-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  json::object results;
  {
    auto ctl = std::make_unique<Controller>(dir + "/policy.db");
    hnv::policy::ControllerClient admin(ctl->endpoint());
    call(admin, "POST", "/v1/routing-domains", json::object{{"rdid", kRdid}});
    call(admin, "POST", "/v1/virtual-subnets", json::object{{"vsid", 5001}, {"rdid", kRdid}, {"prefixes", json::array{"10.0.0.0/8"}}});
    // 1. Inserts.
    constexpr std::size_t kBatch = 10000;
    auto t0 = Clock::now();
    for (std::size_t first = 0; first < records; first += kBatch) {
      json::array ops;
      for (std::size_t i = first; i < std::min(records, first + kBatch); ++i) {
        ops.push_back(json::object{{"op", "create"}, {"kind", "lookup-records"}, {"object", record(i, "192.0.2.200")}});
      }
      call(admin, "POST", "/v1/batch", json::object{{"operations", std::move(ops)}});
    }
    double insertS = ms(Clock::now() - t0) / 1000;
    results["records"] = records;
    results["insertSeconds"] = insertS;
    results["recordsPerSecond"] = static_cast<double>(records) / insertS;
    std::cerr << "inserted " << records << " records in " << insertS << " s\n";

    // 3. Full resync of a host that serves all of them.
    call(admin, "POST", "/v1/nodes", json::object{{"name", "big"}, {"role", "host"}, {"vsids", json::array{5001}}});
    std::vector<double> resync;
    for (int r = 0; r < 3; ++r) {
      auto t1 = Clock::now();
      auto d = call(admin, "GET", "/v1/nodes/big/desired-state", nullptr);
      resync.push_back(ms(Clock::now() - t1));
      if (d.at("lookup-records").as_array().size() != records) {
        std::cerr << "desired state is missing records\n";
        return 1;
      }
    }
    results["fullResyncMs"] = percentile(resync, 0.5);
    std::cerr << "full resync " << results["fullResyncMs"] << " ms\n";

    // 2. Propagation to agents: hosts of another routing domain (VSID 7001),
    // so that each snapshot is small and the changes concern every agent.
    call(admin, "POST", "/v1/routing-domains", json::object{{"rdid", kRdidAgents}});
    call(admin, "POST", "/v1/virtual-subnets",
         json::object{{"vsid", 7001}, {"rdid", kRdidAgents}, {"prefixes", json::array{"10.1.0.0/16"}}});
    call(admin, "POST", "/v1/lookup-records",
         json::object{{"vsid", 7001}, {"ca", "10.1.0.10"}, {"mac", "00:16:00:00:00:01"}, {"pa", "198.18.0.1"}});
    for (std::size_t a = 0; a < agents; ++a) {
      std::string name = "host" + std::to_string(a);
      call(admin, "POST", "/v1/nodes", json::object{{"name", name}, {"role", "host"}, {"vsids", json::array{7001}}});
      call(admin, "POST", "/v1/provider-addresses",
           json::object{{"node", name}, {"address", "198.18." + std::to_string(a / 250) + "." + std::to_string(1 + a % 250)},
                        {"interface", "uplink0"}, {"prefixLength", 16}, {"mac", "02:00:00:00:00:01"}});
    }
    std::mutex m;
    std::condition_variable cv;
    std::map<Revision, std::vector<Clock::time_point>> arrivals;
    std::vector<std::unique_ptr<hnv::policy::AgentSession>> sessions;
    for (std::size_t a = 0; a < agents; ++a) {
      hnv::policy::AgentCallbacks cb;
      cb.onChange = [&](const hnv::policy::Change& c) {
        auto now = Clock::now();
        std::lock_guard l(m);
        arrivals[c.revision].push_back(now);
        cv.notify_all();
      };
      sessions.push_back(std::make_unique<hnv::policy::AgentSession>(ctl->endpoint(), "host" + std::to_string(a), cb));
      sessions.back()->start();
    }
    auto deadline = Clock::now() + std::chrono::seconds(600);
    while (Clock::now() < deadline) {
      std::size_t ready = 0;
      for (auto& s : sessions) ready += s->snapshots() > 0 ? 1 : 0;
      if (ready == agents) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::vector<double> each, all;
    for (std::size_t k = 0; k < changes; ++k) {
      auto t1 = Clock::now();
      auto r = call(admin, "PATCH", "/v1/lookup-records/7001/10.1.0.10/00:16:00:00:00:01",
                    json::object{{"vmName", "vm-" + std::to_string(k)}});
      Revision rev = r.at("revision").to_number<Revision>();
      std::unique_lock l(m);
      if (!cv.wait_for(l, std::chrono::seconds(30), [&] { return arrivals[rev].size() >= agents; })) {
        std::cerr << "change " << rev << " reached only " << arrivals[rev].size() << " agents\n";
        return 1;
      }
      double worst = 0;
      for (auto t : arrivals[rev]) {
        each.push_back(ms(t - t1));
        worst = std::max(worst, ms(t - t1));
      }
      all.push_back(worst);
    }
    for (auto& s : sessions) s->stop();
    results["agents"] = agents;
    results["changes"] = changes;
    results["toEachAgentP50Ms"] = percentile(each, 0.5);
    results["toEachAgentP99Ms"] = percentile(each, 0.99);
    results["toAllAgentsP50Ms"] = percentile(all, 0.5);
    results["toAllAgentsP99Ms"] = percentile(all, 0.99);
    std::cerr << "propagation p50 " << results["toEachAgentP50Ms"] << " ms, p99 " << results["toEachAgentP99Ms"] << " ms\n";
  }
  // 4. Start-up with the records on disk, and the memory that holds them.
  {
    std::string cmd = std::string(argv[0]) + " --load-only " + dir + "/policy.db";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    if (p == nullptr || pclose(p) != 0) {
      std::cerr << "the load-only run failed\n";
      return 1;
    }
    json::value loaded = json::parse(out);
    for (const auto& [k, v] : loaded.as_object()) results[k] = v;
  }
  results["databaseMiB"] = static_cast<double>(std::filesystem::file_size(dir + "/policy.db")) / (1024.0 * 1024.0);
  std::filesystem::remove_all(dir);
  std::string text = json::serialize(results);
  std::cout << text << "\n";
  if (!jsonPath.empty()) std::ofstream(jsonPath) << text << "\n";
  return 0;
}
