#include "hnv/base/config_node.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace hnv {
namespace {

using ::testing::HasSubstr;

boost::json::value doc(std::string_view text) { return boost::json::parse(text); }

TEST(ConfigNode, PathsNameTheExactPlace) {
  auto v = doc(R"({"ports": [{"name": "ul", "mtu": 1500}, {"name": "dl", "mtu": 70000}]})");
  ConfigNode root(&v, "");
  EXPECT_EQ(root["ports"].path(), "ports");
  EXPECT_EQ(root["ports"].at(1).path(), "ports[1]");
  ConfigNode mtu = root["ports"].at(1)["mtu"];
  EXPECT_EQ(mtu.path(), "ports[1].mtu");
  auto r = mtu.asUint(68, 9600);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::InvalidArgument);
  EXPECT_EQ(r.error().where, "ports[1].mtu");
  EXPECT_EQ(r.error().what, "70000");
  EXPECT_EQ(r.error().why, "must be between 68 and 9600");
  EXPECT_EQ(r.error().message(), "ports[1].mtu: 70000: must be between 68 and 9600");
  EXPECT_EQ(*root["ports"].at(0)["mtu"].asUint(68, 9600), 1500u);
  EXPECT_EQ(*root["ports"].at(0)["name"].asString(), "ul");
  // A non-empty root path is kept.
  ConfigNode named(&v, "config");
  EXPECT_EQ(named["ports"].at(0)["name"].path(), "config.ports[0].name");
}

TEST(ConfigNode, AbsentNodesKeepTheirPath) {
  auto v = doc(R"({"a": {"b": null}, "list": [1]})");
  ConfigNode root(&v, "");
  EXPECT_TRUE(root["a"].present());
  EXPECT_FALSE(root["a"]["b"].present()) << "null counts as absent";
  EXPECT_FALSE(root["missing"].present());
  EXPECT_FALSE(root["missing"]["deeper"].present());
  EXPECT_EQ(root["missing"]["deeper"].path(), "missing.deeper");
  EXPECT_FALSE(root["list"].at(1).present());
  EXPECT_EQ(root["list"].at(1).path(), "list[1]");
  EXPECT_FALSE(root["list"]["x"].present()) << "a key of an array is absent";
  EXPECT_FALSE(root["a"].at(0).present()) << "an index of an object is absent";
  auto r = root["missing"]["deeper"].asString();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "missing.deeper");
  EXPECT_EQ(r.error().why, "is required");
}

TEST(ConfigNode, UnknownKeyListsTheKnownOnes) {
  auto v = doc(R"({"ports": [{"name": "ul", "mtuu": 1500}]})");
  ConfigNode port = ConfigNode(&v, "")["ports"].at(0);
  auto st = port.expectObject({"name", "mtu", "mac"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().where, "ports[0].mtuu");
  EXPECT_EQ(st.error().why, "unknown key (known keys here: name, mtu, mac)");
  EXPECT_TRUE(port.expectObject({"name", "mtuu"}).ok());

  // At the root the key alone is the path.
  auto top = doc(R"({"nodes": 1})");
  auto rt = ConfigNode(&top, "").expectObject({"node"});
  ASSERT_FALSE(rt.ok());
  EXPECT_EQ(rt.error().where, "nodes");
}

TEST(ConfigNode, ExpectObjectNamesTheKind) {
  auto v = doc(R"({"a": [1, 2], "s": "x", "n": 3, "b": true})");
  ConfigNode root(&v, "");
  auto arr = root["a"].expectObject({});
  ASSERT_FALSE(arr.ok());
  EXPECT_EQ(arr.error().where, "a");
  EXPECT_EQ(arr.error().what, "[1,2]");
  EXPECT_EQ(arr.error().why, "must be an object, not an array");
  EXPECT_EQ(root["s"].expectObject({}).error().why, "must be an object, not a string");
  EXPECT_EQ(root["n"].expectObject({}).error().why, "must be an object, not a number");
  EXPECT_EQ(root["b"].expectObject({}).error().why, "must be an object, not a boolean");
  auto missing = root["m"].expectObject({});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().why, "is required");
}

TEST(ConfigNode, TypeErrorsNameTheJsonKind) {
  auto v = doc(R"({"s": "1500", "n": 1500, "o": {"k": 1}, "a": [], "b": false, "d": 1.5, "neg": -1})");
  ConfigNode root(&v, "");
  auto s = root["n"].asString();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().where, "n");
  EXPECT_EQ(s.error().what, "1500");
  EXPECT_EQ(s.error().why, "must be a string, not a number");
  EXPECT_EQ(root["o"].asString().error().why, "must be a string, not an object");
  EXPECT_EQ(root["a"].asString().error().why, "must be a string, not an array");
  EXPECT_EQ(root["b"].asString().error().why, "must be a string, not a boolean");

  EXPECT_EQ(root["s"].arraySize().error().why, "must be an array, not a string");
  EXPECT_EQ(root["o"].arraySize().error().why, "must be an array, not an object");
  EXPECT_EQ(*root["a"].arraySize(), 0u);

  auto u = root["s"].asUint(68, 9600);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().where, "s");
  EXPECT_EQ(u.error().what, "\"1500\"");
  EXPECT_EQ(u.error().why, "must be a whole number from 68 to 9600, not a string");
  EXPECT_EQ(root["b"].asUint(0, 1).error().why, "must be a whole number from 0 to 1, not a boolean");
  EXPECT_EQ(root["o"].asUint(0, 1).error().why, "must be a whole number from 0 to 1, not an object");
  // Numbers of the wrong sort say so without a kind.
  EXPECT_EQ(root["d"].asUint(0, 10).error().why, "must be a whole number from 0 to 10");
  EXPECT_EQ(root["neg"].asUint(0, 10).error().what, "-1");

  auto b = root["s"].asBool();
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().what, "\"1500\"");
  EXPECT_EQ(b.error().why, "must be true or false, not a string");
  EXPECT_EQ(root["n"].asBool().error().why, "must be true or false, not a number");
}

TEST(ConfigNode, AsUintRange) {
  auto v = doc(R"({"lo": 67, "min": 68, "max": 9600, "hi": 9601, "big": 18446744073709551615, "zero": 0})");
  ConfigNode root(&v, "");
  auto lo = root["lo"].asUint(68, 9600);
  ASSERT_FALSE(lo.ok());
  EXPECT_EQ(lo.error().what, "67");
  EXPECT_EQ(lo.error().why, "must be between 68 and 9600");
  EXPECT_EQ(*root["min"].asUint(68, 9600), 68u);
  EXPECT_EQ(*root["max"].asUint(68, 9600), 9600u);
  EXPECT_EQ(root["hi"].asUint(68, 9600).error().what, "9601");
  EXPECT_EQ(*root["big"].asUint(0, UINT64_MAX), UINT64_MAX);
  EXPECT_EQ(root["big"].asUint(0, 100).error().what, "18446744073709551615");
  EXPECT_EQ(*root["zero"].asUint(0, 0), 0u);
}

TEST(ConfigNode, DefaultsApplyOnlyWhenAbsent) {
  auto v = doc(R"({"s": "given", "n": 9000, "b": true, "nul": null, "bad": "x"})");
  ConfigNode root(&v, "");
  EXPECT_EQ(*root["s"].asString("fallback"), "given");
  EXPECT_EQ(*root["none"].asString("fallback"), "fallback");
  EXPECT_EQ(*root["nul"].asString("fallback"), "fallback");
  EXPECT_EQ(*root["n"].asUint(68, 9600, 1500), 9000u);
  EXPECT_EQ(*root["none"].asUint(68, 9600, 1500), 1500u);
  EXPECT_TRUE(*root["b"].asBool(false));
  EXPECT_FALSE(*root["none"].asBool(false));
  // A present value is still checked.
  EXPECT_FALSE(root["bad"].asUint(0, 10, 5).ok());
  EXPECT_FALSE(root["bad"].asBool(true).ok());
  EXPECT_FALSE(root["n"].asString("x").ok());
  EXPECT_EQ(root["n"].asUint(68, 1500, 1500).error().why, "must be between 68 and 1500");
}

TEST(ConfigNode, ErrorUsesThePath) {
  auto v = doc(R"({"a": {"b": 1}})");
  Error e = ConfigNode(&v, "")["a"]["b"].error("1", "is odd");
  EXPECT_EQ(e.code, Errc::InvalidArgument);
  EXPECT_EQ(e.message(), "a.b: 1: is odd");
}

TEST(ConfigNode, LongValuesAreShortenedInErrors) {
  std::string longText(100, 'x');
  boost::json::value v = boost::json::object{{"k", longText}};
  auto r = ConfigNode(&v, "")["k"].asUint(0, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().what.size(), 60u);
  EXPECT_EQ(r.error().what, "\"" + std::string(56, 'x') + "...");
}

TEST(ParseJson, ParsesAValidDocument) {
  auto r = parseJson(R"({"a": [1, 2, {"b": "c"}]})", "test");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->at("a").at(2).at("b").as_string(), "c");
}

TEST(ParseJson, SyntaxErrorNamesLineAndColumn) {
  // The 'x' is on line 4, column 11.
  const char* text =
      "{\n"
      "  \"node\": {\"name\": \"gw1\"},\n"
      "  \"ports\": [\n"
      "    {\"a\": x}\n"
      "  ]\n"
      "}\n";
  auto r = parseJson(text, "/etc/hnv/gw.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::Malformed);
  EXPECT_EQ(r.error().where, "/etc/hnv/gw.json:4:11");
  EXPECT_THAT(r.error().why, HasSubstr("invalid JSON"));
}

TEST(ParseJson, TrailingCommaPointsAtTheClosingBrace) {
  auto r = parseJson("{\n  \"a\": 1,\n}\n", "f");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "f:3:1");
}

TEST(ParseJson, TruncatedAndTrailingData) {
  auto cut = parseJson("{\n  \"a\": [1,\n", "f");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().where, "f:3:1") << "the end of the text";
  auto extra = parseJson("{}\n{}", "f");
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.error().where, "f:2:1");
  auto empty = parseJson("", "f");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().where, "f:1:1");
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hnv-unit-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name, const std::string& content) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(LoadJsonFile, ReadsAFile) {
  TempDir dir;
  auto r = loadJsonFile(dir.file("ok.json", R"({"x": 5})"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->at("x").as_int64(), 5);
}

TEST(LoadJsonFile, MissingFileAndSyntaxErrorNameThePath) {
  TempDir dir;
  std::string missing = dir.path() + "/nope.json";
  auto r = loadJsonFile(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::Io);
  EXPECT_EQ(r.error().where, missing);
  std::string bad = dir.file("bad.json", "{\n\"a\" 1}");
  auto s = loadJsonFile(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().where, bad + ":2:5");
}

// Configuration files carry comments (the shipped /etc/hnv files explain
// each line); API bodies and stored JSON refuse them.
TEST(LoadJsonFile, ConfigurationFilesMayCarryCommentsAndApiBodiesMayNot) {
  TempDir dir;
  auto r = loadJsonFile(dir.file("commented.json", "{\n  // the node's name\n  \"x\": 5 /* five */\n}\n"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->at("x").as_int64(), 5);
  auto body = parseJson("{\"x\": 5 // no\n}", "body");
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().where, "body:1:9");  // at the first /
}

}  // namespace
}  // namespace hnv
