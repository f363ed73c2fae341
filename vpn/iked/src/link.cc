#include "hnv/iked/link.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "hnv/base/log.h"

namespace hnv::iked {
namespace {

const Logger kLog("iked");

int connectTo(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

void Link::start() {
  if (standalone() || thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Link::stop() {
  stopping_ = true;
  if (int fd = fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);  // wakes the reader
  if (thread_.joinable()) thread_.join();
  closeFd();
}

// Under the write lock: a charon thread in send() must never write (keys)
// to a descriptor number that was closed and reused.
void Link::closeFd() {
  std::lock_guard guard(writeMu_);
  if (int fd = fd_.exchange(-1); fd >= 0) ::close(fd);
}

bool Link::send(const ikeipc::Message& m) {
  if (standalone()) return true;
  std::string line = ikeipc::encode(m);
  line.push_back('\n');
  std::lock_guard guard(writeMu_);
  const int fd = fd_.load();
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::send(fd, line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void Link::run() {
  bool warned = false;
  while (!stopping_) {
    int fd = connectTo(path_);
    if (fd < 0) {
      if (!warned) kLog.warn("data plane socket " + path_ + " not reachable: " + std::strerror(errno) +
                                      "; retrying every second");
      warned = true;
      for (int i = 0; i < 10 && !stopping_; ++i) ::usleep(100 * 1000);
      continue;
    }
    warned = false;
    fd_ = fd;
    kLog.info("connected to the data plane at " + path_);
    send(ikeipc::Hello{"hnv-iked", ikeipc::kVersion, helloHa_});
    if (onConnect_) onConnect_();
    std::string buffer;
    char chunk[4096];
    while (!stopping_) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = buffer.find('\n')) != std::string::npos) {
        const std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        if (line.empty()) continue;
        auto m = ikeipc::decode(line);
        if (!m) {
          kLog.warn("ignoring a message from the data plane: " + m.error().message());
          continue;
        }
        onMessage_(*m);
      }
      // The connections message carries every interface's certificates and
      // keys (each at most 16 KiB, CA bundles 64 KiB): 64 MiB hold hundreds
      // of interfaces at those maxima, thousands of real ones.
      if (buffer.size() > (64u << 20)) {
        kLog.warn("data plane sent a line over 64 MiB; reconnecting");
        break;
      }
    }
    closeFd();
    if (!stopping_) {
      kLog.warn("lost the data plane at " + path_ + "; reconnecting");
      if (onDisconnect_) onDisconnect_();
    }
  }
}

}  // namespace hnv::iked
