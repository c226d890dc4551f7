// TLS listeners end to end: ALPN picks h2 or HTTP/1.1, requests reach the upstream marked as
// HTTPS, mTLS asks for a client certificate, failed handshakes are counted, and certificate
// problems stop startup with the file named. Certificates are made per test by TestCerts.
#include <gtest/gtest.h>
#include <poll.h>

#include <filesystem>
#include <fstream>

#include "app/listener_tls.h"
#include "support/h2_client.h"
#include "support/prometheus_text.h"
#include "support/proxy_fixture.h"
#include "support/subprocess.h"
#include "support/test_certs.h"

namespace sluice::testing {
namespace {

using Clock = std::chrono::steady_clock;

class TlsTest : public ProxyFixture {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certs.ok()) << certs.error();
    auto& l = config.listeners[0];
    l.protocols = {.http1 = true, .h2c = false, .h2 = true};
    l.tls.enabled = true;
    l.tls.cert_file = certs.server_cert();
    l.tls.key_file = certs.server_key();
  }

  TlsClientConfig Client(std::string alpn = "h2") const {
    TlsClientConfig c;
    c.ca_file = certs.ca_cert();
    c.alpn = std::move(alpn);
    return c;
  }

  H2ClientOptions H2Options() const {
    H2ClientOptions o;
    o.tls = true;
    o.tls_config = Client();
    return o;
  }

  double Metric(std::string_view name, const std::map<std::string, std::string>& labels) {
    return MetricValue(gateway().Scrape(), name, labels).value_or(-1);
  }
  double Failures() {
    return Metric("sluice_tls_handshake_failures_total", {{"listener", "main"}});
  }

  TestCerts certs;
};

// Writes `request` over a TLS transport and reads until the server closes or 5 s pass.
std::string ExchangeOverTls(H2Transport& tls, std::string_view request) {
  while (!request.empty()) {
    const auto w = tls.Write(request);
    if (w.status == IoStatus::kClosed) return {};
    request.remove_prefix(w.bytes);
  }
  std::string got;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  char buf[16 * 1024];
  while (Clock::now() < deadline) {
    const auto r = tls.Read(buf, sizeof buf);
    if (r.status == IoStatus::kClosed) break;
    if (r.status == IoStatus::kOk) {
      got.append(buf, r.bytes);
      continue;
    }
    pollfd p{tls.fd(), POLLIN, 0};
    ::poll(&p, 1, 10);
  }
  return got;
}

std::optional<HttpResponse> Http11OverTls(H2Transport& tls, const std::string& path) {
  auto raw = ExchangeOverTls(
      tls, "GET " + path + " HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n");
  auto parsed = ParseResponse(raw, false, true);
  if (parsed.status != ParseStatus::kComplete) return std::nullopt;
  return parsed.response;
}

TEST_F(TlsTest, NegotiatesH2AndForwardsAsHttps) {
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok("tls saw " + r.target); });
  H2Client client(H2Options());
  ASSERT_TRUE(client.Connect(port())) << client.error();
  EXPECT_EQ(client.alpn(), "h2");
  const auto r = client.Get("/secure?x=1");
  ASSERT_TRUE(r.complete());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "tls saw /secure?x=1");
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("X-Forwarded-Proto"), "https");
}

TEST_F(TlsTest, ServesHttp11WhenClientOffersOnlyHttp11) {
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok("h1 saw " + r.target); });
  std::string error;
  auto tls = ConnectTls(port(), Client("http/1.1"), std::chrono::seconds(5), error);
  ASSERT_TRUE(tls) << error;
  EXPECT_EQ(tls->alpn(), "http/1.1");
  const auto r = Http11OverTls(*tls, "/one");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "h1 saw /one");
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("X-Forwarded-Proto"), "https");
}

TEST_F(TlsTest, ClientWithoutAlpnIsServedHttp11) {
  std::string error;
  auto tls = ConnectTls(port(), Client(""), std::chrono::seconds(5), error);
  ASSERT_TRUE(tls) << error;
  EXPECT_EQ(tls->alpn(), "");
  const auto r = Http11OverTls(*tls, "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(TlsTest, H2OnlyListenerRefusesClientOfferingOnlyHttp11) {
  config.listeners[0].protocols.http1 = false;
  StartGateway();
  std::string error;
  auto tls = ConnectTls(port(), Client("http/1.1"), std::chrono::seconds(5), error);
  // TLS 1.3 clients may finish before reading the server's alert; the request then fails.
  if (tls) {
    EXPECT_FALSE(Http11OverTls(*tls, "/"));
  }
  EXPECT_TRUE(WaitUntil([&] { return Failures() == 1; })) << Failures();
  EXPECT_EQ(upstream.request_count(), 0u);
}

TEST_F(TlsTest, CountsFailedHandshakeOfPlainTextClient) {
  // A plain-text request on the TLS port is what port scanners and misconfigured clients send.
  RawClient raw(port());
  ASSERT_TRUE(raw.Send(MakeRequest("GET", "/")));
  // The answer, if any, is a TLS alert rather than HTTP.
  EXPECT_TRUE(raw.WaitForClose());
  EXPECT_TRUE(WaitUntil([&] { return Failures() == 1; })) << Failures();
  H2Client client(H2Options());
  ASSERT_TRUE(client.Connect(port())) << client.error();
  EXPECT_EQ(client.Get("/").status, 200);  // and the listener still serves
}

TEST_F(TlsTest, ConnectionsGaugeCountsH2OverTls) {
  const std::map<std::string, std::string> h2{{"listener", "main"}, {"protocol", "h2"}};
  H2Client client(H2Options());
  ASSERT_TRUE(client.Connect(port())) << client.error();
  ASSERT_EQ(client.Get("/").status, 200);
  EXPECT_EQ(Metric("sluice_connections", h2), 1);
  EXPECT_EQ(Metric("sluice_connections", {{"listener", "main"}, {"protocol", "h2c"}}), -1)
      << "a TLS listener has no h2c connections to count";
  client.Close();
  EXPECT_TRUE(WaitUntil([&] { return Metric("sluice_connections", h2) == 0; }));
}

TEST_F(TlsTest, DrainSendsGoawayAndClosesTlsConnection) {
  H2Client client(H2Options());
  ASSERT_TRUE(client.Connect(port())) << client.error();
  ASSERT_EQ(client.Get("/").status, 200);
  gateway().gateway().RequestDrain();
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(client.shutdown_notices(), 1u);  // the final GOAWAY: see DrainTest, idle connections
  EXPECT_EQ(gateway().WaitForExit(std::chrono::seconds(5)), 0);
}

TEST_F(TlsTest, MutualTlsRejectsClientWithoutCertificate) {
  config.listeners[0].tls.client_ca_file = certs.ca_cert();
  StartGateway();
  H2Client client(H2Options());
  // With TLS 1.3 the client's handshake ends before the server checks its (missing)
  // certificate, so the refusal shows on the first exchange.
  if (client.Connect(port())) {
    EXPECT_EQ(client.Get("/").status, 0);
  }
  EXPECT_TRUE(WaitUntil([&] { return Failures() == 1; })) << Failures();
  EXPECT_EQ(upstream.request_count(), 0u);
}

TEST_F(TlsTest, MutualTlsServesClientWithCertificate) {
  config.listeners[0].tls.client_ca_file = certs.ca_cert();
  StartGateway();
  auto options = H2Options();
  options.tls_config.cert_file = certs.client_cert();
  options.tls_config.key_file = certs.client_key();
  H2Client client(options);
  ASSERT_TRUE(client.Connect(port())) << client.error();
  EXPECT_EQ(client.Get("/").status, 200);
  EXPECT_EQ(Failures(), 0);
}

TEST_F(TlsTest, Tls13OnlyListenerRefusesTls12Client) {
  config.listeners[0].tls.min_version = config::TlsVersion::kTls13;
  StartGateway();
  if (RunCommand("curl --version >/dev/null 2>&1").exit_code != 0) GTEST_SKIP() << "no curl";
  const std::string url = "https://localhost:" + std::to_string(port()) + "/";
  const std::string curl =
      "curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert '" + certs.ca_cert() + "' ";
  EXPECT_NE(RunCommand(curl + "--tls-max 1.2 " + url).exit_code, 0);
  EXPECT_EQ(RunCommand(curl + "--tlsv1.3 " + url).output, "200");
}

TEST_F(TlsTest, CurlGetsHttp2AndHttp11OverTls) {
  if (RunCommand("curl -V 2>/dev/null | grep -q HTTP2").exit_code != 0) {
    GTEST_SKIP() << "curl without HTTP/2";
  }
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Ok("curl over tls"); });
  const std::string url = "https://localhost:" + std::to_string(port()) + "/c";
  const std::string curl = "curl -s -i --max-time 5 --cacert '" + certs.ca_cert() + "' ";
  const auto h2 = RunCommand(curl + "--http2 " + url + " 2>&1");
  ASSERT_EQ(h2.exit_code, 0) << h2.output;
  EXPECT_TRUE(h2.output.starts_with("HTTP/2 200")) << h2.output;
  EXPECT_TRUE(h2.output.ends_with("curl over tls")) << h2.output;
  const auto h1 = RunCommand(curl + "--http1.1 " + url + " 2>&1");
  ASSERT_EQ(h1.exit_code, 0) << h1.output;
  EXPECT_TRUE(h1.output.starts_with("HTTP/1.1 200")) << h1.output;
}

// Startup with bad certificates: Start throws, and the message names what to fix.
class TlsCertificatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certs.ok()) << certs.error();
    auto& l = config.listeners[0];
    l.protocols = {.http1 = true, .h2c = false, .h2 = true};
    l.tls.enabled = true;
    l.tls.cert_file = certs.server_cert();
    l.tls.key_file = certs.server_key();
  }

  // Start()'s exception text, or "" when it started.
  std::string StartError() {
    try {
      GatewayHarness harness(config);
    } catch (const std::exception& e) {
      return e.what();
    }
    return {};
  }

  TestCerts certs;
  config::Config config = MakeConfig({1});
};

TEST_F(TlsCertificatesTest, MissingCertificateFileFailsStartNamingIt) {
  const auto missing = certs.dir() + "/missing.pem";
  config.listeners[0].tls.cert_file = missing;
  const auto error = StartError();
  EXPECT_NE(error.find(missing + ": listeners[0].tls.cert: "), std::string::npos) << error;
}

TEST_F(TlsCertificatesTest, KeyNotMatchingCertificateFailsStartNamingIt) {
  const auto wrong = certs.dir() + "/ca.key";
  config.listeners[0].tls.key_file = wrong;
  const auto error = StartError();
  EXPECT_NE(error.find(wrong + ": listeners[0].tls.key: private key does not match"),
            std::string::npos)
      << error;
}

TEST_F(TlsCertificatesTest, ReportsEveryListenersErrorsAtOnce) {
  auto second = config.listeners[0];
  second.name = "second";
  second.tls.client_ca_file = certs.dir() + "/no-ca.pem";
  config.listeners[0].tls.key_file = certs.dir() + "/no-key.pem";
  config.listeners.push_back(second);
  const auto error = StartError();
  EXPECT_NE(error.find("listeners[0].tls.key"), std::string::npos) << error;
  EXPECT_NE(error.find("listeners[1].tls.client_ca"), std::string::npos) << error;
}

TEST_F(TlsCertificatesTest, FailedReloadKeepsCurrentCertificates) {
  const auto copy = certs.dir() + "/rotating.pem";
  std::filesystem::copy_file(certs.server_cert(), copy);
  config.listeners[0].tls.cert_file = copy;
  app::ListenerTls tls(config.listeners[0], 0);
  ASSERT_TRUE(tls.Load().empty());
  const auto first = tls.current();
  ASSERT_TRUE(first);
  std::ofstream(copy, std::ios::trunc) << "not a certificate\n";
  const auto errors = tls.Load();
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.all()[0].where.file, copy);
  EXPECT_EQ(tls.current(), first);
  std::filesystem::copy_file(certs.server_cert(), copy,
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(tls.Load().empty());
  EXPECT_NE(tls.current(), first) << "a successful reload swaps in a new context";
}

}  // namespace
}  // namespace sluice::testing
