// The metrics endpoint over real TCP on the loopback: /metrics renders,
// /health follows the probe (200 or 503 with the reason), and other paths
// and methods are refused with the right status.
#include "hnv/service/metrics_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace hnv::service {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace asio = boost::asio;

class MetricsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<MetricsServer>(
        io_, MetricsEndpoint{"127.0.0.1", 0}, [] { return std::string("hnv_up 1\n"); }, [this] { return problem_; });
    ASSERT_TRUE(server_->listen());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    asio::post(io_, [this] { server_->close(); });
    work_.reset();
    io_.stop();
    thread_.join();
  }
  // One request, the whole answer (the server closes after it).
  std::string request(const std::string& line) {
    asio::io_context client;
    asio::ip::tcp::socket s(client);
    s.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    const std::string req = line + "\r\nHost: x\r\n\r\n";
    asio::write(s, asio::buffer(req));
    std::string out;
    boost::system::error_code ec;
    asio::read(s, asio::dynamic_buffer(out), ec);
    return out;
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{asio::make_work_guard(io_)};
  std::unique_ptr<MetricsServer> server_;
  std::thread thread_;
  std::string problem_;
};

TEST_F(MetricsServerTest, ServesMetricsAndHealth) {
  const auto metrics = request("GET /metrics HTTP/1.1");
  EXPECT_THAT(metrics, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(metrics, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(metrics, HasSubstr("\r\n\r\nhnv_up 1\n"));
  EXPECT_THAT(request("GET /health HTTP/1.1"), HasSubstr("\r\n\r\nok\n"));
}

TEST_F(MetricsServerTest, HealthSays503WithTheProbesReason) {
  problem_ = "data-plane worker 1 has not walked its graph for 2500 ms";
  const auto health = request("GET /health HTTP/1.1");
  EXPECT_THAT(health, StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(health, HasSubstr("unhealthy: data-plane worker 1 has not walked its graph for 2500 ms\n"));
}

TEST_F(MetricsServerTest, RefusesOtherPathsAndMethods) {
  const auto missing = request("GET /nothing HTTP/1.1");
  EXPECT_THAT(missing, StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(missing, HasSubstr("no such path: /nothing"));
  const auto post = request("POST /metrics HTTP/1.1");
  EXPECT_THAT(post, StartsWith("HTTP/1.1 405"));
  EXPECT_THAT(post, HasSubstr("Allow: GET, HEAD"));
}

TEST(MetricsEndpoint, ParsesAddressAndPortAndNamesWhatIsWrong) {
  auto v4 = parseMetricsEndpoint("127.0.0.1:9470");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->address, "127.0.0.1");
  EXPECT_EQ(v4->port, 9470);
  auto v6 = parseMetricsEndpoint("[::1]:9471");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->address, "::1");
  EXPECT_EQ(v6->text(), "[::1]:9471");
  EXPECT_THAT(parseMetricsEndpoint("9470").error().why, HasSubstr("address:port"));
  EXPECT_THAT(parseMetricsEndpoint("localhost:9470").error().why, HasSubstr("not an IP address"));
  EXPECT_THAT(parseMetricsEndpoint("127.0.0.1:0").error().why, HasSubstr("1 to 65535"));
}

}  // namespace
}  // namespace hnv::service
