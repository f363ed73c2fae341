#include "hnv/iked/swanctl_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace hnv::iked {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCredentialDirs[] = {"x509", "x509ca", "x509crl", "private"};

Status makePrivateDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return makeError(Errc::Io, path, "", std::string("cannot create: ") + std::strerror(errno));
  }
  ::chmod(path.c_str(), 0700);
  return okStatus();
}

// Created 0600 before the first byte is written, never through a link.
Status writePrivateFile(const std::string& path, const std::string& text) {
  std::error_code ec;
  fs::remove(path, ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return makeError(Errc::Io, path, "", std::string("cannot be created: ") + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return makeError(Errc::Io, path, "", std::string("cannot be written: ") + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  ::fchmod(fd, 0600);  // whatever the umask took away
  ::close(fd);
  return okStatus();
}

}  // namespace

Status writeSwanctlDir(const std::string& dir, const ikeipc::Connections& c) {
  for (const auto& cred : c.credentials) {
    if (auto problem = ikeipc::credentialFileProblem(cred.dir, cred.name)) {
      return makeError(Errc::InvalidArgument, "credentials", cred.dir + "/" + cred.name, *problem);
    }
  }
  if (auto st = makePrivateDir(dir); !st) return st;
  for (const char* sub : kCredentialDirs) {
    const std::string path = dir + "/" + sub;
    if (auto st = makePrivateDir(path); !st) return st;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      bool named = false;
      for (const auto& cred : c.credentials) named |= cred.dir == sub && cred.name == entry.path().filename();
      if (!named) fs::remove(entry.path(), ec);
    }
  }
  for (const auto& cred : c.credentials) {
    if (auto st = writePrivateFile(dir + "/" + cred.dir + "/" + cred.name, cred.pem); !st) return st;
  }
  return writePrivateFile(dir + "/swanctl.conf", c.swanctlConf);
}

}  // namespace hnv::iked
