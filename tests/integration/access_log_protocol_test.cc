// The access log over real connections: every line names the protocol the request came over
// ("HTTP/1.1" or "HTTP/2") and whether TLS carried it, for proxied requests and for the
// rejections the protocol sessions answer themselves (431).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/h2_client.h"
#include "support/json_reader.h"
#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

class AccessLogProtocolTest : public ProxyFixture {
 protected:
  // One file per test process: ctest runs the tests of this binary in parallel processes.
  AccessLogProtocolTest()
      : path_(::testing::TempDir() + "sluice_access_log_protocol_" + std::to_string(::getpid()) +
              ".jsonl") {
    std::remove(path_.c_str());
    config.log.access_log = path_;
    config.listeners.at(0).protocols.h2c = true;
    config.listeners.at(0).max_header_bytes = 8 * 1024;
    config.listeners.at(0).http2.max_header_list_bytes = 8 * 1024;
  }
  ~AccessLogProtocolTest() override { std::remove(path_.c_str()); }

  std::vector<std::map<std::string, Json>> Lines() const {
    std::vector<std::map<std::string, Json>> out;
    std::ifstream in(path_);
    for (std::string line; std::getline(in, line);) {
      if (auto object = ParseFlatJsonObject(line)) out.push_back(std::move(*object));
    }
    return out;
  }
  // The line whose target is `target`, or for a rejection (no target) whose status is `status`.
  std::map<std::string, Json> LineFor(const std::string& target, int status) const {
    for (auto& line : Lines()) {
      if (line["target"].text == target && line["status"].text == std::to_string(status)) {
        return line;
      }
    }
    return {};
  }

  std::string path_;
};

TEST_F(AccessLogProtocolTest, ProxiedRequestsNameTheirProtocol) {
  RawClient h1(port());
  ASSERT_TRUE(h1.Send(MakeRequest("GET", "/over-h1")));
  ASSERT_TRUE(h1.ReadResponse());
  H2Client h2;
  ASSERT_TRUE(h2.Connect(port()));
  ASSERT_EQ(h2.Get("/over-h2").status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Lines().size() >= 2; }));

  auto one = LineFor("/over-h1", 200);
  ASSERT_FALSE(one.empty());
  EXPECT_EQ(one["protocol"].text, "HTTP/1.1");
  EXPECT_EQ(one["tls"].kind, Json::Kind::kBool);
  EXPECT_FALSE(one["tls"].boolean);
  auto two = LineFor("/over-h2", 200);
  ASSERT_FALSE(two.empty());
  EXPECT_EQ(two["protocol"].text, "HTTP/2");
  EXPECT_FALSE(two["tls"].boolean);
  EXPECT_EQ(two["method"].text, "GET");
  EXPECT_EQ(two["route"].text, "default");
}

TEST_F(AccessLogProtocolTest, SessionRejectionsNameTheirProtocol) {
  const std::string big(12 * 1024, 'b');
  const auto h1 = SendAndReadResponse(port(), MakeRequest("GET", "/", {"X-Big: " + big}));
  ASSERT_TRUE(h1.response);
  EXPECT_EQ(h1.response->status, 431);
  H2Client h2;
  ASSERT_TRUE(h2.Connect(port()));
  ASSERT_EQ(h2.Get("/", {{"x-big", big}}).status, 431);
  ASSERT_TRUE(WaitUntil([&] { return Lines().size() >= 2; }));

  std::map<std::string, int> protocols;
  for (auto& line : Lines()) {
    EXPECT_EQ(line["status"].text, "431");
    EXPECT_EQ(line["reason"].text, "header_too_large");
    ++protocols[line["protocol"].text];
  }
  EXPECT_EQ(protocols, (std::map<std::string, int>{{"HTTP/1.1", 1}, {"HTTP/2", 1}}));
}

}  // namespace
}  // namespace sluice::testing
