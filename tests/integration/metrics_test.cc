// The admin /metrics endpoint reports exact request counts by listener, route and code, and
// upstream errors by kind (DESIGN §9, STYLE rule 10: tests assert on metric values).
#include <gtest/gtest.h>

#include "support/prometheus_text.h"
#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

using MetricsTest = ProxyFixture;

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

TEST_F(MetricsTest, CountsRequestsByListenerRouteAndCode) {
  upstream.SetHandler([](const RecordedRequest& r) {
    return r.target == "/missing" ? Reply::Status(404, "nope") : Reply::Ok("fine");
  });
  RawClient client(port());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
    ASSERT_TRUE(client.ReadResponse());
  }
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/missing")));
    ASSERT_TRUE(client.ReadResponse());
  }
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

TEST_F(MetricsTest, CountsLocalRejectionsWithEmptyRoute) {
  auto ex = SendAndReadResponse(port(), "GET / HTTP/1.1\r\n\r\n");  // no Host → 400
  ASSERT_TRUE(ex.response);
  ASSERT_EQ(ex.response->status, 400);
  EXPECT_TRUE(MetricReaches(gateway(), "sluice_requests_total",
                            {{"listener", "main"}, {"route", ""}, {"code", "400"}}, 1));
}

TEST_F(MetricsTest, CountsUpstreamTimeoutsAsUpstreamErrors) {
  config.clusters[0].response_timeout = 150ms;
  StartGateway();
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Never(); });
  for (int i = 0; i < 2; ++i) {
    auto ex = SendAndReadResponse(port(), MakeRequest("GET", "/", {"Connection: close"}));
    ASSERT_TRUE(ex.response);
    EXPECT_EQ(ex.response->status, 504);
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

TEST_F(MetricsTest, CountsBadResponsesAsUpstreamErrors) {
  upstream.Enqueue(
      Reply::Raw("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx"));
  auto ex = SendAndReadResponse(port(), MakeRequest("GET", "/", {"Connection: close"}));
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 502);
  EXPECT_TRUE(MetricReaches(gateway(), "sluice_upstream_errors_total",
                            {{"cluster", "backend"}, {"kind", "bad_response"}}, 1));
}

TEST_F(MetricsTest, ReportsOpenConnectionsGauge) {
  RawClient a(port()), b(port());
  ASSERT_TRUE(a.Send(MakeRequest("GET", "/")));
  ASSERT_TRUE(b.Send(MakeRequest("GET", "/")));
  ASSERT_TRUE(a.ReadResponse());
  ASSERT_TRUE(b.ReadResponse());
  EXPECT_TRUE(MetricReaches(gateway(), "sluice_connections",
                            {{"listener", "main"}, {"protocol", "http1"}}, 2));
}

TEST_F(MetricsTest, AdminServesHealthAndReadiness) {
  EXPECT_EQ(gateway().Admin("/healthz").first, 200);
  EXPECT_EQ(gateway().Admin("/readyz").first, 200);
  EXPECT_EQ(gateway().Admin("/nope").first, 404);
}

}  // namespace
}  // namespace sluice::testing
