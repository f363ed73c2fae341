// hnv-iked: IKEv2 for hnvgwd's site-to-site VPN. Embeds strongSwan's
// libcharon (through the C shim in shim/) with our kernel-ipsec backend, so
// that every ESP SA and policy charon negotiates goes to hnvgwd's data plane
// instead of the kernel. Connections are loaded through charon's VICI
// socket in the run directory (swanctl --uri unix://RUN/vici).
//
// Usage: hnv-iked [--dataplane SOCKET] [--run-dir DIR] [--log-level 0..4]
//                 [--swanctl-conf FILE] [--keylog FILE] [--plugins LIST]
//                 [--ha-local ADDR --ha-remote ADDR]
#include <fcntl.h>
#include <sched.h>
#include <systemd/sd-daemon.h>
#include <signal.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "hnv/base/ip.h"
#include "hnv/base/log.h"
#include "hnv/iked/backend.h"
#include "hnv/iked/cluster_role.h"
#include "hnv/iked/link.h"
#include "hnv/iked/swanctl_dir.h"
#include "hnv/service/watchdog.h"
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
  // IKE state sync with the other cluster member's hnv-iked (the ha plugin).
  std::string haLocal, haRemote;
};

// strongSwan's ha plugin reads its commands from this fixed path
// (IPSEC_PIDDIR "/charon.ha", compiled into Debian's plugin).
constexpr const char* kHaFifo = "/var/run/charon.ha";

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "hnv-iked: " << why << "\n"
            << "usage: hnv-iked [--dataplane SOCKET] [--run-dir DIR] [--log-level 0..4] [--swanctl-conf FILE]\n"
            << "                [--keylog FILE] [--plugins LIST] [--ha-local ADDR --ha-remote ADDR]\n";
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
    } else if (a == "--ha-local") {
      o.haLocal = value();
    } else if (a == "--ha-remote") {
      o.haRemote = value();
    } else if (a == "--help" || a == "-h") {
      usage("IKEv2 daemon of hnv-gateway");
    } else {
      usage("unknown argument '" + a + "'");
    }
  }
  if (o.haLocal.empty() != o.haRemote.empty()) usage("--ha-local and --ha-remote go together");
  if (!o.haLocal.empty()) {
    auto local = IpAddr::parse(o.haLocal);
    auto remote = IpAddr::parse(o.haRemote);
    if (!local) usage("--ha-local: '" + o.haLocal + "' is not an IP address");
    if (!remote) usage("--ha-remote: '" + o.haRemote + "' is not an IP address");
    if (!local->sameFamily(*remote)) usage("--ha-local and --ha-remote: not of the same address family");
    if (*local == *remote) usage("--ha-local and --ha-remote: the same address");
    if (o.dataplane.empty()) usage("--ha-local: an IKE state sync serves a cluster member; it needs --dataplane");
  }
  return o;
}

// The ha plugin's control FIFO, private to this hnv-iked: a FIFO in the run
// directory, mounted over the plugin's fixed path in a mount namespace of
// our own, so that two members on one machine (the lab) do not share one.
// Must run before any thread exists (unshare). Empty, with the reason, when
// that fails: the fixed path is used as it is.
std::string privateHaFifo(const std::string& runDir, std::string& why) {
  const std::string own = runDir + "/charon.ha";
  ::unlink(own.c_str());
  if (::mkfifo(own.c_str(), 0600) != 0) {
    why = "mkfifo " + own + ": " + std::strerror(errno);
    return {};
  }
  if (::unshare(CLONE_NEWNS) != 0) {
    why = std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
    return {};
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    why = std::string("making the mounts private: ") + std::strerror(errno);
    return {};
  }
  struct stat st {};
  if (::stat(kHaFifo, &st) != 0) {  // something to mount over
    const int fd = ::open(kHaFifo, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  if (::mount(own.c_str(), kHaFifo, nullptr, MS_BIND, nullptr) != 0) {
    why = std::string("mounting ") + own + " over " + kHaFifo + ": " + std::strerror(errno);
    return {};
  }
  return own;
}

// An address as the shim takes it: family (4 or 6), bytes, port.
hnv_ike_addr_t shimAddress(const IpAddr& a, std::uint16_t port) {
  hnv_ike_addr_t out{};
  out.family = a.isV4() ? 4 : 6;
  if (a.isV4()) {
    a.v4().toBytes(out.bytes);
  } else {
    a.v6().toBytes(out.bytes);
  }
  out.port = port;
  return out;
}

// Run as a service user (hnv-iked.service), hnv-iked holds CAP_SYS_ADMIN
// only for privateHaFifo's mount; it gives up every capability right after,
// before charon starts. Run as root (the lab), it keeps what it has.
void dropCapabilities() {
  if (::geteuid() == 0) return;
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct none[2]{};
  if (::syscall(SYS_capset, &header, none) != 0) {
    kLog.warn("could not give up capabilities", {{"why", std::strerror(errno)}});
  }
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
    // No policy-routing rule either (it would need CAP_NET_ADMIN, and the
    // data plane does the routing): hnv-iked runs without capabilities.
    << "  routing_table = 0\n"
    // A site that stops answering is declared dead after about 16 s
    // (2 + 3 + 4.5 + 6.75), not charon's default 165 s: a gateway wants its
    // persistent tunnels back quickly.
    << "  retransmit_timeout = 2.0\n"
    << "  retransmit_base = 1.5\n"
    << "  retransmit_tries = 3\n"
    << "  plugins {\n"
    << "    vici {\n      socket = unix://" << o.runDir << "/vici\n    }\n"
    << "    kernel-netlink {\n      fwmark = \n    }\n";
  if (!o.haLocal.empty()) {
    // One segment, moved by hnvgwd's role through the FIFO: the plugin's
    // own heartbeat and takeover stay off (the cluster's membership and
    // its witness decide). No "secret": it needs the kernel's IPsec.
    f << "    ha {\n      local = " << o.haLocal << "\n      remote = " << o.haRemote << "\n"
      << "      segment_count = 1\n      monitor = no\n      fifo_interface = yes\n      resync = no\n"
      << "    }\n";
  }
  f << "  }\n"
    << "  filelog {\n    stderr {\n      default = " << o.logLevel << "\n      ike_name = yes\n    }\n  }\n"
    << "  syslog {\n    daemon {\n      default = -1\n    }\n  }\n"
    << "}\n";
  return f ? path : std::string();
}

// `swanctlDir`: the directory of the credential files (SWANCTL_DIR);
// credentials loaded before and not named there any more are forgotten
// (--clear). Empty: swanctl's own (/etc/swanctl), nothing cleared.
int loadConnections(const Options& o, const std::string& file, const std::string& swanctlDir = "") {
  // Everything the child needs is built before fork(): charon's threads may
  // hold malloc's locks at that moment.
  const std::string uri = "unix://" + o.runDir + "/vici";
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (swanctlDir.empty() || std::strncmp(*e, "SWANCTL_DIR=", 12) != 0) env.emplace_back(*e);
  }
  if (!swanctlDir.empty()) env.push_back("SWANCTL_DIR=" + swanctlDir);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  // --clear only for hnvgwd's own directory (it names every credential);
  // an operator's --swanctl-conf adds to what is loaded.
  std::vector<const char*> argv{"swanctl", "--load-all", "--noprompt", "--file", file.c_str(), "--uri", uri.c_str()};
  if (!swanctlDir.empty()) argv.push_back("--clear");
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execvpe("swanctl", const_cast<char* const*>(argv.data()), envp.data());
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
  std::string haFifo;
  if (!o.haLocal.empty()) {
    std::string why;
    haFifo = privateHaFifo(o.runDir, why);
    if (haFifo.empty()) {
      kLog.warn("the ha plugin's control FIFO is not private to this hnv-iked; using its fixed path (one such "
                "hnv-iked per machine)",
                {{"why", why}, {"fifo", kHaFifo}});
      haFifo = kHaFifo;
    }
  }
  dropCapabilities();
  // Before the swanctl directory, hnvgwd's connections (with their PSKs)
  // were written here: not left behind.
  ::unlink((o.runDir + "/swanctl.conf").c_str());
  const std::string settings = writeSettings(o);
  if (settings.empty()) usage("cannot write " + o.runDir + "/strongswan.conf");

  // charon's threads inherit this mask: the signals come to sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  iked::Backend* backendPtr = nullptr;
  iked::ClusterRoleControl role(haFifo, {[](const std::string& name) { return hnv_charon_initiate_absent(name.c_str()); },
                                         [] { return hnv_charon_close_all(); },
                                         [] { return hnv_charon_forget_passive(); }});
  iked::Link link(o.dataplane, [&](const ikeipc::Message& m) {
    if (const auto* cr = std::get_if<ikeipc::ClusterRole>(&m)) {
      role.set(*cr);
    } else if (const auto* rs = std::get_if<ikeipc::IkeResync>(&m)) {
      if (rs->forget) {
        role.forgetPassive();
      } else {
        role.resyncPeer();
      }
    } else if (const auto* d = std::get_if<ikeipc::Dial>(&m)) {
      const int rc = hnv_charon_dial(d->connection.c_str());
      if (rc < 0) {
        kLog.warn("cannot dial: no such connection", {{"connection", d->connection}});
      } else if (rc > 0) {
        kLog.info("dialing on demand", {{"connection", d->connection}});
      }
    } else if (const auto* c = std::get_if<ikeipc::Counters>(&m)) {
      if (backendPtr != nullptr) backendPtr->onCounters(*c);
    } else if (const auto* e = std::get_if<ikeipc::Expire>(&m)) {
      hnv_ike_addr_t dst = shimAddress(e->dst, 0);
      hnv_charon_expire(50, e->spi, &dst, e->hard ? 1 : 0);
    } else if (const auto* r = std::get_if<ikeipc::Result_>(&m)) {
      if (!r->ok) kLog.error("the data plane refused an SA", {{"spi", std::to_string(r->spi)}, {"why", r->error}});
    } else if (const auto* in = std::get_if<ikeipc::IkeIn>(&m)) {
      if (!in->src.sameFamily(in->dst)) return;
      hnv_ike_addr_t src = shimAddress(in->src, in->srcPort), dst = shimAddress(in->dst, in->dstPort);
      if (hnv_charon_ike_input(&src, &dst, in->data.data(), in->data.size()) != 0) {
        kLog.warn("IKE datagram dropped: charon's queue is full");
      }
    } else if (const auto* conns = std::get_if<ikeipc::Connections>(&m)) {
      // hnvgwd's S2S interfaces: loaded whole (what is gone is unloaded).
      const std::string dir = o.runDir + "/swanctl";
      if (auto st = iked::writeSwanctlDir(dir, *conns); !st) {
        kLog.error("the data plane's connections were not written", {{"why", st.error().message()}});
        return;
      }
      const int rc = loadConnections(o, dir + "/swanctl.conf", dir);
      if (rc != 0) {
        kLog.error("the data plane's connections did not load", {{"exit", std::to_string(rc)}});
      } else {
        kLog.info("connections loaded from the data plane");
      }
    }
  });
  iked::Backend backend(link, o.keyLog);
  backend.keepWhileDisconnected(!o.haLocal.empty());
  backendPtr = &backend;
  link.onConnect([&backend] { backend.replay(); });
  link.onDisconnect([&role] { role.dataplaneLost(); });
  if (!o.haLocal.empty()) link.helloHa(o.haLocal + "<->" + o.haRemote);

  char err[512] = {0};
  const hnv_ike_backend_t table = backend.table();
  const bool ownSocket = !o.dataplane.empty();
  std::string plugins = !o.plugins.empty() ? o.plugins : ownSocket ? kDataplanePlugins : kDefaultPlugins;
  if (!o.haLocal.empty() && (" " + plugins + " ").find(" ha ") == std::string::npos) plugins += " ha";
  if (hnv_charon_start(settings.c_str(), plugins.c_str(), ownSocket ? 1 : 0, &table, err, sizeof err) != 0) {
    kLog.error(std::string("charon did not start: ") + err);
    link.stop();
    return 1;
  }
  kLog.notice("started", {{"vici", "unix://" + o.runDir + "/vici"},
                          {"dataplane", o.dataplane.empty() ? "none (standalone)" : o.dataplane},
                          {"ike_state_sync", o.haLocal.empty() ? "none" : o.haLocal + "<->" + o.haRemote}});
  // After charon: the data plane's first message may be its connections.
  role.start();
  link.start();
  if (!o.swanctlConf.empty()) {
    const int rc = loadConnections(o, o.swanctlConf);
    if (rc != 0) kLog.error("swanctl --load-all failed", {{"file", o.swanctlConf}, {"exit", std::to_string(rc)}});
  }
  service::notifyReady(o.dataplane.empty() ? "IKE standalone" : "IKE for the data plane at " + o.dataplane);
  // systemd's watchdog (WatchdogSec in hnv-iked.service): petted from this
  // loop every half of it, so a main thread stuck outside sigwait ends in
  // a restart. charon's own threads are not probed.
  std::uint64_t watchdogUsec = 0;
  if (sd_watchdog_enabled(0, &watchdogUsec) <= 0) watchdogUsec = 0;
  const std::uint64_t waitUsec = watchdogUsec > 0 ? watchdogUsec / 2 : 3600ull * 1000000;
  for (;;) {
    if (watchdogUsec > 0) sd_notify(0, "WATCHDOG=1");
    const timespec wait{static_cast<time_t>(waitUsec / 1000000), static_cast<long>(waitUsec % 1000000) * 1000};
    const int sig = sigtimedwait(&signals, nullptr, &wait);
    if (sig < 0) continue;  // the watchdog's turn, or EINTR
    if (sig == SIGHUP) {
      if (!o.swanctlConf.empty()) loadConnections(o, o.swanctlConf);
      continue;
    }
    if (sig == SIGPIPE) continue;
    break;
  }
  kLog.notice("stopping");
  service::notifyStopping();
  link.stop();  // first: its reader calls into charon
  role.stop();
  hnv_charon_stop();
  return 0;
}
