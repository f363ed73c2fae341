// hnv-iked's swanctl directory: the credential files hnvgwd names, and only
// those, private to the service; a refused name writes nothing.
#include "hnv/iked/swanctl_dir.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace hnv::iked {
namespace {

namespace fs = std::filesystem;

class SwanctlDir : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() / ("hnv-swanctl-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root);  // hnv-iked's run directory
  }
  void TearDown() override { fs::remove_all(root); }
  static std::string read(const fs::path& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }
  static unsigned mode(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
  }
  fs::path root;
};

TEST_F(SwanctlDir, WritesTheNamedFilesPrivatelyAndRemovesTheOthers) {
  const std::string dir = (root / "swanctl").string();
  ikeipc::Connections first{"connections { a {} }\n",
                            {{"x509", "a.pem", "CERT-A"}, {"private", "a.pem", "KEY-A"}, {"x509ca", "a-ca1.pem", "CA"}}};
  auto st = writeSwanctlDir(dir, first);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(read(root / "swanctl/swanctl.conf"), first.swanctlConf);
  EXPECT_EQ(read(root / "swanctl/private/a.pem"), "KEY-A");
  EXPECT_EQ(read(root / "swanctl/x509ca/a-ca1.pem"), "CA");
  EXPECT_EQ(mode(root / "swanctl"), 0700u);
  EXPECT_EQ(mode(root / "swanctl/private"), 0700u);
  EXPECT_EQ(mode(root / "swanctl/private/a.pem"), 0600u);
  EXPECT_EQ(mode(root / "swanctl/swanctl.conf"), 0600u) << "PSKs live there";
  // The next set: a's files are gone, b's are there.
  ikeipc::Connections second{"connections { b {} }\n", {{"x509", "b.pem", "CERT-B"}, {"private", "b.pem", "KEY-B"}}};
  ASSERT_TRUE(writeSwanctlDir(dir, second).ok());
  EXPECT_FALSE(fs::exists(root / "swanctl/x509/a.pem"));
  EXPECT_FALSE(fs::exists(root / "swanctl/private/a.pem"));
  EXPECT_FALSE(fs::exists(root / "swanctl/x509ca/a-ca1.pem"));
  EXPECT_EQ(read(root / "swanctl/private/b.pem"), "KEY-B");
}

TEST_F(SwanctlDir, ARefusedNameWritesNothing) {
  const std::string dir = (root / "swanctl").string();
  ASSERT_TRUE(writeSwanctlDir(dir, {"old\n", {{"x509", "a.pem", "A"}}}).ok());
  auto st = writeSwanctlDir(dir, {"new\n", {{"x509", "b.pem", "B"}, {"x509", "../../escape.pem", "X"}}});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("is not a plain file name"), std::string::npos) << st.error().message();
  EXPECT_EQ(read(root / "swanctl/swanctl.conf"), "old\n");
  EXPECT_TRUE(fs::exists(root / "swanctl/x509/a.pem"));
  EXPECT_FALSE(fs::exists(root / "swanctl/x509/b.pem"));
  EXPECT_FALSE(fs::exists(root / "escape.pem"));
}

}  // namespace
}  // namespace hnv::iked
