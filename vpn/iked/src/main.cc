// hnv-iked: IKEv2 for hnvgwd's site-to-site VPN. Embeds strongSwan's
// libcharon (through the C shim in shim/) with our kernel-ipsec backend, so
// that every ESP SA and policy charon negotiates goes to hnvgwd's data plane
// instead of the kernel. Connections are loaded through charon's VICI
// socket in the run directory (swanctl --uri unix://RUN/vici).
//
// Usage: hnv-iked [--dataplane SOCKET] [--run-dir DIR] [--log-level 0..4]
//                 [--swanctl-conf FILE] [--keylog FILE] [--plugins LIST]
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "hnv/base/log.h"
#include "hnv/iked/backend.h"
#include "hnv/iked/link.h"
#include "hnv_charon.h"

namespace {

using namespace hnv;

const Logger kLog("iked");

// Debian's plugins hnv-iked needs: crypto, credentials, the VICI socket,
// kernel-netlink for addresses and routes (its kernel-ipsec part loses to
// ours, registered first), the default IKE socket.
constexpr const char* kDefaultPlugins =
    "random nonce x509 revocation constraints pubkey pkcs1 pkcs7 pkcs8 pkcs12 pem openssl aes sha1 sha2 md5 gcm hmac "
    "kdf xcbc drbg gmp kernel-netlink resolve socket-default vici counters";
// Serving hnvgwd: IKE goes through its data plane (our socket), not the kernel.
constexpr const char* kDataplanePlugins =
    "random nonce x509 revocation constraints pubkey pkcs1 pkcs7 pkcs8 pkcs12 pem openssl aes sha1 sha2 md5 gcm hmac "
    "kdf xcbc drbg gmp kernel-netlink resolve vici counters";

struct Options {
  std::string dataplane;
  std::string runDir = "/run/hnv-iked";
  int logLevel = 1;
  std::string swanctlConf;
  std::string keyLog;
  std::string plugins;  // empty: the default for the mode
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "hnv-iked: " << why << "\n"
            << "usage: hnv-iked [--dataplane SOCKET] [--run-dir DIR] [--log-level 0..4] [--swanctl-conf FILE]\n"
            << "                [--keylog FILE] [--plugins LIST]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value after " + a);
      return argv[++i];
    };
    if (a == "--dataplane") {
      o.dataplane = value();
    } else if (a == "--run-dir") {
      o.runDir = value();
    } else if (a == "--log-level") {
      const std::string v = value();
      if (v.size() != 1 || v[0] < '0' || v[0] > '4') usage("--log-level: '" + v + "' is not 0 to 4");
      o.logLevel = v[0] - '0';
    } else if (a == "--swanctl-conf") {
      o.swanctlConf = value();
    } else if (a == "--keylog") {
      o.keyLog = value();
    } else if (a == "--plugins") {
      o.plugins = value();
    } else if (a == "--help" || a == "-h") {
      usage("IKEv2 daemon of hnv-gateway");
    } else {
      usage("unknown argument '" + a + "'");
    }
  }
  return o;
}

// charon's settings for this instance: its own VICI socket, no routes or
// virtual IPs in the kernel (the data plane routes), log to stderr.
std::string writeSettings(const Options& o) {
  const std::string path = o.runDir + "/strongswan.conf";
  std::ofstream f(path, std::ios::trunc);
  f << "# Written by hnv-iked at start; edits are lost.\n"
    << "charon {\n"
    << "  install_routes = no\n"
    << "  install_virtual_ip = no\n"
    // A site that stops answering is declared dead after about 16 s
    // (2 + 3 + 4.5 + 6.75), not charon's default 165 s: a gateway wants its
    // persistent tunnels back quickly.
    << "  retransmit_timeout = 2.0\n"
    << "  retransmit_base = 1.5\n"
    << "  retransmit_tries = 3\n"
    << "  plugins {\n"
    << "    vici {\n      socket = unix://" << o.runDir << "/vici\n    }\n"
    << "    kernel-netlink {\n      fwmark = \n    }\n"
    << "  }\n"
    << "  filelog {\n    stderr {\n      default = " << o.logLevel << "\n      ike_name = yes\n    }\n  }\n"
    << "  syslog {\n    daemon {\n      default = -1\n    }\n  }\n"
    << "}\n";
  return f ? path : std::string();
}

int loadConnections(const Options& o, const std::string& file) {
  // Everything the child needs is built before fork(): charon's threads may
  // hold malloc's locks at that moment.
  const std::string uri = "unix://" + o.runDir + "/vici";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execlp("swanctl", "swanctl", "--load-all", "--noprompt", "--file", file.c_str(), "--uri", uri.c_str(),
             static_cast<char*>(nullptr));
    std::perror("hnv-iked: swanctl");
    ::_exit(127);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (::mkdir(o.runDir.c_str(), 0700) != 0 && errno != EEXIST) {
    usage("--run-dir " + o.runDir + ": " + std::strerror(errno));
  }
  ::chmod(o.runDir.c_str(), 0700);
  const std::string settings = writeSettings(o);
  if (settings.empty()) usage("cannot write " + o.runDir + "/strongswan.conf");

  // charon's threads inherit this mask: the signals come to sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  iked::Backend* backendPtr = nullptr;
  iked::Link link(o.dataplane, [&](const ikeipc::Message& m) {
    if (const auto* c = std::get_if<ikeipc::Counters>(&m)) {
      if (backendPtr != nullptr) backendPtr->onCounters(*c);
    } else if (const auto* e = std::get_if<ikeipc::Expire>(&m)) {
      hnv_ike_addr_t dst{};
      dst.family = e->dst.isV4() ? 4 : 6;
      if (e->dst.isV4()) {
        e->dst.v4().toBytes(dst.bytes);
      } else {
        e->dst.v6().toBytes(dst.bytes);
      }
      hnv_charon_expire(50, e->spi, &dst, e->hard ? 1 : 0);
    } else if (const auto* r = std::get_if<ikeipc::Result_>(&m)) {
      if (!r->ok) kLog.error("the data plane refused an SA", {{"spi", std::to_string(r->spi)}, {"why", r->error}});
    } else if (const auto* in = std::get_if<ikeipc::IkeIn>(&m)) {
      hnv_ike_addr_t src{}, dst{};
      if (!in->src.isV4() || !in->dst.isV4()) return;
      src.family = dst.family = 4;
      in->src.v4().toBytes(src.bytes);
      in->dst.v4().toBytes(dst.bytes);
      src.port = in->srcPort;
      dst.port = in->dstPort;
      if (hnv_charon_ike_input(&src, &dst, in->data.data(), in->data.size()) != 0) {
        kLog.warn("IKE datagram dropped: charon's queue is full");
      }
    } else if (const auto* conns = std::get_if<ikeipc::Connections>(&m)) {
      // hnvgwd's S2S interfaces: loaded whole (what is gone is unloaded).
      const std::string file = o.runDir + "/swanctl.conf";
      {
        std::ofstream f(file, std::ios::trunc);
        ::chmod(file.c_str(), 0600);  // secrets
        f << conns->swanctlConf;
      }
      const int rc = loadConnections(o, file);
      if (rc != 0) {
        kLog.error("the data plane's connections did not load", {{"exit", std::to_string(rc)}});
      } else {
        kLog.info("connections loaded from the data plane");
      }
    }
  });
  iked::Backend backend(link, o.keyLog);
  backendPtr = &backend;
  link.onConnect([&backend] { backend.replay(); });

  char err[512] = {0};
  const hnv_ike_backend_t table = backend.table();
  const bool ownSocket = !o.dataplane.empty();
  const std::string plugins = !o.plugins.empty() ? o.plugins : ownSocket ? kDataplanePlugins : kDefaultPlugins;
  if (hnv_charon_start(settings.c_str(), plugins.c_str(), ownSocket ? 1 : 0, &table, err, sizeof err) != 0) {
    kLog.error(std::string("charon did not start: ") + err);
    link.stop();
    return 1;
  }
  kLog.notice("started", {{"vici", "unix://" + o.runDir + "/vici"},
                          {"dataplane", o.dataplane.empty() ? "none (standalone)" : o.dataplane}});
  // After charon: the data plane's first message may be its connections.
  link.start();
  if (!o.swanctlConf.empty()) {
    const int rc = loadConnections(o, o.swanctlConf);
    if (rc != 0) kLog.error("swanctl --load-all failed", {{"file", o.swanctlConf}, {"exit", std::to_string(rc)}});
  }
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      if (!o.swanctlConf.empty()) loadConnections(o, o.swanctlConf);
      continue;
    }
    if (sig == SIGPIPE) continue;
    break;
  }
  kLog.notice("stopping");
  link.stop();  // first: its reader calls into charon
  hnv_charon_stop();
  return 0;
}
