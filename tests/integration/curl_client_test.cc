// A real client against the gateway: curl as a subprocess, so framing and connection handling
// are checked against an independent HTTP implementation.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "support/proxy_fixture.h"
#include "support/subprocess.h"

namespace sluice::testing {
namespace {

class CurlClientTest : public ProxyFixture {
 protected:
  void SetUp() override {
    if (RunCommand("curl --version >/dev/null 2>&1").exit_code != 0) {
      GTEST_SKIP() << "curl is not installed";
    }
  }

  CommandResult Curl(const std::string& args) {
    return RunCommand("curl -s -i --max-time 5 " + args + " 2>&1");
  }
};

TEST_F(CurlClientTest, GetReturnsBackendBodyAndGatewayHeaders) {
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok("curl saw " + r.target); });
  auto r = Curl("'" + gateway().Url("/hello?q=1") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto res = ParseResponse(r.output, false, true);
  ASSERT_EQ(res.status, ParseStatus::kComplete) << r.output;
  EXPECT_EQ(res.response.status, 200);
  EXPECT_EQ(res.response.body, "curl saw /hello?q=1");
  EXPECT_EQ(res.response.Header("Via"), "1.1 sluice");
  EXPECT_TRUE(res.response.HasHeader("X-Request-Id"));
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_TRUE(upstream.requests()[0].Header("User-Agent").value_or("").starts_with("curl/"));
}

TEST_F(CurlClientTest, PostsDataAndChunkedUpload) {
  upstream.SetHandler(
      [](const RecordedRequest& r) { return Reply::Ok("len=" + std::to_string(r.body.size())); });
  auto plain = Curl("--data-binary 'hello world' " + gateway().Url("/post"));
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(plain.output.find("len=11"), std::string::npos) << plain.output;

  auto chunked = Curl("-H 'Transfer-Encoding: chunked' --data-binary 'streamed body' " +
                      gateway().Url("/upload"));
  ASSERT_EQ(chunked.exit_code, 0) << chunked.output;
  EXPECT_NE(chunked.output.find("len=13"), std::string::npos) << chunked.output;
  ASSERT_EQ(upstream.request_count(), 2u);
  EXPECT_EQ(upstream.requests()[1].body, "streamed body");
}

TEST_F(CurlClientTest, ExpectContinueShowsInterimResponse) {
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok(r.body); });
  auto r = Curl("-H 'Expect: 100-continue' --data-binary 'expect me' " + gateway().Url("/"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.output.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")) << r.output;
  EXPECT_TRUE(r.output.ends_with("expect me")) << r.output;
}

TEST_F(CurlClientTest, HeadRequestHasLengthButNoBody) {
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Ok("twelve bytes"); });
  auto r = RunCommand("curl -s -I --max-time 5 " + gateway().Url("/") + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto res = ParseResponse(r.output, /*head_request=*/true, true);
  ASSERT_EQ(res.status, ParseStatus::kComplete) << r.output;
  EXPECT_EQ(res.response.Header("Content-Length"), "12");
  EXPECT_EQ(res.consumed, r.output.size()) << "HEAD answer carried body bytes";
}

TEST_F(CurlClientTest, ReusesConnectionForSeveralUrls) {
  auto r = RunCommand("curl -s -v --max-time 5 " + gateway().Url("/a") + " " + gateway().Url("/b") +
                      " " + gateway().Url("/c") + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Re-using existing connection"), std::string::npos) << r.output;
  EXPECT_EQ(upstream.request_count(), 3u);
  EXPECT_EQ(upstream.connections_accepted(), 1u);
}

TEST_F(CurlClientTest, LargeChunkedDownloadArrivesIntact) {
  std::string body(2 * 1024 * 1024, 'z');
  for (std::size_t i = 0; i < body.size(); i += 997) body[i] = static_cast<char>('a' + i % 26);
  Reply reply = Reply::Ok(body);
  reply.chunked = true;
  reply.chunk_size = 32 * 1024;
  upstream.Enqueue(reply);
  const std::string path =
      ::testing::TempDir() + "sluice_curl_download_" + std::to_string(gateway().port());
  auto r = RunCommand("curl -s --max-time 10 -o '" + path + "' " + gateway().Url("/big"));
  ASSERT_EQ(r.exit_code, 0);
  std::ifstream in(path, std::ios::binary);
  const std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::remove(path.c_str());
  EXPECT_EQ(got.size(), body.size());
  EXPECT_TRUE(got == body) << "download corrupted";
}

TEST_F(CurlClientTest, UnroutableHostGets404) {
  config.routes[0].match.host = "only.test";
  StartGateway();
  auto r = Curl("-H 'Host: other.test' " + gateway().Url("/"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto res = ParseResponse(r.output, false, true);
  ASSERT_EQ(res.status, ParseStatus::kComplete) << r.output;
  EXPECT_EQ(res.response.status, 404);
  EXPECT_EQ(res.response.Header("X-Sluice-Reason"), "no_route");
}

}  // namespace
}  // namespace sluice::testing
