// The admin /metrics endpoint reports exact request counts by listener, route and code, and
// upstream errors by kind (DESIGN §9, STYLE rule 10: tests assert on metric values); HTTP/2
// streams are counted exactly like HTTP/1.1 requests.
#include <gtest/gtest.h>

#include "support/prometheus_text.h"
#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

using MetricsTest = ProtocolProxyFixture;
using Http1MetricsTest = ProxyFixture;
using H2MetricsTest = ProxyFixture;
using AdminTest = ProxyFixture;

// The count is recorded just after the response is written, so poll the scrape briefly.
bool MetricReaches(GatewayHarness& gateway, const std::string& name,
                   const std::map<std::string, std::string>& labels, double want,
                   std::optional<double>* last = nullptr) {
  std::optional<double> value;
  const bool ok = WaitUntil(
      [&] {
        value = MetricValue(gateway.Scrape(), name, labels);
        return value == want;
      },
      5s);
  if (last) *last = value;
  return ok;
}

TEST_P(MetricsTest, CountsRequestsByListenerRouteAndCode) {
  upstream.SetHandler([](const RecordedRequest& r) {
    return r.target == "/missing" ? Reply::Status(404, "nope") : Reply::Ok("fine");
  });
  HttpClient client(protocol(), port());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.Get("/"));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(client.Get("/missing"));
  std::optional<double> v;
  EXPECT_TRUE(MetricReaches(gateway(), "sluice_requests_total",
                            {{"listener", "main"}, {"route", "default"}, {"code", "200"}}, 5, &v))
      << "got " << v.value_or(-1) << "\n"
      << gateway().Scrape();
  EXPECT_TRUE(MetricReaches(gateway(), "sluice_requests_total",
                            {{"listener", "main"}, {"route", "default"}, {"code", "404"}}, 2, &v))
      << "got " << v.value_or(-1);
  // Counted exactly once each: the total over all codes is 7.
  EXPECT_EQ(MetricValue(gateway().Scrape(), "sluice_requests_total", {{"route", "default"}}), 7);
}

TEST_F(Http1MetricsTest, CountsLocalRejectionsWithEmptyRoute) {
  auto ex = SendAndReadResponse(port(), "GET / HTTP/1.1\r\n\r\n");  // no Host → 400
  ASSERT_TRUE(ex.response);
  ASSERT_EQ(ex.response->status, 400);
  EXPECT_TRUE(MetricReaches(gateway(), "sluice_requests_total",
                            {{"listener", "main"}, {"route", ""}, {"code", "400"}}, 1));
}

// The HTTP/2 counterpart of a malformed HTTP/1.1 head: a header list past the limit is
// answered 431 before routing, and counted the same way.
TEST_F(H2MetricsTest, CountsOversizedHeaderListAs431WithEmptyRoute) {
  HttpClient client(Protocol::kH2c, port());
  auto res = client.Get("/", {{"X-Big", std::string(20 * 1024, 'b')}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 431);
  EXPECT_TRUE(MetricReaches(gateway(), "sluice_requests_total",
                            {{"listener", "main"}, {"route", ""}, {"code", "431"}}, 1));
  EXPECT_EQ(upstream.request_count(), 0u);
}

TEST_P(MetricsTest, CountsUpstreamTimeoutsAsUpstreamErrors) {
  config.clusters[0].response_timeout = 150ms;
  StartGateway();
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Never(); });
  HttpClient client(protocol(), port());
  for (int i = 0; i < 2; ++i) {
    auto res = client.Get("/");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 504);
  }
  std::optional<double> v;
  EXPECT_TRUE(MetricReaches(gateway(), "sluice_upstream_errors_total",
                            {{"cluster", "backend"}, {"kind", "timeout"}}, 2, &v))
      << "got " << v.value_or(-1);
  EXPECT_EQ(MetricValue(gateway().Scrape(), "sluice_upstream_errors_total",
                        {{"cluster", "backend"}, {"kind", "connect"}}),
            0);
  EXPECT_TRUE(MetricReaches(gateway(), "sluice_requests_total",
                            {{"route", "default"}, {"code", "504"}}, 2));
}

TEST_P(MetricsTest, CountsAnExhaustedConnectionPoolBesideTheUpstreamErrors) {
  config.workers = 1;  // one worker's pool: its cap of one connection is the whole cluster's
  config.clusters[0].max_connections_per_endpoint = 1;
  StartGateway();
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Held("held"); });
  HttpClient holder(protocol(), port());
  ASSERT_TRUE(holder.Start("GET", "/held"));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }, 5s));
  auto res = Get("/second");  // the only pooled connection is busy
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->Header("X-Sluice-Reason"), "upstream_pool_exhausted");
  EXPECT_TRUE(MetricReaches(gateway(), "sluice_upstream_errors_total",
                            {{"cluster", "backend"}, {"kind", "pool_exhausted"}}, 1));
  EXPECT_EQ(MetricValue(gateway().Scrape(), "sluice_upstream_errors_total",
                        {{"cluster", "backend"}, {"kind", "reset"}}),
            0);
  upstream.ReleaseHeld();
  ASSERT_TRUE(holder.Finish());
}

TEST_P(MetricsTest, CountsBadResponsesAsUpstreamErrors) {
  upstream.Enqueue(
      Reply::Raw("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx"));
  auto res = Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502);
  EXPECT_TRUE(MetricReaches(gateway(), "sluice_upstream_errors_total",
                            {{"cluster", "backend"}, {"kind", "bad_response"}}, 1));
}

TEST_P(MetricsTest, ReportsOpenConnectionsGaugeByProtocol) {
  HttpClient a(protocol(), port()), b(protocol(), port());
  ASSERT_TRUE(a.Start("GET", "/"));
  ASSERT_TRUE(b.Start("GET", "/"));
  ASSERT_TRUE(a.Finish());
  ASSERT_TRUE(b.Finish());
  const std::string mine = h2() ? "h2c" : "http1";
  const std::string other = h2() ? "http1" : "h2c";
  EXPECT_TRUE(MetricReaches(gateway(), "sluice_connections",
                            {{"listener", "main"}, {"protocol", mine}}, 2));
  EXPECT_EQ(MetricValue(gateway().Scrape(), "sluice_connections",
                        {{"listener", "main"}, {"protocol", other}}),
            0);
}

TEST_F(H2MetricsTest, CountsConcurrentStreamsOfOneConnectionEach) {
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Held("done"); });
  H2Client client;
  ASSERT_TRUE(client.Connect(port()));
  std::vector<int32_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(client.Submit("GET", "/" + std::to_string(i)));
  ASSERT_TRUE(client.RunUntil([&] { return upstream.held_count() == 3; }, 10s));
  EXPECT_TRUE(client.RunUntil([&] {
    return MetricValue(gateway().Scrape(), "sluice_h2_streams_active", {}) == 3.0;
  })) << gateway().Scrape();
  upstream.ReleaseHeld();
  for (auto id : ids) EXPECT_EQ(client.Await(id).status, 200);
  EXPECT_TRUE(MetricReaches(gateway(), "sluice_requests_total",
                            {{"listener", "main"}, {"route", "default"}, {"code", "200"}}, 3));
}

TEST_F(AdminTest, ServesHealthAndReadiness) {
  EXPECT_EQ(gateway().Admin("/healthz").first, 200);
  EXPECT_EQ(gateway().Admin("/readyz").first, 200);
  EXPECT_EQ(gateway().Admin("/nope").first, 404);
}

INSTANTIATE_TEST_SUITE_P(Protocols, MetricsTest, BothProtocols(), ProtocolTestName);

}  // namespace
}  // namespace sluice::testing
