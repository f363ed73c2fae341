// What the configuration tests of every program share: table-driven
// bad-configuration cases (a document, the place the error must name and a
// phrase of the rule) and a fixture with a fresh directory for files.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>

#include "hnv/base/result.h"

namespace hnv::testing {

struct BadCase {
  const char* name;
  const char* json;
  const char* where;
  const char* why;  // a phrase of the reason
};

inline std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.name; }

inline std::string badCaseName(const ::testing::TestParamInfo<BadCase>& i) { return i.param.name; }

// The parse was refused with InvalidArgument at `c.where` for a reason containing `c.why`.
template <class T>
void expectRefused(const Result<T>& r, const BadCase& c) {
  ASSERT_FALSE(r.ok()) << "accepted";
  EXPECT_EQ(r.error().code, Errc::InvalidArgument);
  EXPECT_EQ(r.error().where, c.where) << r.error().message();
  EXPECT_THAT(r.error().why, ::testing::HasSubstr(c.why)) << r.error().message();
}

// A fresh temporary directory per test, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hnv-cfg-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Writes `content` to dir_/name and returns the path.
  std::string write(const std::string& name, const std::string& content) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
  std::string dir_;
};

}  // namespace hnv::testing
