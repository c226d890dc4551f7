// Independent HTTP/2 clients against the gateway's h2c listener: nghttp, curl with prior
// knowledge and h2load as subprocesses (Debian nghttp2-client, curl), so sluice's framing,
// HPACK and flow control are checked against implementations other than the test library's.
// Each test skips when its tool is not installed.
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <regex>
#include <string>

#include "admission/api_key_hash.h"
#include "support/prometheus_text.h"
#include "support/proxy_fixture.h"
#include "support/subprocess.h"

namespace sluice::testing {
namespace {

bool Installed(const std::string& tool) {
  return RunCommand("command -v " + tool + " >/dev/null 2>&1").exit_code == 0;
}

// The value of `name` in curl's -D - header dump ("name: value\r\n"), lowercase name.
std::optional<std::string> CurlHeader(const std::string& dump, const std::string& name) {
  std::smatch m;
  const std::regex re("(?:^|\n)" + name + ": ([^\r\n]*)", std::regex::icase);
  if (!std::regex_search(dump, m, re)) return std::nullopt;
  return m[1].str();
}

class H2CliTest : public ProxyFixture {
 protected:
  H2CliTest() { config.listeners.at(0).protocols.h2c = true; }

  void RequireTool(const std::string& tool) {
    if (!Installed(tool)) GTEST_SKIP() << tool << " is not installed";
  }
  std::string Url(const std::string& path) { return "'" + gateway().Url(path) + "'"; }
};

TEST_F(H2CliTest, NghttpGetsTheBackendBodyOverH2c) {
  RequireTool("nghttp");
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok("nghttp saw " + r.target); });
  const auto r = RunCommand("nghttp -nv --timeout=5 " + Url("/hello?q=1") + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(":status: 200"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("via: 1.1 sluice"), std::string::npos) << r.output;
  // -n discards the body; fetch it again without -n and -v to compare it byte for byte.
  const auto body = RunCommand("nghttp --timeout=5 " + Url("/hello?q=1"));
  ASSERT_EQ(body.exit_code, 0) << body.output;
  EXPECT_EQ(body.output, "nghttp saw /hello?q=1");
  ASSERT_EQ(upstream.request_count(), 2u);
  EXPECT_EQ(upstream.requests()[0].target, "/hello?q=1");
  EXPECT_EQ(upstream.requests()[0].version, 11u) << "upstreams stay HTTP/1.1";
}

TEST_F(H2CliTest, NghttpUploadsABodyAndSeesItEchoed) {
  RequireTool("nghttp");
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok(r.body); });
  const std::string path = ::testing::TempDir() + "sluice_h2_cli_upload.bin";
  const std::string data(300 * 1024, 'u');  // several windows' worth: WINDOW_UPDATEs must flow
  ASSERT_EQ(
      RunCommand("head -c " + std::to_string(data.size()) + " /dev/zero | tr '\\0' u > " + path)
          .exit_code,
      0);
  const auto r = RunCommand("nghttp --timeout=10 -d " + path + " " + Url("/echo"));
  std::remove(path.c_str());
  ASSERT_EQ(r.exit_code, 0) << r.output.substr(0, 500);
  EXPECT_EQ(r.output.size(), data.size());
  EXPECT_EQ(r.output, data);
}

TEST_F(H2CliTest, CurlWithPriorKnowledgeGetsHttp2Response) {
  RequireTool("curl");
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Ok("curl body"); });
  const auto r =
      RunCommand("curl --http2-prior-knowledge -s --max-time 5 -D - " + Url("/curl") + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.output.starts_with("HTTP/2 200")) << r.output;
  EXPECT_EQ(CurlHeader(r.output, "via"), "1.1 sluice");
  EXPECT_TRUE(CurlHeader(r.output, "x-request-id").has_value()) << r.output;
  EXPECT_FALSE(CurlHeader(r.output, "connection").has_value()) << "no HTTP/1.1 fields in h2";
  EXPECT_TRUE(r.output.ends_with("curl body")) << r.output;
}

TEST_F(H2CliTest, CurlOverH2SeesThe429WithRetryAfterAndRateLimitHeaders) {
  RequireTool("curl");
  config::TenantConfig acme;
  acme.name = "acme";
  acme.rate = {0.5, 2};
  acme.api_keys = {"sha256:" + admission::DigestHex(admission::Sha256("k-acme"))};
  config.tenants = {acme};
  config.identity.sources = {{config::IdentitySource::kApiKey, "X-Api-Key"}};
  config.identity.on_missing = "reject";
  const std::string curl =
      "curl --http2-prior-knowledge -s --max-time 5 -D - -H 'X-Api-Key: "
      "k-acme' " +
      Url("/limited") + " 2>&1";
  for (int i = 0; i < 2; ++i) {
    const auto ok = RunCommand(curl);
    ASSERT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_TRUE(ok.output.starts_with("HTTP/2 200")) << ok.output;
  }
  const auto r = RunCommand(curl);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.output.starts_with("HTTP/2 429")) << r.output;
  EXPECT_EQ(CurlHeader(r.output, "x-sluice-reason"), "tenant_rate");
  const int retry_after = std::stoi(CurlHeader(r.output, "retry-after").value_or("0"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 3);
  EXPECT_EQ(CurlHeader(r.output, "ratelimit-policy"), "\"tenant\";q=2;w=4");
  EXPECT_TRUE(CurlHeader(r.output, "ratelimit").has_value()) << r.output;
  EXPECT_EQ(CurlHeader(r.output, "content-type"), "application/problem+json");
  EXPECT_EQ(upstream.request_count(), 2u);
}

TEST_F(H2CliTest, H2loadCompletesEveryRequestOverConcurrentStreams) {
  RequireTool("h2load");
  const auto r = RunCommand("h2load -n 200 -c 4 -m 10 " + Url("/load") + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("200 total, 200 started, 200 done, 200 succeeded, 0 failed, 0 errored"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("status codes: 200 2xx"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Application protocol: h2c"), std::string::npos) << r.output;
  EXPECT_EQ(upstream.request_count(), 200u);
  EXPECT_TRUE(WaitUntil(
      [&] { return MetricValue(gateway().Scrape(), "sluice_h2_streams_active", {}) == 0; }));
}

}  // namespace
}  // namespace sluice::testing
